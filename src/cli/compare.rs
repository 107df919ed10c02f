//! `stratex compare`: flags to a request, the library's result to the terminal.

use super::{CompareArgs, Failure};
use stratex::batch::Loaded;
use stratex::batch::compare::{CompareDone, CompareEnd, CompareRequest, compare as run_compare};
use stratex::number::{exact_count, human};
use stratex::report::TableLayout;
use stratex::report::part::CompareOptions;

pub fn compare(args: &CompareArgs) -> Result<(), Failure> {
    let b = &args.batch;
    let loaded = Loaded::load(&b.scenario)?;
    super::warn(&loaded, b.output.quiet);
    super::warn_outside(&loaded, &args.sets, args.allow_outside);
    let req = CompareRequest {
        levers: args.levers.clone(),
        options: CompareOptions {
            grid: args.grid,
            for_actor: args.for_actor.clone(),
            targets: args.targets.clone(),
            costs: args.costs.clone(),
        },
        sets: args.sets.clone(),
        allow_outside: args.allow_outside,
        across: args.across.clone(),
        runs: args.runs,
        seed: b.seed,
        threads: b.threads,
        out: b.output.out.clone(),
        brief: b.output.brief(),
        one_page: b.output.brief == Some(super::BriefArg::OnePage),
        shard: args.part.shard,
        resume: args.part.resume,
        fit: args.fit.choice(),
        tables: b.output.tables(args.xlsx),
    };
    let settings = stratex::batch::compare::settings(
        &loaded.model,
        &req.levers,
        &req.options,
        &req.sets,
        &b.scenario,
    )?;
    let done = super::driven(
        &format!("{} settings", settings.len()),
        b.output.quiet,
        |ctl| run_compare(&loaded, &req, ctl),
    )?;
    if let CompareEnd::Stopped { resume } = &done.end {
        return Err(Failure::Interrupted(format!(
            "stopped: {} of {} paired runs finished and saved in {}/; continue with\n  {resume}",
            exact_count(done.completed),
            exact_count(done.count),
            done.out.display(),
        )));
    }
    if !b.output.quiet {
        print(&loaded, &done, req.tables);
    }
    Ok(())
}

/// What a finished comparison or shard prints.
/// The files and folders in `out`, sorted (folders with a `/`), and where the CSVs keep their
/// provenance.
fn written(out: &std::path::Path, tables: TableLayout) -> String {
    let mut names: Vec<String> = std::fs::read_dir(out)
        .map(|d| {
            d.flatten()
                .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
                .map(|e| {
                    let n = e.file_name().to_string_lossy().into_owned();
                    if e.path().is_dir() {
                        format!("{n}/")
                    } else {
                        n
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut s = names.join(", ");
    if tables.csv_provenance == stratex::report::CsvProvenance::Sidecar {
        s.push_str("; each CSV's provenance in <file>.provenance.txt");
    }
    s
}

fn print(loaded: &Loaded, done: &CompareDone, tables: TableLayout) {
    let name = &loaded.model.name;
    let (elapsed, threads, settings) = (done.elapsed, done.threads, done.settings);
    let rate = human(done.simulated as f64 / elapsed.max(1e-9));
    let plural = if threads == 1 { "" } else { "s" };
    match &done.end {
        CompareEnd::Shard { k, n } => {
            say!(
                "{name}: comparison shard {k} of {n}: {settings} settings x paired runs {} to {}; {elapsed:.1} s ({rate} runs/s on {threads} thread{plural})",
                done.first_run,
                done.first_run + done.count - 1
            );
            say!(
                "wrote {}/: state.bin, part.json, scenario.ron, run-info.json; combine the {n} shards with `stratex merge DIR... --out DIR`",
                done.out.display()
            );
        }
        CompareEnd::Finished(file) => {
            say!(
                "{name}: {settings} settings x {} paired runs (common random numbers), seed {}; {elapsed:.1} s ({rate} runs/s on {threads} thread{plural})\n",
                exact_count(done.runs),
                done.seed,
            );
            if let Some(f) = &file.fitted {
                say!("{}\n", f.line());
            }
            say_raw!("{}", file.table());
            say!(
                "\nwrote {}/: {}",
                done.out.display(),
                written(&done.out, tables)
            );
        }
        CompareEnd::Stopped { .. } => {}
    }
}
