//! Several processes start at once on one new database: each migrates, none fails.

use bote_store::Store;
use bote_store_postgres::PostgresStore;
use bote_store_postgres::testing::fresh_database_url;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_migrations_apply_once() {
    let url = fresh_database_url().await.unwrap();
    let mut stores = Vec::new();
    for _ in 0..4 {
        stores.push(PostgresStore::connect_with(&url, 2).await.unwrap());
    }
    let tasks: Vec<_> = stores
        .iter()
        .cloned()
        .map(|store| tokio::spawn(async move { store.migrate().await }))
        .collect();
    for task in tasks {
        task.await
            .unwrap()
            .expect("every concurrent migration succeeds");
    }
    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations")
        .fetch_one(stores[0].pool())
        .await
        .unwrap();
    let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "sql")
        })
        .count() as i64;
    assert_eq!(applied, files, "each migration applied exactly once");
    stores[0].ping().await.unwrap();
}
