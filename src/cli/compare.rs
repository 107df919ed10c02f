//! `stratex compare`: policy settings side by side, with common random numbers; also in shards
//! (`--shard K/N`) and resumed after Ctrl-C (`--resume`).

use super::progress::Progress;
use super::{CompareArgs, Failure};
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};
use stratex::brief;
use stratex::model::Model;
use stratex::model::compile::limits;
use stratex::model::grid::{self, Labeled};
use stratex::montecarlo::compare::{Comparison, PairedJob, execute_paired};
use stratex::montecarlo::state::{decode_comparison, encode_comparison};
use stratex::number::{exact_count, human};
use stratex::report;
use stratex::report::compare::ComparisonFile;
use stratex::report::part::{self, PartInfo, PartKind};
use stratex::report::summary::{RunInfo, ScenarioInfo};

/// The settings a comparison runs: the `--lever` grid, or each lever's listed values in turn.
pub fn settings(
    model: &Model,
    levers: &[(String, Vec<f64>)],
    file: &Path,
) -> Result<Vec<Labeled>, Failure> {
    let settings = if levers.is_empty() {
        grid::one_at_a_time(model)
    } else {
        grid::factorial(model, levers).map_err(super::input_errors)?
    };
    if settings.len() < 2 {
        return Err(Failure::Input(format!(
            "error: nothing to compare: {} lists no lever values other than the baselines; give --lever NAME=V1,V2,...",
            file.display()
        )));
    }
    Ok(settings)
}

/// The command that reproduces a whole comparison in one process.
pub fn reproduce(file: &str, runs: u64, seed: u64, levers: &[(String, Vec<f64>)]) -> String {
    let mut cmd = format!(
        "stratex compare {} --runs {runs} --seed {seed}",
        report::shell_word(file)
    );
    for (name, values) in levers {
        let v: Vec<String> = values.iter().map(|x| x.to_string()).collect();
        cmd.push_str(&format!(" --lever {name}={}", v.join(",")));
    }
    cmd
}

/// Writes comparison.json and comparison.csv; returns the file's contents.
pub fn write_results(
    dir: &Path,
    model: &Model,
    info: ScenarioInfo,
    seed: u64,
    reproduce: String,
    settings: &[Labeled],
    cmp: &Comparison,
) -> Result<ComparisonFile, Failure> {
    let file = ComparisonFile::new(model, info, seed, reproduce, settings, cmp);
    let io = super::cannot_write;
    report::write_json(&dir.join("comparison.json"), &file).map_err(io("comparison.json"))?;
    file.write_csv(&dir.join("comparison.csv"))
        .map_err(io("comparison.csv"))?;
    Ok(file)
}

pub fn compare(args: &CompareArgs) -> Result<(), Failure> {
    let source = stratex::scenario::load(&args.scenario)?;
    let model = stratex::model::compile(&args.scenario, &source.scenario)?;
    if !args.quiet {
        for w in &model.warnings {
            eprintln!("warning: {w}");
        }
    }
    let settings = settings(&model, &args.levers, &args.scenario)?;
    let shard = args.shard;
    if shard.is_some() && args.brief {
        return Err(Failure::Input(
            "error: --brief cannot be used with --shard: a shard is not a result on its own; give --brief to `stratex merge`".into(),
        ));
    }
    let out = args.out.clone().unwrap_or_else(|| {
        let stem = source.stem();
        match shard {
            Some([k, n]) => {
                PathBuf::from("output").join(format!("{stem}-compare.shard-{k}-of-{n}"))
            }
            None => PathBuf::from("output").join(format!("{stem}-compare")),
        }
    });
    let file = args.scenario.display().to_string();
    let saved = if args.resume {
        let wanted = part::Resume {
            kind: PartKind::Compare,
            scenario: &args.scenario,
            sha256: &source.sha256,
            runs: args.runs,
            seed: args.seed,
            sets: &[],
            levers: &args.levers,
            shard: args.shard,
        };
        Some(part::resumable(&out, &wanted).map_err(|e| Failure::Input(format!("error: {e}")))?)
    } else {
        None
    };
    let runs = match &saved {
        Some(p) => p.info.runs,
        None => args.runs.unwrap_or(model.default_runs),
    };
    limits::check_runs("--runs", runs, model.steps)
        .map_err(|e| Failure::Input(format!("error: {e}")))?;
    let (first_run, count) = match shard {
        Some([k, n]) if n > runs => {
            return Err(Failure::Input(format!(
                "error: --shard {k}/{n}: {n} shards of {runs} runs would leave some empty; use at most {runs} shards"
            )));
        }
        Some([k, n]) => part::shard_range(runs, k, n),
        None => (0, runs),
    };
    let seed = saved
        .as_ref()
        .map_or(args.seed.unwrap_or(model.default_seed), |p| p.info.seed);
    let threads = super::threads(args.threads)?;
    let reproduce = reproduce(&file, runs, seed, &args.levers);
    let outcomes = model.outcomes.len();
    let (done_before, mut cmp) = match &saved {
        Some(p) => {
            let bad = || {
                Failure::Input(format!(
                    "error: {}: {} does not fit this comparison; the folder was edited or damaged",
                    out.display(),
                    part::STATE
                ))
            };
            let repr = decode_comparison(&p.state).map_err(|e| {
                Failure::Input(format!("error: {}: {}: {e}", out.display(), part::STATE))
            })?;
            let c = Comparison::from_repr(&repr).ok_or_else(bad)?;
            if c.runs() != p.info.completed || c.shape() != (settings.len(), outcomes) {
                return Err(bad());
            }
            (p.info.completed, c)
        }
        None => (0, Comparison::new(settings.len(), outcomes)),
    };

    let staging = super::staging(&out)?;
    let plain: Vec<_> = settings.iter().map(|s| s.setting.clone()).collect();
    let job = PairedJob {
        model: &model,
        settings: &plain,
        seed,
        first_run: first_run + done_before,
        runs: count - done_before,
        threads,
    };
    let stop = super::interrupt::stop_flag();
    let mut bar = Progress::new(&format!("{} settings", settings.len()), args.quiet);
    let started = SystemTime::now();
    let clock = Instant::now();
    let result = execute_paired(&job, &mut |d, _| bar.update(done_before + d, count), &stop);
    bar.finish();
    let new = result.map_err(|e| Failure::Other(format!("the comparison failed: {e}")))?;
    let elapsed = clock.elapsed().as_secs_f64();
    let finished_now = new.runs();
    cmp.merge(&new);
    let completed = done_before + finished_now;
    let finished = completed == count;
    let io = super::cannot_write;
    let simulated = finished_now * settings.len() as u64;
    let run_info = RunInfo::for_command(reproduce.clone(), simulated, threads, elapsed, started);
    report::write_json(&staging.path("run-info.json"), &run_info).map_err(io("run-info.json"))?;

    let written = if shard.is_none() && finished {
        let info = ScenarioInfo::of(&model, &file, &source.sha256);
        let f = write_results(
            staging.dir(),
            &model,
            info,
            seed,
            reproduce.clone(),
            &settings,
            &cmp,
        )?;
        if args.brief {
            brief::compare::write(staging.dir(), &f, elapsed).map_err(Failure::Other)?;
        }
        Some(f)
    } else {
        let info = PartInfo {
            generator: PartInfo::generator(),
            kind: PartKind::Compare,
            file: file.clone(),
            sha256: source.sha256.clone(),
            seed,
            runs,
            sets: vec![],
            levers: args.levers.clone(),
            shard,
            first_run,
            count,
            completed,
            reproduce: reproduce.clone(),
        };
        part::write(
            staging.dir(),
            &info,
            &source.text,
            &encode_comparison(&cmp.to_repr()),
        )
        .map_err(io("the partial result"))?;
        None
    };
    staging.commit().map_err(|e| {
        Failure::Other(format!(
            "cannot move the results into {}: {e}",
            out.display()
        ))
    })?;

    if !finished {
        let levers = args.levers.iter().map(|(name, values)| {
            let v: Vec<String> = values.iter().map(|x| x.to_string()).collect();
            format!("--lever {name}={}", v.join(","))
        });
        let again = super::interrupt::resume_command("compare", &file, shard, levers, &out);
        return Err(Failure::Interrupted(format!(
            "stopped: {} of {} paired runs finished and saved in {}/; continue with\n  {again}",
            exact_count(completed),
            exact_count(count),
            out.display(),
        )));
    }
    if args.quiet {
        return Ok(());
    }
    let rate = human(simulated as f64 / elapsed.max(1e-9));
    let plural = if threads == 1 { "" } else { "s" };
    match (shard, written) {
        (Some([k, n]), _) => {
            say!(
                "{}: comparison shard {k} of {n}: {} settings x paired runs {} to {}; {elapsed:.1} s ({rate} runs/s on {threads} thread{plural})",
                model.name,
                settings.len(),
                first_run,
                first_run + count - 1
            );
            say!(
                "wrote {}/: state.bin, part.json, scenario.ron, run-info.json; combine the {n} shards with `stratex merge DIR... --out DIR`",
                out.display()
            );
        }
        (None, Some(f)) => {
            say!(
                "{}: {} settings x {} paired runs (common random numbers), seed {seed}; {elapsed:.1} s ({rate} runs/s on {threads} thread{plural})\n",
                model.name,
                settings.len(),
                exact_count(runs),
            );
            say_raw!("{}", f.table());
            say!(
                "\nwrote {}/: comparison.json, comparison.csv, run-info.json{}",
                out.display(),
                if args.brief {
                    ", briefing.html, charts/"
                } else {
                    ""
                }
            );
        }
        (None, None) => {}
    }
    Ok(())
}
