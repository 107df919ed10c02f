//! `stratex run`: flags to a request, the library's result to the terminal.

use super::{Failure, RunArgs};
use stratex::batch::Loaded;
use stratex::batch::run::{RunDone, RunEnd, RunRequest, run as run_batch};
use stratex::number::{exact_count, human};
use stratex::report::TableLayout;
use stratex::report::summary::Summary;
use stratex::report::{answers, table};

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
        brief: b.output.full_brief_only("run")?,
        shard: args.part.shard,
        resume: args.part.resume,
        fit: args.fit.choice(),
        allow_outside: args.allow_outside,
        tables: b.output.tables(args.xlsx),
    };
    super::warn_outside(&loaded, &req.sets, req.allow_outside);
    let label = match req.shard {
        Some([k, n]) => format!("shard {k}/{n}"),
        None => table::clip(&loaded.model.name, 30),
    };
    let done = super::driven(&label, b.output.quiet, |ctl| run_batch(&loaded, &req, ctl))?;
    if let RunEnd::Stopped { resume } = &done.end {
        return Err(Failure::Interrupted(format!(
            "stopped: {} of {} runs finished and saved in {}/ (marked incomplete); continue with\n  {resume}",
            exact_count(done.completed),
            exact_count(done.count),
            done.out.display(),
        )));
    }
    if !b.output.quiet {
        print(&loaded, &done, b.output.brief(), req.tables);
    }
    Ok(())
}

/// What a finished run or shard prints.
fn print(loaded: &Loaded, done: &RunDone, brief: bool, tables: TableLayout) {
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
            if let Some(f) = &summary.fitted {
                say!("{}", f.line());
            }
            say!();
            say_raw!("{}", table::summary_table(summary));
            say!();
            print_answers(summary);
            say!(
                "wrote {}/: summary.json, runs.csv, timeseries.csv, flows.csv, run-info.json{}",
                done.out.display(),
                super::also_wrote(tables, "results.xlsx", brief)
            );
        }
        RunEnd::Stopped { .. } => {}
    }
}

/// The scenario's questions, each answered in words, with the comparison for its "what if".
fn print_answers(summary: &Summary) {
    if summary.answers.is_empty() {
        return;
    }
    say!(
        "The scenario's questions (drivers: rank correlation of each assumption with the outcome over the first {} runs)",
        exact_count((summary.runs_finished as usize).min(answers::DRIVER_RUNS) as u64)
    );
    for (i, a) in summary.answers.iter().enumerate() {
        say!("\n{}. {}", i + 1, a.question);
        for s in answers::sentences(a, summary) {
            say!("{}", wrap(&s, "   - ", "     ", 100));
        }
        for c in &a.compare {
            say!("   what if: {c}");
        }
    }
    say!();
}

/// `text` broken at spaces into lines of at most `width` characters (a longer word stays
/// whole), the first line starting with `first`, the others with `rest`.
fn wrap(text: &str, first: &str, rest: &str, width: usize) -> String {
    let mut out = String::from(first);
    let mut line = first.chars().count();
    for (i, word) in text.split(' ').enumerate() {
        let len = word.chars().count();
        if i > 0 && line + 1 + len > width {
            out.push('\n');
            out.push_str(rest);
            line = rest.chars().count();
        } else if i > 0 {
            out.push(' ');
            line += 1;
        }
        out.push_str(word);
        line += len;
    }
    out
}
