//! Identifiers of stored entities, one type each so they cannot be mixed up.

macro_rules! id_type {
    ($($(#[$meta:meta])* $name:ident),+ $(,)?) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )+};
}

id_type!(
    /// A tenant.
    AccountId,
    /// A person who logs in: an account's owner or member, or an account manager.
    UserId,
    /// An API token of an account.
    TokenId,
    /// A contact of an account's phone book.
    ContactId,
    /// A contact group of an account.
    GroupId,
    /// One dispatch: a message on one channel to one or many recipients.
    SendId,
    /// One message to one recipient.
    MessageId,
    /// One callback (delivery report or inbound message) to a customer's URL.
    CallbackId,
);
