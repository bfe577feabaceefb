/// mimalloc for Rust's allocations: each thread allocates from a heap of its own, without
/// the arena locks that glibc's malloc takes (see `memory`). A 1,000,000-message broadcast
/// on SQLite ran 14 % faster with 13 % less CPU (BENCHMARKS.md, benchmark 2, session 12).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    bote::cli::run()
}
