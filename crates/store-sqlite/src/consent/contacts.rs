//! The contacts that consent changes reach (R9): found by number, or made.

use std::collections::HashMap;

use bote_domain::{AccountId, ChannelKind, ContactId};
use bote_store::StoreResult;
use sqlx::SqliteConnection;

use crate::errors::DbResultExt;
use crate::rows::{first_inserted_id, json_rows, number_column, text_array};
use crate::time;

/// The contacts of the account that have one of `numbers` on `channel`, by number, read
/// back as one JSON row.
pub(super) async fn known_contacts(
    conn: &mut SqliteConnection,
    account: AccountId,
    numbers: &[&str],
    channel: ChannelKind,
) -> StoreResult<HashMap<String, ContactId>> {
    let column = number_column(channel);
    let known: String = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT json_group_array(json_array({column}, id)) FROM contacts \
         WHERE account_id = ?1 AND {column} IN (SELECT value FROM json_each(?2))"
    )))
    .bind(account.0)
    .bind(text_array(numbers.iter().copied()))
    .fetch_one(&mut *conn)
    .await
    .db()?;
    Ok(json_rows::<Vec<(String, i64)>>("contacts", &known)?
        .into_iter()
        .map(|(n, id)| (n, ContactId(id)))
        .collect())
}

/// For each of `numbers`: the contact that has it on `channel`; else the one that has it
/// on the other channel and none on this one, which gains it; else a new contact with it
/// (R9). At most three statements; only the second (numbers known on the other channel
/// only, few) hands back a row per contact.
pub(super) async fn contacts_for(
    conn: &mut SqliteConnection,
    account: AccountId,
    numbers: &[&str],
    channel: ChannelKind,
) -> StoreResult<HashMap<String, ContactId>> {
    if numbers.is_empty() {
        return Ok(HashMap::new());
    }
    let other = match channel {
        ChannelKind::Whatsapp => ChannelKind::Sms,
        ChannelKind::Sms => ChannelKind::Whatsapp,
    };
    let (column, other) = (number_column(channel), number_column(other));
    let now = time::text(time::now());
    let mut found = known_contacts(conn, account, numbers, channel).await?;
    let rest = |found: &HashMap<String, ContactId>| -> Vec<&str> {
        numbers
            .iter()
            .copied()
            .filter(|n| !found.contains_key(*n))
            .collect()
    };
    let gaining = rest(&found);
    if !gaining.is_empty() {
        let rows: Vec<(String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "UPDATE contacts SET {column} = {other}, updated_at = ?3 WHERE account_id = ?1 \
             AND {other} IN (SELECT value FROM json_each(?2)) AND {column} IS NULL \
             RETURNING {column}, id"
        )))
        .bind(account.0)
        .bind(text_array(gaining.iter().copied()))
        .bind(&now)
        .fetch_all(&mut *conn)
        .await
        .db()?;
        found.extend(rows.into_iter().map(|(n, id)| (n, ContactId(id))));
    }
    let new = rest(&found);
    if !new.is_empty() {
        let done = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO contacts (account_id, {column}, fields, created_at, updated_at) \
             SELECT ?1, value, '{{}}', ?3, ?3 FROM json_each(?2) ORDER BY key"
        )))
        .bind(account.0)
        .bind(text_array(new.iter().copied()))
        .bind(&now)
        .execute(&mut *conn)
        .await
        .db()?;
        let first = first_inserted_id(&done, new.len(), "contacts")?;
        found.extend(
            new.iter()
                .zip(first..)
                .map(|(n, id)| ((*n).to_owned(), ContactId(id))),
        );
    }
    Ok(found)
}
