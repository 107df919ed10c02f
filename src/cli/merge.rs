//! `stratex merge`: combines the shards of a `run` or a `compare` into the result one process
//! would have written, byte for byte.
//!
//! Every shard is read and checked before anything is written: all shards of one batch (same
//! stratex version, scenario bytes, seed, runs, settings and shard count), each shard once, none
//! missing, each complete. The aggregates merge exactly (integer counts, exact sums and minima
//! do not depend on the order or grouping of runs), and the rows of `runs.csv` are copied in run
//! order, so the merged files equal an unsharded run's.

use super::{Failure, MergeArgs};
use serde::Serialize;
use std::path::{Path, PathBuf};
use stratex::model::compile::apply_overrides;
use stratex::montecarlo::Aggregate;
use stratex::montecarlo::compare::Comparison;
use stratex::montecarlo::state::{decode_aggregate, decode_comparison};
use stratex::report::part::{self, Part, PartKind};
use stratex::report::summary::{RunInfo, ScenarioInfo};
use stratex::report::{self, RunMeta, RunsCsv, table};

/// `run-info.json` of a merged result: the shards' timing and hosts, and the merge's own.
#[derive(Serialize)]
struct MergeInfo {
    #[serde(flatten)]
    total: RunInfo,
    shards: Vec<Option<RunInfo>>,
}

pub fn merge(args: &MergeArgs) -> Result<(), Failure> {
    let input = |msg: String| Failure::Input(format!("error: {msg}"));
    let mut parts: Vec<(PathBuf, Part)> = Vec::new();
    for dir in &args.dirs {
        let p = part::read(dir).map_err(input)?;
        parts.push((dir.clone(), p));
    }
    if let Some((dir, _)) = parts.iter().find(|(_, p)| p.info.shard.is_none()) {
        return Err(input(format!(
            "{} is a stopped run, not a shard; continue it with --resume instead of merging",
            dir.display()
        )));
    }
    let (dir0, first) = &parts[0];
    // Every part is a shard (checked above).
    let n = first.info.shard.map_or(1, |[_, n]| n);
    for (dir, p) in &parts {
        for ((field, a), (_, b)) in first.info.identity().into_iter().zip(p.info.identity()) {
            if a != b {
                return Err(input(format!(
                    "{} and {} are not shards of one batch: {field} {a} vs {b}",
                    dir0.display(),
                    dir.display()
                )));
            }
        }
    }
    // Each shard exactly once, in order.
    let mut by_k: Vec<Option<usize>> = vec![None; n as usize];
    for (i, (dir, p)) in parts.iter().enumerate() {
        let k = p.info.shard.map_or(0, |[k, _]| k);
        let slot = &mut by_k[(k - 1) as usize];
        if let Some(j) = *slot {
            return Err(input(format!(
                "shard {k} of {n} is given twice: {} and {}",
                parts[j].0.display(),
                dir.display()
            )));
        }
        *slot = Some(i);
    }
    let missing: Vec<String> = (1..=n)
        .filter(|k| by_k[(*k - 1) as usize].is_none())
        .map(|k| k.to_string())
        .collect();
    if !missing.is_empty() {
        let how = if missing.len() == 1 {
            format!(
                "run it with `{} --shard {}/{n}`",
                first.info.reproduce, missing[0]
            )
        } else {
            format!(
                "run them with `{} --shard K/{n}` for K = {}",
                first.info.reproduce,
                missing.join(", ")
            )
        };
        return Err(input(format!(
            "shard{} {} of {n} {} missing; {how}, and give every shard folder",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", "),
            if missing.len() == 1 { "is" } else { "are" },
        )));
    }
    let order: Vec<usize> = by_k.into_iter().map(|i| i.unwrap_or(0)).collect();
    let mut next = 0;
    for &i in &order {
        let (dir, p) = &parts[i];
        let [k, _] = p.info.shard.unwrap_or([0, 0]);
        if !p.info.complete() {
            return Err(input(format!(
                "{}: shard {k} of {n} is incomplete ({} of {} runs); finish it with --resume --out {}",
                dir.display(),
                p.info.completed,
                p.info.count,
                dir.display()
            )));
        }
        if p.info.first_run != next {
            return Err(input(format!(
                "{}: shard {k} of {n} covers runs from {}, expected {next}; part.json was edited",
                dir.display(),
                p.info.first_run
            )));
        }
        next += p.info.count;
    }
    if next != first.info.runs {
        return Err(input(format!(
            "the shards cover {next} runs, not {}; part.json was edited",
            first.info.runs
        )));
    }
    let out = &args.out;
    if let Some((dir, _)) = parts.iter().find(|(d, _)| same_folder(d, out)) {
        return Err(input(format!(
            "--out {} is one of the shard folders ({}); choose another folder",
            out.display(),
            dir.display()
        )));
    }

    // The scenario, exactly as the shards ran it.
    let info = &first.info;
    let path = PathBuf::from(&info.file);
    let scenario = stratex::scenario::parse(&path, &first.scenario_text)?;
    let model = stratex::model::compile(&path, &scenario)?;
    let states: Vec<&[u8]> = order.iter().map(|&i| parts[i].1.state.as_slice()).collect();
    let damaged = |i: usize, e: String| {
        input(format!(
            "{}: {}: {e}",
            parts[order[i]].0.display(),
            part::STATE
        ))
    };
    let shard_infos: Vec<Option<RunInfo>> = order
        .iter()
        .map(|&i| {
            std::fs::read_to_string(parts[i].0.join("run-info.json"))
                .ok()
                .and_then(|t| serde_json::from_str(&t).ok())
        })
        .collect();
    let elapsed: f64 = shard_infos
        .iter()
        .flatten()
        .map(|r| r.elapsed_seconds)
        .sum();

    let staging = super::staging(out)?;
    let io = super::cannot_write;
    let summary_line = match info.kind {
        PartKind::Run => {
            let setting = apply_overrides(&model, &info.sets).map_err(super::input_errors)?;
            let width = model.steps + 1;
            let mut total = Aggregate::new(model.outcomes.len(), width, model.routes.len());
            for (i, bytes) in states.iter().enumerate() {
                let p = &parts[order[i]].1.info;
                let a = decode_aggregate(bytes).map_err(|e| damaged(i, e))?;
                let a = Aggregate::from_repr(&a)
                    .filter(|a| {
                        a.runs() == p.count
                            && a.width() == width
                            && a.extras() == model.routes.len()
                    })
                    .ok_or_else(|| {
                        damaged(i, "it does not fit the scenario or part.json".into())
                    })?;
                total.merge(&a);
            }
            let meta = RunMeta {
                scenario: model.name.clone(),
                file: info.file.clone(),
                sha256: info.sha256.clone(),
                seed: info.seed,
                runs: info.runs,
                levers: model
                    .levers
                    .iter()
                    .zip(&setting.levers)
                    .map(|(l, v)| (l.id.clone(), *v))
                    .collect(),
                sets: info.sets.clone(),
            };
            let mut csv = RunsCsv::create(&staging.path("runs.csv"), &meta, &model)
                .map_err(io("runs.csv"))?;
            for &i in &order {
                let (dir, p) = &parts[i];
                csv.append_rows_from(&dir.join("runs.csv"), p.info.first_run, p.info.count)
                    .map_err(input)?;
            }
            csv.finish().map_err(io("runs.csv"))?;
            let summary =
                super::run::write_results(staging.dir(), &meta, &model, &total, info.runs)?;
            if args.brief {
                stratex::brief::write(staging.dir())?;
            }
            format!(
                "{}\nwrote {}/: summary.json, runs.csv, timeseries.csv, flows.csv, run-info.json{}",
                table::summary_table(&summary),
                out.display(),
                if args.brief {
                    ", briefing.html, charts/"
                } else {
                    ""
                }
            )
        }
        PartKind::Compare => {
            let settings = super::compare::settings(&model, &info.levers, &path)?;
            let mut total = Comparison::new(settings.len(), model.outcomes.len());
            for (i, bytes) in states.iter().enumerate() {
                let p = &parts[order[i]].1.info;
                let c = decode_comparison(bytes).map_err(|e| damaged(i, e))?;
                let c = Comparison::from_repr(&c)
                    .filter(|c| c.runs() == p.count && c.shape() == total.shape())
                    .ok_or_else(|| {
                        damaged(i, "it does not fit the scenario or part.json".into())
                    })?;
                total.merge(&c);
            }
            let scenario_info = ScenarioInfo::of(&model, &info.file, &info.sha256);
            let f = super::compare::write_results(
                staging.dir(),
                &model,
                scenario_info,
                info.seed,
                info.reproduce.clone(),
                &settings,
                &total,
            )?;
            if args.brief {
                stratex::brief::compare::write(staging.dir(), &f, elapsed)
                    .map_err(Failure::Other)?;
            }
            format!(
                "{}\nwrote {}/: comparison.json, comparison.csv, run-info.json{}",
                f.table(),
                out.display(),
                if args.brief {
                    ", briefing.html, charts/"
                } else {
                    ""
                }
            )
        }
    };
    let simulated = info.runs
        * match info.kind {
            PartKind::Run => 1,
            PartKind::Compare => {
                super::compare::settings(&model, &info.levers, &path)?.len() as u64
            }
        };
    let threads = shard_infos
        .iter()
        .flatten()
        .map(|r| r.threads)
        .sum::<usize>()
        .max(1);
    let started = shard_infos
        .iter()
        .flatten()
        .map(|r| r.started_unix_seconds)
        .min()
        .map_or(std::time::SystemTime::now(), |s| {
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(s)
        });
    let mut total =
        RunInfo::for_command(info.reproduce.clone(), simulated, threads, elapsed, started);
    let hosts: Vec<&str> = shard_infos
        .iter()
        .flatten()
        .map(|r| r.host.as_str())
        .collect();
    let mut unique = hosts.clone();
    unique.sort_unstable();
    unique.dedup();
    total.host = format!("{n} shards on {}", unique.join(", "));
    let merge_info = MergeInfo {
        total,
        shards: shard_infos,
    };
    report::write_json(&staging.path("run-info.json"), &merge_info).map_err(io("run-info.json"))?;
    staging.commit().map_err(|e| {
        Failure::Other(format!(
            "cannot move the results into {}: {e}",
            out.display()
        ))
    })?;
    if !args.quiet {
        say!(
            "{}: merged {n} shards, {} runs, seed {}\n",
            model.name,
            stratex::number::exact_count(info.runs),
            info.seed
        );
        say!("{summary_line}");
    }
    Ok(())
}

/// Whether two paths name the same folder (after resolving both, where they exist).
fn same_folder(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}
