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
        tables: stratex::report::TableLayout {
            csv_provenance: args.csv_provenance.into(),
            xlsx: args.xlsx,
        },
    };
    let done = run_merge(&req)?;
    if args.quiet {
        return Ok(());
    }
    let (table, files, workbook) = match &done.merged {
        Merged::Run(summary) => (
            table::summary_table(summary),
            "summary.json, runs.csv, timeseries.csv, flows.csv, run-info.json",
            "results.xlsx",
        ),
        Merged::Compare(file) => (
            file.table(),
            "comparison.json, comparison.csv, run-info.json",
            "comparison.xlsx",
        ),
        Merged::Search(file) => (
            super::search::table(file),
            "search.json, pareto.csv, convergence.csv, charts/, run-info.json",
            "",
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
        super::also_wrote(req.tables, workbook, args.brief)
    );
    Ok(())
}
