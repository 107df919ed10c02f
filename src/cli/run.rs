//! `stratex run`.

use super::progress::Progress;
use super::{Failure, RunArgs};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::{Instant, SystemTime};
use stratex::model::compile::{apply_overrides, limits};
use stratex::montecarlo::{self, Job};
use stratex::report::number::human;
use stratex::report::output::Staging;
use stratex::report::summary::{RunInfo, Summary};
use stratex::report::{self, RunMeta, RunsCsv, table};

pub fn run(args: &RunArgs) -> Result<(), Failure> {
    let source = stratex::scenario::load(&args.scenario)?;
    let model = stratex::model::compile(&args.scenario, &source.scenario)?;
    if !args.quiet {
        for w in &model.warnings {
            eprintln!("warning: {w}");
        }
    }
    let runs = args.runs.unwrap_or(model.default_runs);
    if runs == 0 || runs > limits::MAX_RUNS {
        return Err(Failure::Input(format!(
            "error: --runs must be between 1 and {}, got {runs}",
            limits::MAX_RUNS
        )));
    }
    let seed = args.seed.unwrap_or(model.default_seed);
    let threads = match args.threads {
        Some(0) => return Err(Failure::Input("error: --threads must be at least 1".into())),
        Some(t) => t,
        None => std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
    };
    let setting = apply_overrides(&model, &args.sets).map_err(|errors| {
        Failure::Input(
            errors
                .iter()
                .map(|e| format!("error: {e}"))
                .collect::<Vec<_>>()
                .join("\n"),
        )
    })?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(source.stem()));
    let meta = RunMeta {
        scenario: model.name.clone(),
        file: args.scenario.display().to_string(),
        sha256: source.sha256.clone(),
        seed,
        runs,
        levers: model
            .levers
            .iter()
            .zip(&setting.levers)
            .map(|(l, v)| (l.id.clone(), *v))
            .collect(),
        sets: args.sets.clone(),
    };

    let staging = Staging::new(&out).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => Failure::Input(format!("error: {e}")),
        _ => Failure::Other(format!("cannot prepare {}: {e}", out.display())),
    })?;
    let io = |what: &str| {
        let what = what.to_string();
        move |e: std::io::Error| Failure::Other(format!("{what}: {e}"))
    };
    let mut csv = RunsCsv::create(&staging.path("runs.csv"), &meta, &model)
        .map_err(io("cannot write runs.csv"))?;
    let job = Job {
        model: &model,
        setting: &setting,
        seed,
        first_run: 0,
        runs,
        threads,
        design: None,
    };
    let mut bar = Progress::new(&table::clip(&model.name, 30), args.quiet);
    let stop = AtomicBool::new(false);
    let started = SystemTime::now();
    let clock = Instant::now();
    let result = montecarlo::execute(&job, &mut csv, &mut |d, n| bar.update(d, n), &stop);
    bar.finish();
    let outcome = result.map_err(io("the run failed"))?;
    let elapsed = clock.elapsed().as_secs_f64();
    csv.finish().map_err(io("cannot write runs.csv"))?;
    let agg = &outcome.aggregate;
    report::write_timeseries(&staging.path("timeseries.csv"), &meta, &model, agg)
        .map_err(io("cannot write timeseries.csv"))?;
    report::write_flows(&staging.path("flows.csv"), &meta, &model, agg)
        .map_err(io("cannot write flows.csv"))?;
    let summary = Summary::new(&meta, &model, agg);
    report::write_json(&staging.path("summary.json"), &summary)
        .map_err(io("cannot write summary.json"))?;
    let info = RunInfo::new(&meta, threads, elapsed, started);
    report::write_json(&staging.path("run-info.json"), &info)
        .map_err(io("cannot write run-info.json"))?;
    if args.brief {
        stratex::report::brief::write(staging.dir()).map_err(Failure::Other)?;
    }
    staging.commit().map_err(io(&format!(
        "cannot move the results into {}",
        out.display()
    )))?;

    if !args.quiet {
        println!(
            "{}: {} runs, seed {seed}, {} {} per run; {:.2} s ({} runs/s on {threads} thread{})",
            model.name,
            human(runs as f64),
            model.steps,
            model.plural,
            elapsed,
            human(info.runs_per_second),
            if threads == 1 { "" } else { "s" }
        );
        let lever_text: Vec<String> = meta
            .levers
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        if !lever_text.is_empty() {
            println!("levers: {}", lever_text.join(", "));
        }
        println!();
        print!("{}", table::summary_table(&summary));
        println!();
        println!(
            "wrote {}/: summary.json, runs.csv, timeseries.csv, flows.csv, run-info.json{}",
            out.display(),
            if args.brief {
                ", briefing.html, charts/"
            } else {
                ""
            }
        );
    }
    Ok(())
}
