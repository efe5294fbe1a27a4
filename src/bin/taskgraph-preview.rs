//! The native command line (feature `cli`); all logic lives in `taskgraph_preview::cli`.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    taskgraph_preview::cli::main()
}
