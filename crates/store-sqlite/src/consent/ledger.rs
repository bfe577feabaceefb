//! The consent ledger (R13, R14): append-only proof of every consent change, written in
//! the transaction of the change.

use bote_domain::{AccountId, GroupCode, PhoneNumber};
use bote_store::{
    ConsentEvent, ConsentSource, LedgerEntry, NewLedgerEntry, StoreError, StoreResult,
};
use chrono::{DateTime, Utc};
use sqlx::SqliteConnection;

use crate::errors::DbResultExt;
use crate::rows::{MAX_PARAMETERS, parse, positional_rows};
use crate::time;

#[derive(sqlx::FromRow)]
pub(super) struct LedgerRow {
    id: i64,
    number: String,
    event: String,
    source: String,
    reference: Option<String>,
    text: Option<String>,
    business_number: Option<String>,
    group_code: Option<String>,
    at: DateTime<Utc>,
}

impl TryFrom<LedgerRow> for LedgerEntry {
    type Error = StoreError;
    fn try_from(r: LedgerRow) -> StoreResult<Self> {
        Ok(LedgerEntry {
            id: r.id,
            number: PhoneNumber::from_e164_unchecked(r.number),
            event: parse("consent event", &r.event)?,
            source: parse("consent source", &r.source)?,
            reference: r.reference,
            text: r.text,
            business_number: r.business_number,
            group: r.group_code.map(GroupCode::from_stored),
            at: r.at,
        })
    }
}

/// Appends one ledger entry.
pub(crate) async fn record(
    conn: &mut SqliteConnection,
    account: AccountId,
    number: &PhoneNumber,
    event: ConsentEvent,
    source: &ConsentSource,
    group: Option<&GroupCode>,
) -> StoreResult<()> {
    record_many(conn, account, &[(number, event, source)], group).await
}

/// Appends ledger entries in the order given, in one statement per 3,640 (nine parameters
/// each).
pub(super) async fn record_many(
    conn: &mut SqliteConnection,
    account: AccountId,
    entries: &[NewLedgerEntry<'_>],
    group: Option<&GroupCode>,
) -> StoreResult<()> {
    let at = time::text(time::now());
    let group = group.map(GroupCode::as_str);
    for chunk in entries.chunks(MAX_PARAMETERS / 9) {
        let sql = format!(
            "INSERT INTO consent_ledger (account_id, number, event, source, reference, text, \
             business_number, group_code, at) VALUES {}",
            positional_rows(chunk.len(), 9)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (number, event, source) in chunk {
            q = q
                .bind(account.0)
                .bind(number.as_str())
                .bind(event.as_str())
                .bind(source.kind.as_str())
                .bind(&source.reference)
                .bind(&source.text)
                .bind(&source.business_number)
                .bind(group)
                .bind(&at);
        }
        q.execute(&mut *conn).await.db()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use bote_domain::{AccountKind, PhoneNumber};
    use bote_store::{AccountStore, ConsentSource, ConsentStore, NewAccount, SourceKind};

    use crate::SqliteStore;

    /// The ledger is proof of consent: the database itself refuses to rewrite an entry.
    #[tokio::test]
    async fn ledger_entries_cannot_be_updated() {
        let store = SqliteStore::temporary().await.unwrap();
        let account = store
            .create_account(NewAccount {
                name: "A".into(),
                kind: AccountKind::Business,
                trial_ends_at: None,
                verified_number: None,
                time_zone: None,
            })
            .await
            .unwrap()
            .id;
        let number = PhoneNumber::from_e164_unchecked("+436761000001".to_owned());
        let source = ConsentSource {
            kind: SourceKind::Keyword,
            reference: Some("1".into()),
            text: Some("START".into()),
            business_number: None,
        };
        store
            .give_opt_in(account, &number, source, None)
            .await
            .unwrap();
        let err = sqlx::query("UPDATE consent_ledger SET text = 'forged'")
            .execute(store.pool())
            .await
            .unwrap_err();
        assert!(err.to_string().contains("append-only"), "{err}");
        let ledger = store.consent_ledger(account, &number).await.unwrap();
        assert_eq!(ledger[0].text.as_deref(), Some("START"));
    }
}
