//! The query behind a page of contacts: keyset pagination, group filter and search.

use bote_domain::AccountId;
use bote_store::{ContactQuery, ContactSearch, StoreResult};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use crate::errors::DbResultExt;
use crate::rows::{ContactRow, contact_columns};

/// Up to `limit + 1` contacts of the page (the extra one tells that there is a next page);
/// `None` when the group filter names no group of the account.
pub(crate) async fn page(
    conn: &mut SqliteConnection,
    account: AccountId,
    query: &ContactQuery,
) -> StoreResult<Option<Vec<ContactRow>>> {
    let group = match &query.group {
        Some(code) => {
            let id: Option<i64> =
                sqlx::query_scalar("SELECT id FROM groups WHERE account_id = ? AND code = ?")
                    .bind(account.0)
                    .bind(code.as_str())
                    .fetch_optional(&mut *conn)
                    .await
                    .db()?;
            match id {
                Some(id) => Some(id),
                None => return Ok(None),
            }
        }
        None => None,
    };
    let mut sql = page_sql(account, query, group);
    let rows = sql.build_query_as().fetch_all(&mut *conn).await.db()?;
    Ok(Some(rows))
}

/// The page's query, `group` being the id of the group the query's code names.
pub(crate) fn page_sql(
    account: AccountId,
    query: &ContactQuery,
    group: Option<i64>,
) -> QueryBuilder<Sqlite> {
    let mut sql = QueryBuilder::<Sqlite>::new("SELECT ");
    sql.push(contact_columns_of_c());
    let order = match (&query.search, group) {
        // At most two contacts have the number: look them up by it, then check the rest.
        (Some(ContactSearch::Number(number)), _) => {
            // `+` keeps SQLite from walking the account's contacts by the account index.
            sql.push(" FROM contacts c WHERE +c.account_id = ")
                .push_bind(account.0)
                .push(" AND c.id IN (SELECT id FROM contacts WHERE account_id = ")
                .push_bind(account.0)
                .push(" AND sms_number = ")
                .push_bind(number.as_str().to_owned())
                .push(" UNION ALL SELECT id FROM contacts WHERE account_id = ")
                .push_bind(account.0)
                .push(" AND whatsapp_number = ")
                .push_bind(number.as_str().to_owned())
                .push(")");
            if let Some(group) = group {
                sql.push(" AND EXISTS (SELECT 1 FROM group_members gm WHERE gm.group_id = ")
                    .push_bind(group)
                    .push(" AND gm.contact_id = c.id)");
            }
            "c.id"
        }
        // Walk the group's members in contact order, the primary key of group_members;
        // CROSS JOIN keeps that order of the loops.
        (_, Some(group)) => {
            sql.push(" FROM group_members gm CROSS JOIN contacts c ON c.id = gm.contact_id")
                .push(" WHERE gm.group_id = ")
                .push_bind(group)
                .push(" AND c.account_id = ")
                .push_bind(account.0);
            "gm.contact_id"
        }
        _ => {
            sql.push(" FROM contacts c WHERE c.account_id = ")
                .push_bind(account.0);
            "c.id"
        }
    };
    if let Some(after) = query.after {
        sql.push(" AND ").push(order).push(" > ").push_bind(after.0);
    }
    if let Some(ContactSearch::Text(text)) = &query.search
        && !text.is_empty()
    {
        push_text_filter(&mut sql, text);
    }
    sql.push(" ORDER BY ")
        .push(order)
        .push(" LIMIT ")
        .push_bind(i64::from(query.limit.max(1)) + 1);
    sql
}

/// `c.id, c.first_name, …`
fn contact_columns_of_c() -> String {
    contact_columns!()
        .split(", ")
        .map(|column| format!("c.{column}"))
        .collect::<Vec<_>>()
        .join(", ")
}

const SEARCHED: [&str; 4] = [
    "c.first_name",
    "c.last_name",
    "c.sms_number",
    "c.whatsapp_number",
];

/// A case-insensitive substring match on names and numbers, the text taken literally.
///
/// SQLite's LIKE folds case for ASCII only, so text with other characters goes through
/// REGEXP (the regex crate, Unicode-aware) instead; ASCII text keeps the faster LIKE.
fn push_text_filter(sql: &mut QueryBuilder<Sqlite>, text: &str) {
    let (operator, pattern, escape) = if text.is_ascii() {
        (" LIKE ", format!("%{}%", escape_like(text)), " ESCAPE '\\'")
    } else {
        (" REGEXP ", format!("(?i){}", regex::escape(text)), "")
    };
    sql.push(" AND (");
    for (i, column) in SEARCHED.iter().enumerate() {
        if i > 0 {
            sql.push(" OR ");
        }
        sql.push(column)
            .push(operator)
            .push_bind(pattern.clone())
            .push(escape);
    }
    sql.push(")");
}

/// Makes `%`, `_` and `\` match themselves in a LIKE pattern with `ESCAPE '\'`.
fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(escape_like("100%_a\\b"), "100\\%\\_a\\\\b");
        assert_eq!(escape_like("plain"), "plain");
    }
}
