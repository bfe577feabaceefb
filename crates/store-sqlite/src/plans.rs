//! Checks SQLite's query plans for the statements whose cost grows with the phone book:
//! none may walk a whole table (or an account's whole share of one) where an index fits.

use bote_domain::{AccountId, GroupCode, PhoneNumber};
use bote_store::{ContactQuery, ContactSearch, Store};
use sqlx::Row;

use crate::SqliteStore;

async fn plan(store: &SqliteStore, sql: &str) -> String {
    // Unbound parameters are NULL, which is all EXPLAIN needs.
    let rows = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")))
        .fetch_all(store.pool())
        .await
        .expect("explain");
    rows.iter()
        .map(|row| row.get::<String, _>("detail"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Asserts that the plan has every one of `wanted` and no full scan of the big tables.
async fn check(store: &SqliteStore, name: &str, sql: &str, wanted: &[&str]) {
    let plan = plan(store, sql).await;
    for table in ["contacts", "group_members", "c", "gm", "groups", "g"] {
        let scan = format!("SCAN {table}");
        assert!(
            !plan
                .lines()
                .any(|line| line == scan || line.starts_with(&format!("{scan} "))),
            "{name} scans {table}:\n{plan}"
        );
    }
    // Walking all of an account's contacts is for the plain listing only.
    let walk = "contacts_account (account_id=?)";
    if !wanted.contains(&"contacts_account") {
        assert!(
            !plan.contains(walk),
            "{name} walks the account's contacts:\n{plan}"
        );
    }
    for step in wanted {
        assert!(plan.contains(step), "{name} lacks '{step}':\n{plan}");
    }
}

#[tokio::test]
async fn big_statements_use_indexes() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::connect(&dir.path().join("plans.db").display().to_string())
        .await
        .unwrap();
    store.migrate().await.unwrap();

    use crate::import::*;
    check(
        &store,
        "load contacts",
        LOAD_CONTACTS,
        &["contacts_sms_number", "contacts_whatsapp_number"],
    )
    .await;
    check(&store, "load memberships", LOAD_MEMBERSHIPS, &[]).await;
    check(
        &store,
        "update contacts",
        UPDATE_CONTACTS,
        &["SCAN u", "contacts"],
    )
    .await;
    check(&store, "insert memberships", INSERT_MEMBERSHIPS, &[]).await;
    check(
        &store,
        "group codes",
        crate::contacts::GROUP_CODES,
        &["group_members_contact"],
    )
    .await;

    let account = AccountId(1);
    let number = PhoneNumber::from_e164_unchecked("+436761234567");
    let text = ContactSearch::Text("anna".into());
    let pages = [
        (
            "plain page",
            ContactQuery {
                limit: 10,
                ..ContactQuery::default()
            },
            None,
            "contacts_account",
        ),
        (
            "number",
            ContactQuery {
                search: Some(ContactSearch::Number(number.clone())),
                limit: 10,
                ..ContactQuery::default()
            },
            None,
            "contacts_whatsapp_number",
        ),
        (
            "number in group",
            ContactQuery {
                search: Some(ContactSearch::Number(number)),
                group: Some(GroupCode::from_stored("G")),
                limit: 10,
                ..ContactQuery::default()
            },
            Some(1),
            "contacts_sms_number",
        ),
        (
            "group page",
            ContactQuery {
                group: Some(GroupCode::from_stored("G")),
                limit: 10,
                ..ContactQuery::default()
            },
            Some(1),
            "SEARCH gm USING PRIMARY KEY",
        ),
        (
            "text in group",
            ContactQuery {
                search: Some(text),
                group: Some(GroupCode::from_stored("G")),
                limit: 10,
                ..ContactQuery::default()
            },
            Some(1),
            "SEARCH gm USING PRIMARY KEY",
        ),
    ];
    for (name, query, group, wanted) in pages {
        let sql = crate::search::page_sql(account, &query, group).into_string();
        check(&store, name, &sql, &[wanted]).await;
        assert!(
            !plan(&store, &sql).await.contains("TEMP B-TREE"),
            "{name} sorts"
        );
    }
}
