//! A search's state: its islands generation by generation, saved when it stops or when a shard
//! ends, continued by `--resume`, and merged by `stratex merge`.
//!
//! Generation `g` of island `i` draws only from the stream of `(seed, i, g)`, so a state saved
//! after any generation continues exactly as if it had never stopped, and islands run in
//! different processes are the same islands one process would have run.

use super::{Evaluator, Problem, SearchRequest, Settings, algorithm};
use crate::batch::{BatchError, Loaded};
use crate::montecarlo::state::{decode_search, encode_search};
use crate::report::search::ConvergencePoint;
use crate::report::search::SearchFile;
use crate::report::{FitChoice, Fitted};
use crate::search::{Nsga2, hypervolume};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The saved state's file in a search's folder.
pub const STATE: &str = "search-state.bin";
/// A readable note of what the state holds.
pub const NOTE: &str = "search-part.json";

/// What a search is: the scenario's bytes, the request and its settings. A saved search is
/// resumed or merged only under the same identity. (Saved with postcard, which is not
/// self-describing: no field here may be skipped when serialised.)
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Identity {
    pub generator: String,
    pub file: String,
    pub sha256: String,
    pub actor: String,
    pub objectives: Vec<(String, Option<f64>)>,
    pub constraints: Vec<(String, bool, f64)>,
    pub settings: Settings,
    pub shard: Option<[u64; 2]>,
    /// `--posterior` and `--prior` as given.
    pub posterior: Option<PathBuf>,
    pub prior: bool,
    /// The posterior file's hash, if one was used.
    pub fitted: Option<String>,
    pub reproduce: String,
}

impl Identity {
    pub fn new(
        loaded: &Loaded,
        req: &SearchRequest,
        settings: &Settings,
        fitted: Option<Fitted>,
        reproduce: String,
    ) -> Identity {
        Identity {
            generator: crate::report::part::PartInfo::generator(),
            file: loaded.file(),
            sha256: loaded.source.sha256.clone(),
            actor: req.actor.clone(),
            objectives: req.objectives.clone(),
            constraints: req.constraints.clone(),
            settings: settings.clone(),
            shard: req.shard,
            posterior: req.fit.posterior.clone(),
            prior: req.fit.prior,
            fitted: fitted.map(|f| f.sha256),
            reproduce,
        }
    }

    /// The request this identity stands for (without output choices).
    pub fn request(&self) -> SearchRequest {
        let s = &self.settings;
        SearchRequest {
            actor: self.actor.clone(),
            objectives: self.objectives.clone(),
            constraints: self.constraints.clone(),
            score: s.score,
            tail: Some(s.tail),
            runs: Some(s.runs),
            population: Some(s.population),
            generations: Some(s.generations),
            islands: Some(s.islands),
            epsilon: Some(s.epsilon),
            seed: Some(s.seed),
            fit: FitChoice {
                posterior: self.posterior.clone(),
                prior: self.prior,
            },
            ..SearchRequest::default()
        }
    }
}

/// How objectives are scaled for the hypervolume, and the archive's epsilons: both fixed by the
/// first generation of island 0, so every island and generation is measured alike.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scale {
    /// Best and worst minimised score of each objective in the first generation.
    pub ideal: Vec<f64>,
    pub nadir: Vec<f64>,
    pub epsilons: Vec<f64>,
}

impl Scale {
    fn of(scored: &[super::Scored], epsilon: f64) -> Scale {
        let m = scored.first().map_or(0, |s| s.0.len());
        let feasible: Vec<&super::Scored> = scored.iter().filter(|s| s.1 == 0.0).collect();
        let pool: Vec<&super::Scored> = if feasible.is_empty() {
            scored.iter().collect()
        } else {
            feasible
        };
        let mut ideal = vec![f64::INFINITY; m];
        let mut nadir = vec![f64::NEG_INFINITY; m];
        for (f, _) in pool {
            for k in 0..m {
                ideal[k] = ideal[k].min(f[k]);
                nadir[k] = nadir[k].max(f[k]);
            }
        }
        let epsilons = (0..m).map(|k| epsilon * (nadir[k] - ideal[k])).collect();
        Scale {
            ideal,
            nadir,
            epsilons,
        }
    }

    /// `f` scaled: 0 at the first generation's best, 1 at its worst.
    pub fn scaled(&self, f: &[f64]) -> Vec<f64> {
        f.iter()
            .enumerate()
            .map(|(k, v)| {
                let span = self.nadir[k] - self.ideal[k];
                (v - self.ideal[k]) / if span > 0.0 { span } else { 1.0 }
            })
            .collect()
    }

    /// The hypervolume of the feasible `points` (minimised scores), scaled, against the
    /// reference 1.1 in every objective.
    pub fn hypervolume(&self, points: &[(&[f64], f64)]) -> f64 {
        let scaled: Vec<Vec<f64>> = points
            .iter()
            .filter(|p| p.1 == 0.0)
            .map(|p| self.scaled(p.0))
            .collect();
        let reference = vec![REFERENCE; self.ideal.len()];
        hypervolume(&scaled, &reference)
    }
}

/// The hypervolume's reference point in scaled objectives.
pub const REFERENCE: f64 = 1.1;

/// One island: its algorithm and its hypervolume after each generation.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Island {
    pub island: u64,
    pub nsga: Nsga2,
    pub history: Vec<ConvergencePoint>,
}

/// A search's state.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SearchState {
    pub identity: Identity,
    /// Fixed by the first generation (none before it ran).
    pub scale: Option<Scale>,
    pub islands: Vec<Island>,
    /// The scenario's text, exactly as searched (for a merge).
    pub scenario_text: String,
}

/// The note beside a saved state.
#[derive(Serialize)]
struct Note<'a> {
    identity: &'a Identity,
    /// Generations finished per island (the first counts).
    generations: Vec<(u64, u64)>,
    complete: bool,
}

impl SearchState {
    /// A search not yet begun.
    pub fn fresh(identity: Identity) -> SearchState {
        SearchState {
            identity,
            scale: None,
            islands: vec![],
            scenario_text: String::new(),
        }
    }

    /// Whether every island ran every generation.
    pub fn complete(&self) -> bool {
        let s = &self.identity.settings;
        self.scale.is_some()
            && self.islands.len() == s.islands_of(self.identity.shard).len()
            && self
                .islands
                .iter()
                .all(|i| i.nsga.generation() > s.generations)
    }

    /// Runs generations until every island is done (`Ok(true)`) or a stop (`Ok(false)`; the
    /// state is then as after the last whole generation).
    pub fn advance(
        &mut self,
        problem: &Problem,
        ev: &mut Evaluator<'_, '_>,
    ) -> Result<bool, BatchError> {
        let s = self.identity.settings.clone();
        let seeded = [problem.baseline()];
        if self.scale.is_none() {
            // Island 0's first generation fixes the scale, whichever islands this process runs.
            let m = problem.objectives.len();
            let probe = algorithm(problem, &s, 0, vec![0.0; m]);
            let asked = probe.ask(&seeded);
            let Some(scored) = ev.score(&asked)? else {
                return Ok(false);
            };
            let scale = Scale::of(&scored, s.epsilon);
            self.islands = s
                .islands_of(self.identity.shard)
                .into_iter()
                .map(|i| Island {
                    island: i,
                    nsga: algorithm(problem, &s, i, scale.epsilons.clone()),
                    history: vec![],
                })
                .collect();
            if let Some(first) = self.islands.iter_mut().find(|i| i.island == 0) {
                first.nsga.tell(asked, scored);
                first.record(&scale, s.population);
            }
            self.scale = Some(scale);
        }
        let scale = self.scale.clone().expect("set above");
        loop {
            let pending: Vec<usize> = (0..self.islands.len())
                .filter(|&k| self.islands[k].nsga.generation() <= s.generations)
                .collect();
            if pending.is_empty() {
                return Ok(true);
            }
            let asked: Vec<Vec<crate::search::Candidate>> = pending
                .iter()
                .map(|&k| self.islands[k].nsga.ask(&seeded))
                .collect();
            let all: Vec<crate::search::Candidate> = asked.iter().flatten().cloned().collect();
            let Some(mut scored) = ev.score(&all)? else {
                return Ok(false);
            };
            for (&k, a) in pending.iter().zip(asked) {
                let rest = scored.split_off(a.len());
                let island = &mut self.islands[k];
                island.nsga.tell(a, scored);
                island.record(&scale, s.population);
                scored = rest;
            }
        }
    }

    /// Writes the state and its note into `dir`.
    pub fn save(&mut self, dir: &Path, scenario_text: &str) -> std::io::Result<()> {
        self.scenario_text = scenario_text.to_string();
        std::fs::write(dir.join(STATE), encode_search(self))?;
        let note = Note {
            identity: &self.identity,
            generations: self
                .islands
                .iter()
                .map(|i| (i.island, i.nsga.generation()))
                .collect(),
            complete: self.complete(),
        };
        crate::report::write_json(&dir.join(NOTE), &note)
    }

    /// The state saved in `out`, which must be this search's.
    pub fn resume(out: &Path, identity: &Identity) -> Result<SearchState, BatchError> {
        let st = read(out)?;
        if &st.identity != identity {
            return Err(BatchError::input(format!(
                "{}: the saved search is another search (scenario, flags or stratex version differ); it was: {}; resume it with that command, or choose another --out",
                out.display(),
                st.identity.reproduce
            )));
        }
        if st.complete() {
            return Err(BatchError::input(format!(
                "{}: the saved search is complete; merge it with its other shards (stratex merge) or start afresh without --resume",
                out.display()
            )));
        }
        Ok(st)
    }

    /// The command that continues this search from `out`: the one that reproduces it, with
    /// its shard, the folder and `--resume`.
    pub fn resume_command(&self, out: &Path) -> String {
        let id = &self.identity;
        let c = super::command(&id.file, &id.settings, &id.request())
            .flag_if("--shard", id.shard.map(|[k, n]| format!("{k}/{n}")))
            .flag("--out", out.display())
            .switch("--resume");
        c.text()
    }
}

impl Island {
    fn record(&mut self, scale: &Scale, population: usize) {
        let members = self.nsga.archive().members();
        let points: Vec<(&[f64], f64)> = members
            .iter()
            .map(|e| (e.objectives.as_slice(), e.violation))
            .collect();
        let generation = self.nsga.generation() - 1;
        self.history.push(ConvergencePoint {
            island: self.island,
            generation,
            evaluations: (generation + 1) * population as u64,
            hypervolume: scale.hypervolume(&points),
        });
    }
}

/// Reads the state saved in `dir`.
pub fn read(dir: &Path) -> Result<SearchState, BatchError> {
    let path = dir.join(STATE);
    let bytes = std::fs::read(&path).map_err(|e| {
        BatchError::input(format!(
            "{}: cannot read the saved search: {e}",
            path.display()
        ))
    })?;
    decode_search(&bytes).map_err(|e| BatchError::input(format!("{}: {e}", path.display())))
}

/// Whether `dir` holds a saved search.
pub fn holds_search(dir: &Path) -> bool {
    dir.join(STATE).is_file()
}

/// The islands of every shard of one search, checked: same identity but for the shard, each
/// shard once, none missing, each complete. Returns the combined state, islands in order.
pub fn combine(dirs: &[PathBuf]) -> Result<SearchState, BatchError> {
    let mut states: Vec<(PathBuf, SearchState)> = Vec::new();
    for d in dirs {
        states.push((d.clone(), read(d)?));
    }
    let Some((_, first)) = states.first() else {
        return Err(BatchError::input("give the shard folders to merge"));
    };
    let mut errors = Vec::new();
    let n = first.identity.shard.map_or(0, |[_, n]| n);
    let mut seen = vec![false; n as usize];
    for (dir, st) in &states {
        let mut a = st.identity.clone();
        let mut b = first.identity.clone();
        a.shard = None;
        b.shard = None;
        match st.identity.shard {
            None => errors.push(format!("{}: a stopped or whole search, not a shard", dir.display())),
            Some([_, m]) if m != n || a != b => errors.push(format!(
                "{}: a shard of another search than {} (the scenario, flags, shard count or stratex version differ)",
                dir.display(),
                states[0].0.display()
            )),
            Some([k, _]) if seen[(k - 1) as usize] => errors.push(format!("{}: shard {k}/{n} is given twice", dir.display())),
            Some([k, _]) => seen[(k - 1) as usize] = true,
        }
        if !st.complete() {
            errors.push(format!(
                "{}: the shard did not finish; continue it with its --resume command first",
                dir.display()
            ));
        }
    }
    let missing: Vec<String> = (0..n)
        .filter(|&k| !seen.get(k as usize).copied().unwrap_or(true))
        .map(|k| format!("{}/{n}", k + 1))
        .collect();
    if !missing.is_empty() && errors.is_empty() {
        errors.push(format!("shards missing: {}", missing.join(", ")));
    }
    if !errors.is_empty() {
        return Err(BatchError::Input(errors));
    }
    let mut combined = states[0].1.clone();
    combined.identity.shard = None;
    combined.islands = states.into_iter().flat_map(|(_, s)| s.islands).collect();
    combined.islands.sort_by_key(|i| i.island);
    Ok(combined)
}

/// `stratex merge` of a search's shards: the result one process would have written.
pub fn merge(
    req: &crate::batch::merge::MergeRequest,
) -> Result<(SearchFile, u64, u64), BatchError> {
    if req.tables.xlsx {
        return Err(BatchError::input(
            "--xlsx: a search writes no workbook; its tables are pareto.csv and convergence.csv",
        ));
    }
    let st = combine(&req.dirs)?;
    if req
        .dirs
        .iter()
        .any(|d| d.canonicalize().ok() == req.out.canonicalize().ok() && req.out.exists())
    {
        return Err(BatchError::input(format!(
            "--out {} is one of the shard folders; choose another folder",
            req.out.display()
        )));
    }
    let path = PathBuf::from(&st.identity.file);
    let source = crate::scenario::from_bytes(&path, st.scenario_text.clone().into_bytes())?;
    let model = crate::model::compile(&path, &source.scenario)?;
    let loaded = Loaded { source, model };
    let mut request = st.identity.request();
    request.shard = None;
    let problem = Problem::new(&loaded.model, &request)?;
    let fit = crate::batch::fit::resolve(&loaded, &request.fit)?;
    let draws = fit.as_ref().map(|f| {
        crate::calibrate::posterior::Draws::new(
            &f.posterior,
            f.draws.clone(),
            st.identity.settings.seed,
        )
    });
    let stop = std::sync::atomic::AtomicBool::new(false);
    let mut progress = |_: u64, _: u64| {};
    let settings = st.identity.settings.clone();
    let mut ev = Evaluator {
        problem: &problem,
        model: &loaded.model,
        settings: &settings,
        threads: crate::batch::threads(None)?,
        design: draws.as_ref().map(|d| d as &dyn crate::montecarlo::Design),
        ctl: crate::batch::Control {
            progress: &mut progress,
            stop: &stop,
        },
        cache: std::collections::HashMap::new(),
        simulated: 0,
    };
    let staging = crate::batch::staging(&req.out)?;
    let fitted = fit.as_ref().map(|f| f.record.clone());
    let (file, runs) = super::finish::finish(&loaded, &problem, &st, fitted, &mut ev)?;
    super::write_results(staging.dir(), &file, req.tables, req.brief, 0.0)?;
    let run_info = crate::report::summary::RunInfo::for_command(
        st.identity.reproduce.clone(),
        runs,
        ev.threads,
        0.0,
        std::time::SystemTime::now(),
    );
    crate::report::write_json(&staging.path("run-info.json"), &run_info)
        .map_err(crate::batch::cannot_write("run-info.json"))?;
    crate::batch::commit(staging)?;
    Ok((file, req.dirs.len() as u64, settings.runs))
}
