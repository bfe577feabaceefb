//! websms status codes: what a websms client reads in `statusCode` and `statusMessage`.

/// A websms `statusCode` with its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebsmsStatus {
    pub code: u16,
    pub message: String,
}

impl WebsmsStatus {
    pub fn new(code: u16, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub fn malformed(message: impl Into<String>) -> Self {
        Self::new(4000, message)
    }
    pub fn bad_credentials() -> Self {
        Self::new(4001, "Invalid credentials")
    }
    pub fn invalid_recipient(message: impl Into<String>) -> Self {
        Self::new(4002, message)
    }
    pub fn invalid_sender(message: impl Into<String>) -> Self {
        Self::new(4003, message)
    }
    pub fn missing(parameter: &str) -> Self {
        Self::new(4019, format!("Parameter missing: {parameter}"))
    }
    pub fn internal() -> Self {
        Self::new(5000, "Internal error")
    }
    /// The server cannot take the request now (its database is busy); nothing was done.
    pub fn unavailable() -> Self {
        Self::new(
            5003,
            "Service unavailable: the database is busy; nothing was sent, try again shortly",
        )
    }
}
