//! `stratex compare`: policy settings side by side, with common random numbers.

use super::progress::Progress;
use super::{CompareArgs, Failure};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::{Instant, SystemTime};
use stratex::model::compile::limits;
use stratex::model::grid;
use stratex::montecarlo::compare::{PairedJob, execute_paired};
use stratex::report;
use stratex::report::compare::{ComparisonFile, write_brief};
use stratex::report::number::human;
use stratex::report::output::Staging;
use stratex::report::summary::{RunInfo, ScenarioInfo};

pub fn compare(args: &CompareArgs) -> Result<(), Failure> {
    let source = stratex::scenario::load(&args.scenario)?;
    let model = stratex::model::compile(&args.scenario, &source.scenario)?;
    if !args.quiet {
        for w in &model.warnings {
            eprintln!("warning: {w}");
        }
    }
    let input = |errors: Vec<String>| {
        Failure::Input(
            errors
                .iter()
                .map(|e| format!("error: {e}"))
                .collect::<Vec<_>>()
                .join("\n"),
        )
    };
    let settings = if args.levers.is_empty() {
        grid::one_at_a_time(&model)
    } else {
        grid::factorial(&model, &args.levers).map_err(input)?
    };
    if settings.len() < 2 {
        return Err(Failure::Input(format!(
            "error: nothing to compare: {} lists no lever values other than the baselines; give --lever NAME=V1,V2,...",
            args.scenario.display()
        )));
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
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(format!("{}-compare", source.stem())));
    let mut reproduce = format!(
        "stratex compare {} --runs {runs} --seed {seed}",
        args.scenario.display()
    );
    for (name, values) in &args.levers {
        let v: Vec<String> = values.iter().map(|x| x.to_string()).collect();
        reproduce.push_str(&format!(" --lever {name}={}", v.join(",")));
    }

    let staging = Staging::new(&out).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => Failure::Input(format!("error: {e}")),
        _ => Failure::Other(format!("cannot prepare {}: {e}", out.display())),
    })?;
    let plain: Vec<_> = settings.iter().map(|s| s.setting.clone()).collect();
    let job = PairedJob {
        model: &model,
        settings: &plain,
        seed,
        runs,
        threads,
    };
    let mut bar = Progress::new(&format!("{} settings", settings.len()), args.quiet);
    let started = SystemTime::now();
    let clock = Instant::now();
    let result = execute_paired(&job, &mut |d, n| bar.update(d, n), &AtomicBool::new(false));
    bar.finish();
    let cmp = result.map_err(|e| Failure::Other(format!("the comparison failed: {e}")))?;
    let elapsed = clock.elapsed().as_secs_f64();

    let info = ScenarioInfo::of(&model, &args.scenario.display().to_string(), &source.sha256);
    let file = ComparisonFile::new(&model, info, seed, reproduce.clone(), &settings, &cmp);
    let io = |what: &'static str| {
        move |e: std::io::Error| Failure::Other(format!("cannot write {what}: {e}"))
    };
    report::write_json(&staging.path("comparison.json"), &file).map_err(io("comparison.json"))?;
    file.write_csv(&staging.path("comparison.csv"))
        .map_err(io("comparison.csv"))?;
    let total = runs * settings.len() as u64;
    let run_info = RunInfo::for_command(reproduce, total, threads, elapsed, started);
    report::write_json(&staging.path("run-info.json"), &run_info).map_err(io("run-info.json"))?;
    if args.brief {
        write_brief(staging.dir(), &file, elapsed).map_err(Failure::Other)?;
    }
    staging.commit().map_err(|e| {
        Failure::Other(format!(
            "cannot move the results into {}: {e}",
            out.display()
        ))
    })?;

    if !args.quiet {
        println!(
            "{}: {} settings x {} paired runs (common random numbers), seed {seed}; {:.1} s ({} runs/s on {threads} thread{})\n",
            model.name,
            settings.len(),
            human(runs as f64),
            elapsed,
            human(total as f64 / elapsed.max(1e-9)),
            if threads == 1 { "" } else { "s" }
        );
        print!("{}", file.table());
        println!(
            "\nwrote {}/: comparison.json, comparison.csv, run-info.json{}",
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
