//! The `stratex` command line: parse flags, run the library, choose the exit status.
//!
//! Exit status: 0 success, 1 failure (I/O and the like), 2 bad input (scenario, flags).

mod cli;

fn main() {
    std::process::exit(cli::main());
}
