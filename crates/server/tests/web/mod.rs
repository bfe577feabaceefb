//! A browser-like HTTP client for the web pages: keeps cookies by hand (so tests can look
//! at their attributes), follows no redirects, and reads CSRF tokens from forms.

#![allow(dead_code)]

pub mod driver;
pub mod steps;

use std::collections::BTreeMap;

use reqwest::header::{HeaderMap, SET_COOKIE};
use reqwest::{Response, StatusCode};

pub struct Browser {
    pub base: String,
    pub client: reqwest::Client,
    pub cookies: BTreeMap<String, String>,
    /// Extra headers every request carries (e.g. `Accept-Language`).
    pub headers: HeaderMap,
}

pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> &str {
        self.headers
            .get("location")
            .map(|v| v.to_str().unwrap())
            .unwrap_or_default()
    }

    /// The `Set-Cookie` line for `name`, to check its attributes.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .find(|c| c.starts_with(&format!("{name}=")))
    }

    /// The value of the first hidden `csrf` field.
    pub fn csrf(&self) -> String {
        let start = self
            .body
            .find(r#"name="csrf" value=""#)
            .expect("a form with a csrf field")
            + r#"name="csrf" value=""#.len();
        self.body[start..].split('"').next().unwrap().to_owned()
    }
}

impl Browser {
    pub fn new(base: &str) -> Browser {
        Browser {
            base: base.to_owned(),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: BTreeMap::new(),
            headers: HeaderMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn keep(&mut self, response: Response) -> Page {
        let status = response.status();
        let headers = response.headers().clone();
        for line in headers.get_all(SET_COOKIE) {
            let line = line.to_str().unwrap();
            let pair = line.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            let expired = line.contains("Max-Age=0") || value.is_empty();
            if expired {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        Page {
            status,
            headers,
            body: response.text().await.unwrap(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .headers(self.headers.clone())
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.keep(response).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .headers(self.headers.clone())
            .header("cookie", self.cookie_header())
            .form(form)
            .send()
            .await
            .unwrap();
        self.keep(response).await
    }

    /// Shows the login form and submits it.
    pub async fn log_in(&mut self, username: &str, password: &str) -> Page {
        let form = self.get("/login").await;
        let csrf = form.csrf();
        self.post(
            "/login",
            &[
                ("username", username),
                ("password", password),
                ("csrf", &csrf),
            ],
        )
        .await
    }
}

/// The owner of a second account, logged in: to show what it must not see of the first.
pub async fn other_owner(
    app: &crate::support::TestApp,
    account: &str,
    username: &str,
    password: &str,
) -> Browser {
    let (other, _) = app
        .other_account(account, bote_domain::TokenScope::Full)
        .await;
    bote::accounts::add_user(
        app.store.as_ref(),
        Some(other.id),
        username,
        password.into(),
        bote_domain::UserRole::Owner,
        None,
    )
    .await
    .unwrap();
    let mut browser = Browser::new(&app.base);
    assert_eq!(browser.log_in(username, password).await.status, 303);
    browser
}
