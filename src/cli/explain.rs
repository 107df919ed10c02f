//! `stratex explain`: flags to a request, the decomposition to the terminal.

use super::{ExplainArgs, Failure};
use stratex::batch::Loaded;
use stratex::batch::explain::{ExplainRequest, explain as run_explain};
use stratex::number::{exact_count, human};

pub fn explain(args: &ExplainArgs) -> Result<(), Failure> {
    let loaded = Loaded::load(&args.scenario)?;
    super::warn(&loaded, args.quiet);
    super::warn_outside(&loaded, &args.sets, args.allow_outside);
    let known: Vec<&str> = loaded
        .model
        .outcomes
        .iter()
        .map(|o| o.id.as_str())
        .collect();
    for id in &args.outcomes {
        if !known.contains(&id.as_str()) {
            return Err(Failure::Input(format!(
                "error: --outcome {id}: {}",
                stratex::scenario::error::unknown("outcome", id, &known)
            )));
        }
    }
    let req = ExplainRequest {
        option: args.option.clone(),
        sets: args.sets.clone(),
        allow_outside: args.allow_outside,
        runs: args.runs,
        seed: args.seed,
        threads: args.threads,
        out: args.out.clone(),
        fit: args.fit.choice(),
        csv_provenance: args.csv_provenance.into(),
    };
    let done = super::driven("6 configurations", args.quiet, |ctl| {
        run_explain(&loaded, &req, ctl)
    })?;
    if !args.quiet {
        let f = &done.file;
        say!(
            "{}: {} explained over {} paired runs x 6 configurations (common random numbers), seed {}; {:.1} s ({} runs/s on {} thread{})\n",
            loaded.model.name,
            f.option,
            exact_count(f.runs),
            f.seed,
            done.elapsed,
            human(done.simulated as f64 / done.elapsed.max(1e-9)),
            done.threads,
            if done.threads == 1 { "" } else { "s" }
        );
        if let Some(fit) = &f.fitted {
            say!("{}\n", fit.line());
        }
        say_raw!("{}", f.table(&args.outcomes));
        say!(
            "wrote {}/: explain.json, explain.csv, run-info.json",
            done.out.display()
        );
    }
    Ok(())
}
