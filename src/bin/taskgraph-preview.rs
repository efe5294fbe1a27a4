//! The native command line (feature `cli`); all logic lives in `taskgraph_preview::cli`.

fn main() -> std::process::ExitCode {
    taskgraph_preview::cli::main()
}
