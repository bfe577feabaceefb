fn main() -> std::process::ExitCode {
    bote::cli::run()
}
