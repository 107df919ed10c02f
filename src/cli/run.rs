//! `stratex run`: flags to a request, the library's result to the terminal.

use super::progress::Progress;
use super::{Failure, RunArgs};
use stratex::batch::run::{RunDone, RunEnd, RunRequest, run as run_batch};
use stratex::batch::{Control, Loaded};
use stratex::number::{exact_count, human};
use stratex::report::table;

pub fn run(args: &RunArgs) -> Result<(), Failure> {
    let b = &args.batch;
    let loaded = Loaded::load(&b.scenario)?;
    super::warn(&loaded, b.output.quiet);
    let req = RunRequest {
        runs: args.runs,
        seed: b.seed,
        threads: b.threads,
        sets: args.sets.clone(),
        out: b.output.out.clone(),
        brief: b.output.brief,
        shard: args.part.shard,
        resume: args.part.resume,
        posterior: args.fit.posterior.clone(),
    };
    let label = match req.shard {
        Some([k, n]) => format!("shard {k}/{n}"),
        None => table::clip(&loaded.model.name, 30),
    };
    let mut bar = Progress::new(&label, b.output.quiet);
    let stop = super::interrupt::stop_flag();
    let result = run_batch(
        &loaded,
        &req,
        Control {
            progress: &mut |d, n| bar.update(d, n),
            stop: &stop,
        },
    );
    bar.finish();
    let done = result?;
    if let RunEnd::Stopped { resume } = &done.end {
        return Err(Failure::Interrupted(format!(
            "stopped: {} of {} runs finished and saved in {}/ (marked incomplete); continue with\n  {resume}",
            exact_count(done.completed),
            exact_count(done.count),
            done.out.display(),
        )));
    }
    if !b.output.quiet {
        print(&loaded, &done, b.output.brief);
    }
    Ok(())
}

/// What a finished run or shard prints.
fn print(loaded: &Loaded, done: &RunDone, brief: bool) {
    let model = &loaded.model;
    let (elapsed, threads, seed) = (done.elapsed, done.threads, done.meta.seed);
    let rate = human(done.simulated as f64 / elapsed.max(1e-9));
    let plural = if threads == 1 { "" } else { "s" };
    match &done.end {
        RunEnd::Shard { k, n } => {
            say!(
                "{}: shard {k} of {n}, runs {} to {} of {}, seed {seed}; {elapsed:.2} s ({rate} runs/s on {threads} thread{plural})",
                model.name,
                done.first_run,
                done.first_run + done.count - 1,
                exact_count(done.meta.runs),
            );
            say!(
                "wrote {}/: runs.csv, state.bin, part.json, scenario.ron, run-info.json; combine the {n} shards with `stratex merge DIR... --out DIR`",
                done.out.display()
            );
        }
        RunEnd::Finished(summary) => {
            say!(
                "{}: {} runs, seed {seed}, {} {} per run; {elapsed:.2} s ({rate} runs/s on {threads} thread{plural})",
                model.name,
                exact_count(done.meta.runs),
                model.steps,
                model.plural,
            );
            let levers: Vec<String> = done
                .meta
                .levers
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            if !levers.is_empty() {
                say!("levers: {}", levers.join(", "));
            }
            say!();
            say_raw!("{}", table::summary_table(summary));
            say!();
            say!(
                "wrote {}/: summary.json, runs.csv, timeseries.csv, flows.csv, run-info.json{}",
                done.out.display(),
                if brief {
                    ", briefing.html, charts/"
                } else {
                    ""
                }
            );
        }
        RunEnd::Stopped { .. } => {}
    }
}
