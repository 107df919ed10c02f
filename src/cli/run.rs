//! `stratex run`, including shards (`--shard K/N`) and continuing a stopped run (`--resume`).

use super::progress::Progress;
use super::{Failure, RunArgs};
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};
use stratex::model::Model;
use stratex::model::compile::{apply_overrides, limits};
use stratex::montecarlo::state::{decode_aggregate, encode_aggregate};
use stratex::montecarlo::{self, Aggregate, Job};
use stratex::number::{exact_count, human};
use stratex::report::part::{self, PartInfo, PartKind};
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
    let shard = args.shard;
    if shard.is_some() && args.brief {
        return Err(Failure::Input(
            "error: --brief cannot be used with --shard: a shard is not a result on its own; give --brief to `stratex merge`".into(),
        ));
    }
    let out = args.out.clone().unwrap_or_else(|| {
        let stem = source.stem();
        match shard {
            Some([k, n]) => PathBuf::from("output").join(format!("{stem}.shard-{k}-of-{n}")),
            None => PathBuf::from("output").join(stem),
        }
    });
    let saved = if args.resume {
        let wanted = part::Resume {
            kind: PartKind::Run,
            scenario: &args.scenario,
            sha256: &source.sha256,
            runs: args.runs,
            seed: args.seed,
            sets: &args.sets,
            levers: &[],
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
    let setting = apply_overrides(&model, &args.sets).map_err(super::input_errors)?;
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

    // What is already done (when resuming).
    let width = model.steps + 1;
    let (done_before, before) = match &saved {
        Some(p) => {
            let repr = decode_aggregate(&p.state).map_err(|e| {
                Failure::Input(format!("error: {}: {}: {e}", out.display(), part::STATE))
            })?;
            let agg = Aggregate::from_repr(&repr)
                .filter(|a| {
                    a.runs() == p.info.completed
                        && a.width() == width
                        && a.extras() == model.routes.len()
                })
                .ok_or_else(|| {
                    Failure::Input(format!(
                        "error: {}: {} does not fit this scenario or part.json; the folder was edited or damaged",
                        out.display(),
                        part::STATE
                    ))
                })?;
            (p.info.completed, Some(agg))
        }
        None => (0, None),
    };

    let staging = super::staging(&out)?;
    let io = |what: &str| {
        let what = what.to_string();
        move |e: std::io::Error| Failure::Other(format!("{what}: {e}"))
    };
    let header = match shard {
        Some([k, n]) => meta.csv_header_for_shard(k, n, first_run, count),
        None => meta.csv_header(),
    };
    let mut csv = RunsCsv::create_with_header(&staging.path("runs.csv"), &header, &model)
        .map_err(io("cannot write runs.csv"))?;
    if done_before > 0 {
        csv.append_rows_from(&out.join("runs.csv"), first_run, done_before)
            .map_err(|e| Failure::Input(format!("error: {}: {e}", out.display())))?;
    }

    let job = Job {
        model: &model,
        setting: &setting,
        seed,
        first_run: first_run + done_before,
        runs: count - done_before,
        threads,
        design: None,
    };
    let stop = super::interrupt::stop_flag();
    let label = match shard {
        Some([k, n]) => format!("shard {k}/{n}"),
        None => table::clip(&model.name, 30),
    };
    let mut bar = Progress::new(&label, args.quiet);
    let started = SystemTime::now();
    let clock = Instant::now();
    let result = montecarlo::execute(
        &job,
        &mut csv,
        &mut |d, _| bar.update(done_before + d, count),
        &stop,
    );
    bar.finish();
    let outcome = result.map_err(io("the run failed"))?;
    let elapsed = clock.elapsed().as_secs_f64();
    csv.finish().map_err(io("cannot write runs.csv"))?;
    let aggregate = match before {
        Some(mut a) => {
            a.merge(&outcome.aggregate);
            a
        }
        None => outcome.aggregate,
    };
    let completed = done_before + outcome.completed;
    let finished = completed == count;
    let info = RunInfo::for_command(
        meta.reproduce(),
        outcome.completed,
        threads,
        elapsed,
        started,
    );
    report::write_json(&staging.path("run-info.json"), &info)
        .map_err(io("cannot write run-info.json"))?;

    let part_info = PartInfo {
        generator: PartInfo::generator(),
        kind: PartKind::Run,
        file: meta.file.clone(),
        sha256: meta.sha256.clone(),
        seed,
        runs,
        sets: args.sets.clone(),
        levers: vec![],
        shard,
        first_run,
        count,
        completed,
        reproduce: meta.reproduce(),
    };
    let summary = if shard.is_none() {
        let s = write_results(staging.dir(), &meta, &model, &aggregate, completed)?;
        if args.brief && finished {
            stratex::brief::write(staging.dir())?;
        }
        Some(s)
    } else {
        None
    };
    if shard.is_some() || !finished {
        part::write(
            staging.dir(),
            &part_info,
            &source.text,
            &encode_aggregate(&aggregate.to_repr()),
        )
        .map_err(io("cannot save the partial result"))?;
    }
    staging.commit().map_err(io(&format!(
        "cannot move the results into {}",
        out.display()
    )))?;

    if !finished {
        let sets = args.sets.iter().map(|(k, v)| format!("--set {k}={v}"));
        let again = super::interrupt::resume_command("run", &meta.file, shard, sets, &out);
        return Err(Failure::Interrupted(format!(
            "stopped: {} of {} runs finished and saved in {}/ (marked incomplete); continue with\n  {again}",
            exact_count(completed),
            exact_count(count),
            out.display(),
        )));
    }
    if args.quiet {
        return Ok(());
    }
    let rate = human(outcome.completed as f64 / elapsed.max(1e-9));
    let plural = if threads == 1 { "" } else { "s" };
    match (shard, summary) {
        (Some([k, n]), _) => {
            say!(
                "{}: shard {k} of {n}, runs {} to {} of {}, seed {seed}; {elapsed:.2} s ({rate} runs/s on {threads} thread{plural})",
                model.name,
                first_run,
                first_run + count - 1,
                exact_count(runs),
            );
            say!(
                "wrote {}/: runs.csv, state.bin, part.json, scenario.ron, run-info.json; combine the {n} shards with `stratex merge DIR... --out DIR`",
                out.display()
            );
        }
        (None, Some(summary)) => {
            say!(
                "{}: {} runs, seed {seed}, {} {} per run; {elapsed:.2} s ({rate} runs/s on {threads} thread{plural})",
                model.name,
                exact_count(runs),
                model.steps,
                model.plural,
            );
            let lever_text: Vec<String> = meta
                .levers
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            if !lever_text.is_empty() {
                say!("levers: {}", lever_text.join(", "));
            }
            say!();
            say_raw!("{}", table::summary_table(&summary));
            say!();
            say!(
                "wrote {}/: summary.json, runs.csv, timeseries.csv, flows.csv, run-info.json{}",
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

/// Writes summary.json, timeseries.csv and flows.csv for `completed` runs of the batch.
pub fn write_results(
    dir: &Path,
    meta: &RunMeta,
    model: &Model,
    agg: &Aggregate,
    completed: u64,
) -> Result<Summary, Failure> {
    let io = super::cannot_write;
    report::write_timeseries(&dir.join("timeseries.csv"), meta, model, agg)
        .map_err(io("timeseries.csv"))?;
    report::write_flows(&dir.join("flows.csv"), meta, model, agg).map_err(io("flows.csv"))?;
    let summary = Summary::new(meta, model, agg, completed);
    report::write_json(&dir.join("summary.json"), &summary).map_err(io("summary.json"))?;
    Ok(summary)
}
