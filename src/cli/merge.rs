//! `stratex merge`: flags to a request, the library's result to the terminal.

use super::{Failure, MergeArgs};
use stratex::batch::merge::{MergeRequest, Merged, merge as run_merge};
use stratex::number::exact_count;
use stratex::report::table;

pub fn merge(args: &MergeArgs) -> Result<(), Failure> {
    let req = MergeRequest {
        dirs: args.dirs.clone(),
        out: args.out.clone(),
        brief: args.brief,
    };
    let done = run_merge(&req)?;
    if args.quiet {
        return Ok(());
    }
    let (table, files) = match &done.merged {
        Merged::Run(summary) => (
            table::summary_table(summary),
            "summary.json, runs.csv, timeseries.csv, flows.csv, run-info.json",
        ),
        Merged::Compare(file) => (
            file.table(),
            "comparison.json, comparison.csv, run-info.json",
        ),
    };
    say!(
        "{}: merged {} shards, {} runs, seed {}\n",
        done.scenario,
        done.shards,
        exact_count(done.runs),
        done.seed
    );
    say!(
        "{table}\nwrote {}/: {files}{}",
        args.out.display(),
        if args.brief {
            ", briefing.html, charts/"
        } else {
            ""
        }
    );
    Ok(())
}
