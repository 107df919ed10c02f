//! `stratex explore`: sensitivity analysis and scenario discovery.

use super::progress::Progress;
use super::{ExploreArgs, Failure};
use std::path::PathBuf;
use std::time::{Instant, SystemTime};
use stratex::model::compile::apply_overrides;
use stratex::report;
use stratex::report::explore::Report;
use stratex::report::summary::{RunInfo, ScenarioInfo};
use stratex::sensitivity::design::{Kind, SOBOL_MAX_DIMS};
use stratex::sensitivity::explore::{Condition, Plan, explore as run_explore};

pub fn explore(args: &ExploreArgs) -> Result<(), Failure> {
    let source = stratex::scenario::load(&args.scenario)?;
    let model = stratex::model::compile(&args.scenario, &source.scenario)?;
    let input = |m: String| Failure::Input(format!("error: {m}"));
    let Some(kind) = Kind::parse(&args.design) else {
        return Err(input(format!(
            "--design {}: use mc (plain Monte Carlo), lhs (Latin hypercube) or sobol",
            args.design
        )));
    };
    let d = model.program.draws as usize;
    if d == 0 {
        return Err(input(format!(
            "{} has no uncertain numbers to explore; declare uncertainties or distributions",
            args.scenario.display()
        )));
    }
    if kind == Kind::Sobol && 2 * d > SOBOL_MAX_DIMS {
        return Err(input(format!(
            "the Sobol design supports at most {} uncertain numbers (Saltelli's scheme takes two \
             of the {SOBOL_MAX_DIMS} dimensions of Joe and Kuo's direction numbers for each); \
             this scenario has {d}; use --design lhs",
            SOBOL_MAX_DIMS / 2
        )));
    }
    if args.samples < 16 || args.samples > 1_000_000 {
        return Err(input(format!(
            "--samples must be between 16 and 1,000,000, got {}",
            args.samples
        )));
    }
    if args.tornado_runs == 0 || args.tornado_runs > 1_000_000 {
        return Err(input(format!(
            "--tornado-runs must be between 1 and 1,000,000, got {}",
            args.tornado_runs
        )));
    }
    let setting = apply_overrides(&model, &args.sets).map_err(|e| {
        Failure::Input(
            e.iter()
                .map(|x| format!("error: {x}"))
                .collect::<Vec<_>>()
                .join("\n"),
        )
    })?;
    let condition = args
        .condition
        .as_deref()
        .map(|c| Condition::parse(c, &model))
        .transpose()
        .map_err(input)?;
    let known: Vec<&str> = model.outcomes.iter().map(|o| o.id.as_str()).collect();
    let mut focus = Vec::new();
    for id in &args.outcomes {
        match known.iter().position(|k| k == id) {
            Some(o) => focus.push(o),
            None => {
                return Err(input(format!(
                    "--outcome: {}",
                    stratex::scenario::error::unknown("outcome", id, &known)
                )));
            }
        }
    }
    if focus.is_empty() {
        focus.push(condition.as_ref().map_or(0, |c| c.outcome));
    }
    let seed = args.seed.unwrap_or(model.default_seed);
    let threads = match args.threads {
        Some(0) => return Err(input("--threads must be at least 1".into())),
        Some(t) => t,
        None => std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(format!("{}-explore", source.stem())));
    let mut reproduce = format!(
        "stratex explore {} --design {} --samples {} --tornado-runs {} --seed {seed}",
        args.scenario.display(),
        kind.name(),
        args.samples,
        args.tornado_runs
    );
    if let Some(c) = &args.condition {
        reproduce.push_str(&format!(" --where \"{c}\""));
    }
    for (k, v) in &args.sets {
        reproduce.push_str(&format!(" --set {k}={v}"));
    }
    let staging = super::staging(&out)?;
    let plan = Plan {
        kind,
        samples: args.samples,
        tornado_runs: args.tornado_runs,
        seed,
        threads,
        condition,
    };
    let mut bar = Progress::new("exploring", args.quiet);
    let started = SystemTime::now();
    let clock = Instant::now();
    let found = run_explore(&model, &setting, &plan, &mut |d, n| bar.update(d, n));
    bar.finish();
    let found = found.map_err(|e| Failure::Other(format!("the exploration failed: {e}")))?;
    let elapsed = clock.elapsed().as_secs_f64();
    let report = Report {
        model: &model,
        scenario: ScenarioInfo::of(&model, &args.scenario.display().to_string(), &source.sha256),
        plan: &plan,
        levers: model
            .levers
            .iter()
            .zip(&setting.levers)
            .map(|(l, v)| (l.id.clone(), *v))
            .collect(),
        reproduce: reproduce.clone(),
        found: &found,
        focus,
    };
    report
        .write_files(staging.dir())
        .map_err(|e| Failure::Other(format!("cannot write the results: {e}")))?;
    let info = RunInfo::for_command(reproduce, found.runs, threads, elapsed, started);
    report::write_json(&staging.path("run-info.json"), &info)
        .map_err(|e| Failure::Other(format!("cannot write run-info.json: {e}")))?;
    if args.brief {
        stratex::brief::explore::write(&report, staging.dir(), elapsed).map_err(Failure::Other)?;
    }
    staging.commit().map_err(|e| {
        Failure::Other(format!(
            "cannot move the results into {}: {e}",
            out.display()
        ))
    })?;
    if !args.quiet {
        say!(
            "{}: {} runs ({} design, {} base samples, {} uncertain inputs), seed {seed}; {:.1} s\n",
            model.name,
            stratex::number::exact_count(found.runs as u64),
            kind.name(),
            args.samples,
            d,
            elapsed
        );
        say_raw!("{}", report.table());
        say!(
            "\nwrote {}/: explore.json, tornado.csv, sobol.csv{}, run-info.json{}",
            out.display(),
            if plan.condition.is_some() {
                ", prim.json"
            } else {
                ""
            },
            if args.brief {
                ", briefing.html, charts/"
            } else {
                ""
            }
        );
    }
    Ok(())
}
