//! How the process allocates. Rust's allocations go to mimalloc (`main.rs`); SQLite's own
//! (the C library's `malloc`) stay with glibc, which this module tunes.
//!
//! glibc gives each thread that allocates an arena of its own (up to eight per core) and
//! keeps what a thread frees in that thread's arena. bote runs each SQLite connection on a
//! thread of its own besides the runtime's workers, so a 1,000,000-recipient broadcast on
//! SQLite held 405 MB at its peak, when glibc still served every allocation, about half of
//! it memory freed into arenas that no other thread reused. With two arenas the same run
//! peaked at 231 MB at the same rate (one: 200 MB); see BENCHMARKS.md, benchmark 2.

/// Arenas glibc may create; `MALLOC_ARENA_MAX` in the environment takes precedence.
pub const ARENAS: i32 = 2;

/// Limits glibc's malloc arenas to [`ARENAS`] unless `MALLOC_ARENA_MAX` is set. Call it
/// before any thread is started. Elsewhere than on glibc it does nothing.
pub fn limit_arenas() {
    if std::env::var_os("MALLOC_ARENA_MAX").is_some() {
        return;
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a tunable of glibc's allocator; it is called before the
    // process starts other threads, with a parameter and value glibc documents.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, ARENAS);
    }
}
