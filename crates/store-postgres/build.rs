// `sqlx::migrate!` embeds `migrations/` at compile time, but cargo only knows to rebuild
// when a file it read changes: a migration added later would be left out of an
// incremental build. This tells cargo to watch the directory.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
