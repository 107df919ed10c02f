//! `stratex explore`: flags to a request, the library's result to the terminal.

use super::progress::Progress;
use super::{ExploreArgs, Failure};
use std::sync::atomic::AtomicBool;
use stratex::batch::explore::{ExploreRequest, explore as run_explore};
use stratex::batch::{Control, Loaded};
use stratex::number::exact_count;

pub fn explore(args: &ExploreArgs) -> Result<(), Failure> {
    let b = &args.batch;
    let loaded = Loaded::load(&b.scenario)?;
    let req = ExploreRequest {
        design: args.design.into(),
        samples: args.samples,
        tornado_runs: args.tornado_runs,
        condition: args.condition.clone(),
        outcomes: args.outcomes.clone(),
        seed: b.seed,
        threads: b.threads,
        sets: args.sets.clone(),
        out: b.output.out.clone(),
        brief: b.output.full_brief_only("explore")?,
        fit: args.fit.choice(),
        allow_outside: args.allow_outside,
        csv_provenance: b.output.csv_provenance.into(),
    };
    super::warn_outside(&loaded, &req.sets, req.allow_outside);
    let quiet = b.output.quiet;
    let mut bar = Progress::new("exploring", quiet);
    let mut held = None;
    let result = run_explore(
        &loaded,
        &req,
        &mut held,
        Control {
            progress: &mut |d, n| bar.update(d, n),
            stop: &AtomicBool::new(false),
        },
    );
    bar.finish();
    let done = result?;
    if quiet {
        return Ok(());
    }
    let r = &done.report;
    say!(
        "{}: {} runs ({} design, {} base samples, {} uncertain inputs), seed {}; {:.1} s\n",
        loaded.model.name,
        exact_count(r.found.runs),
        r.plan.kind.name(),
        r.plan.samples,
        done.inputs,
        r.plan.seed,
        done.elapsed
    );
    if let Some(f) = &r.fitted {
        say!(
            "calibrated: each calibrated input spans its posterior marginal in {}, drawn independently of the others (the indices need independent inputs, so the fit's correlations are not kept); --prior spans the stated priors\n",
            f.file
        );
    }
    say_raw!("{}", r.table());
    say!(
        "\nwrote {}/: explore.json, tornado.csv, sobol.csv{}, run-info.json{}",
        done.out.display(),
        if r.plan.condition.is_some() {
            ", prim.json"
        } else {
            ""
        },
        if b.output.brief() {
            ", briefing.html, charts/"
        } else {
            ""
        }
    );
    Ok(())
}
