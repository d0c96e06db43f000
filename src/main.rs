fn main() -> std::process::ExitCode {
    ladder::cli::main()
}
