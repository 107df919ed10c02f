//! `search`: a many-objective search over one decision maker's levers, every policy scored on
//! the same ensemble of futures, whole, as a shard (some of its islands), or resumed.
//!
//! The search runs `islands` independent NSGA-II populations with epsilon-dominance archives
//! ([`crate::search`]), each from its own random stream. Every policy is run on draws
//! `0 .. runs` of the seed (common random numbers), and its score per objective is the mean or
//! the worst-tail value over those futures. At the end the islands' archives merge into one
//! Pareto set, which is run again on the ensemble to measure each policy's robustness.
//!
//! What a search finds is a pure function of the scenario, the request and the seed: the thread
//! count, a stop and resume, or a split into shards changes nothing.

mod finish;
mod problem;
mod state;

pub use problem::{Objective, Problem};
pub use state::{SearchState, holds_search, merge};

use super::{BatchError, Control, Loaded, cannot_write};
use crate::calibrate::posterior::Draws;
use crate::model::Better;
use crate::montecarlo::ensemble::{EnsembleJob, evaluate};
use crate::report::search::SearchFile;
use crate::report::summary::RunInfo;
use crate::report::{self, Command, FitChoice, TableLayout};
use crate::search::{Candidate, Nsga2};
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Instant, SystemTime};

/// What the objective score of a policy is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Score {
    /// The mean over the ensemble.
    #[default]
    Mean,
    /// The value the worst `tail` share of futures reach.
    Worst,
}

impl Score {
    /// The flag value.
    pub fn name(self) -> &'static str {
        match self {
            Score::Mean => "mean",
            Score::Worst => "worst",
        }
    }
}

/// What the user asked for.
#[derive(Clone, Debug, Default)]
pub struct SearchRequest {
    /// `--for`: the decision maker.
    pub actor: String,
    /// `--objective ID[=MEETS]`; none: the scenario's search for the actor.
    pub objectives: Vec<(String, Option<f64>)>,
    /// `--constraint ID>=V` (`true`) or `ID<=V` (`false`).
    pub constraints: Vec<(String, bool, f64)>,
    pub score: Score,
    /// The bad tail, a share (0.05 for the worst 5%).
    pub tail: Option<f64>,
    /// Futures per policy (default [`DEFAULT_RUNS`]).
    pub runs: Option<u64>,
    pub population: Option<usize>,
    pub generations: Option<u64>,
    pub islands: Option<u64>,
    /// Epsilon as a share of each objective's spread in the first generation.
    pub epsilon: Option<f64>,
    pub seed: Option<u64>,
    pub threads: Option<usize>,
    pub out: Option<PathBuf>,
    pub brief: bool,
    /// `--shard K/N`: islands `K-1, K-1+N, ...`.
    pub shard: Option<[u64; 2]>,
    pub resume: bool,
    pub fit: FitChoice,
    pub tables: TableLayout,
}

/// Futures per policy unless `--runs` says otherwise.
pub const DEFAULT_RUNS: u64 = 200;
/// Policies per generation per island.
pub const DEFAULT_POPULATION: usize = 40;
/// Generations after the first.
pub const DEFAULT_GENERATIONS: u64 = 50;
/// Epsilon as a share of each objective's spread in the first generation.
pub const DEFAULT_EPSILON: f64 = 0.05;
/// The worst 5%.
pub const DEFAULT_TAIL: f64 = 0.05;

/// The checked settings of a search (what identifies it, with the scenario and the problem).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Settings {
    pub seed: u64,
    pub runs: u64,
    pub population: usize,
    pub generations: u64,
    pub islands: u64,
    pub epsilon: f64,
    pub tail: f64,
    pub score: Score,
}

impl Settings {
    fn of(model: &crate::model::Model, req: &SearchRequest) -> Result<Settings, BatchError> {
        let mut errors = Vec::new();
        let runs = req.runs.unwrap_or(DEFAULT_RUNS);
        if !(2..=1_000_000).contains(&runs) {
            errors.push(format!(
                "--runs {runs}: a search runs each policy on 2 to 1,000,000 futures"
            ));
        }
        let population = req.population.unwrap_or(DEFAULT_POPULATION);
        if !(4..=10_000).contains(&population) || population % 2 != 0 {
            errors.push(format!(
                "--population {population}: give an even number from 4 to 10,000"
            ));
        }
        let generations = req.generations.unwrap_or(DEFAULT_GENERATIONS);
        if generations > 100_000 {
            errors.push(format!("--generations {generations}: at most 100,000"));
        }
        let islands = req.islands.unwrap_or(1);
        if !(1..=1024).contains(&islands) {
            errors.push(format!("--islands {islands}: give 1 to 1,024"));
        }
        let epsilon = req.epsilon.unwrap_or(DEFAULT_EPSILON);
        if !(epsilon.is_finite() && (0.0..=1.0).contains(&epsilon)) {
            errors.push(format!("--epsilon {epsilon}: give a share of each objective's spread, 0 to 1 (0: keep every non-dominated policy)"));
        }
        let tail = req.tail.unwrap_or(DEFAULT_TAIL);
        if !(tail.is_finite() && tail > 0.0 && tail < 0.5) {
            errors.push(format!(
                "--tail {}: give the bad tail in percent, above 0 and below 50",
                tail * 100.0
            ));
        }
        if let Some([k, n]) = req.shard {
            if n > islands {
                errors.push(format!("--shard {k}/{n}: a search splits into at most one shard per island ({islands}); raise --islands"));
            }
        }
        if errors.is_empty() {
            Ok(Settings {
                seed: req.seed.unwrap_or(model.default_seed),
                runs,
                population,
                generations,
                islands,
                epsilon,
                tail,
                score: req.score,
            })
        } else {
            Err(BatchError::Input(errors))
        }
    }

    /// The islands shard `K/N` runs (all without a shard).
    pub fn islands_of(&self, shard: Option<[u64; 2]>) -> Vec<u64> {
        match shard {
            None => (0..self.islands).collect(),
            Some([k, n]) => (k - 1..self.islands).step_by(n as usize).collect(),
        }
    }
}

/// How the search ended.
pub enum SearchEnd {
    /// Every generation of every island finished; the results were written.
    Finished(Box<SearchFile>),
    /// A shard finished; its islands wait for `stratex merge`.
    Shard { k: u64, n: u64 },
    /// Stopped; what finished is saved and `resume` continues it.
    Stopped { resume: String },
}

/// What a search did.
pub struct SearchDone {
    pub out: PathBuf,
    pub settings: Settings,
    /// Runs simulated by this process, and how long it took.
    pub simulated: u64,
    pub elapsed: f64,
    pub threads: usize,
    pub end: SearchEnd,
}

/// The command that reproduces the whole search in one process.
pub fn reproduce(file: &str, s: &Settings, req: &SearchRequest) -> String {
    command(file, s, req).text()
}

/// [`reproduce`]'s command, to add flags to.
fn command(file: &str, s: &Settings, req: &SearchRequest) -> Command {
    let c = Command::new("search", file)
        .flag("--for", &req.actor)
        .flag("--runs", s.runs)
        .flag("--seed", s.seed)
        .flag("--population", s.population)
        .flag("--generations", s.generations)
        .flag("--islands", s.islands)
        .flag("--epsilon", s.epsilon)
        .flag("--tail", s.tail * 100.0)
        .flag("--score", s.score.name());
    req.fit.flags(with_problem(c, req))
}

/// `c` with the flags that state the problem, if the request gives them.
fn with_problem(c: Command, req: &SearchRequest) -> Command {
    let c = req.objectives.iter().fold(c, |c, (id, meets)| match meets {
        Some(v) => c.flag("--objective", format!("{id}={v}")),
        None => c.flag("--objective", id),
    });
    req.constraints.iter().fold(c, |c, (id, at_least, v)| {
        c.flag(
            "--constraint",
            format!("{id}{}{v}", if *at_least { ">=" } else { "<=" }),
        )
    })
}

/// Runs the search `req` asks for and writes its result folder in one piece.
pub fn search(
    loaded: &Loaded,
    req: &SearchRequest,
    ctl: Control,
) -> Result<SearchDone, BatchError> {
    let model = &loaded.model;
    let problem = Problem::new(model, req)?;
    let settings = Settings::of(model, req)?;
    super::no_brief_on_a_shard(req.brief, req.shard)?;
    super::no_xlsx_on_a_shard(req.tables, req.shard)?;
    let out = super::output_folder(req.out.as_deref(), &loaded.source, "-search", req.shard);
    let fit = super::fit::resolve(loaded, &req.fit)?;
    let threads = super::threads(req.threads)?;
    let reproduce = reproduce(&loaded.file(), &settings, req);
    let identity = state::Identity::new(
        loaded,
        req,
        &settings,
        fit.as_ref().map(|f| f.record.clone()),
        reproduce.clone(),
    );
    let mut st = if req.resume {
        SearchState::resume(&out, &identity)?
    } else {
        SearchState::fresh(identity)
    };
    let draws = fit
        .as_ref()
        .map(|f| Draws::new(&f.posterior, f.draws.clone(), settings.seed));
    let design = draws.as_ref().map(|d| d as &dyn crate::montecarlo::Design);
    let staging = super::staging(&out)?;
    let started = SystemTime::now();
    let clock = Instant::now();
    let mut runner = Evaluator {
        problem: &problem,
        model,
        settings: &settings,
        threads,
        design,
        ctl,
        cache: HashMap::new(),
        simulated: 0,
    };
    let finished = st.advance(&problem, &mut runner)?;
    let mut simulated = runner.simulated;
    let elapsed = clock.elapsed().as_secs_f64();
    let end = if !finished {
        st.save(staging.dir(), &loaded.source.text)
            .map_err(cannot_write("the saved search"))?;
        SearchEnd::Stopped {
            resume: st.resume_command(&out),
        }
    } else if let Some([k, n]) = req.shard {
        st.save(staging.dir(), &loaded.source.text)
            .map_err(cannot_write("the shard's islands"))?;
        SearchEnd::Shard { k, n }
    } else {
        let fitted = fit.as_ref().map(|f| f.record.clone());
        let (file, runs) = finish::finish(loaded, &problem, &st, fitted, &mut runner)?;
        simulated += runs;
        write_results(staging.dir(), &file, req.tables, req.brief, elapsed)?;
        SearchEnd::Finished(Box::new(file))
    };
    let run_info = RunInfo::for_command(reproduce, simulated, threads, elapsed, started);
    report::write_json(&staging.path("run-info.json"), &run_info)
        .map_err(cannot_write("run-info.json"))?;
    super::commit(staging)?;
    Ok(SearchDone {
        out,
        settings,
        simulated,
        elapsed,
        threads,
        end,
    })
}

/// Writes search.json, pareto.csv, convergence.csv and the charts (and the briefing).
pub fn write_results(
    dir: &std::path::Path,
    file: &SearchFile,
    tables: TableLayout,
    brief: bool,
    elapsed: f64,
) -> Result<(), BatchError> {
    crate::report::search::write(dir, file, tables.csv_provenance)
        .map_err(cannot_write("the search's results"))?;
    let charts_dir = dir.join("charts");
    std::fs::create_dir_all(&charts_dir).map_err(cannot_write("charts/"))?;
    let charts = crate::plot::search::write_charts(&charts_dir, file)
        .map_err(|e| BatchError::failed("drawing the search's charts failed", e))?;
    if brief {
        crate::brief::search::write(dir, file, &charts, elapsed)?;
    }
    Ok(())
}

/// Runs candidates on the ensemble and scores them; remembers what it ran, so a policy asked
/// twice (the same lever values to the bit) runs once.
pub struct Evaluator<'a, 'c> {
    problem: &'a Problem,
    model: &'a crate::model::Model,
    settings: &'a Settings,
    threads: usize,
    design: Option<&'a dyn crate::montecarlo::Design>,
    ctl: Control<'c>,
    cache: HashMap<Vec<u64>, (Vec<f64>, f64)>,
    /// Runs simulated.
    pub simulated: u64,
}

/// A candidate's minimised objective scores and its constraint violation.
pub type Scored = (Vec<f64>, f64);

impl Evaluator<'_, '_> {
    /// Scores `candidates`; `None` if stopped first.
    pub fn score(&mut self, candidates: &[Candidate]) -> Result<Option<Vec<Scored>>, BatchError> {
        let key = |x: &[f64]| x.iter().map(|v| v.to_bits()).collect::<Vec<u64>>();
        let mut fresh: Vec<Vec<f64>> = Vec::new();
        for c in candidates {
            let k = key(&c.x);
            if !self.cache.contains_key(&k) && !fresh.iter().any(|f| key(f) == k) {
                fresh.push(c.x.clone());
            }
        }
        if !fresh.is_empty() {
            let Some(values) = self.run(&fresh, false)? else {
                return Ok(None);
            };
            for (s, x) in fresh.iter().enumerate() {
                let scored = self.scored(&values, s);
                self.cache.insert(key(x), scored);
            }
        }
        Ok(Some(
            candidates
                .iter()
                .map(|c| self.cache[&key(&c.x)].clone())
                .collect(),
        ))
    }

    /// Runs the policies `xs` on the ensemble, keeping the objectives' and constraints' values
    /// (and, with `drawn`, each draw's uncertain values).
    pub fn run(
        &mut self,
        xs: &[Vec<f64>],
        drawn: bool,
    ) -> Result<Option<crate::montecarlo::ensemble::EnsembleValues>, BatchError> {
        let settings: Vec<_> = xs.iter().map(|x| self.problem.setting(x)).collect();
        let kept = self.problem.kept();
        let job = EnsembleJob {
            model: self.model,
            settings: &settings,
            outcomes: &kept,
            seed: self.settings.seed,
            draws: self.settings.runs,
            threads: self.threads,
            design: self.design,
            drawn,
        };
        let done = evaluate(&job, &mut |_, _| {}, self.ctl.stop)
            .map_err(|e| BatchError::failed("the search's runs failed", e))?;
        if done.is_some() {
            self.simulated += xs.len() as u64 * self.settings.runs;
            (self.ctl.progress)(self.simulated, 0);
        }
        Ok(done)
    }

    /// Setting `s`'s minimised scores and constraint violation.
    fn scored(&self, values: &crate::montecarlo::ensemble::EnsembleValues, s: usize) -> Scored {
        let p = self.problem;
        let scores = p
            .objectives
            .iter()
            .enumerate()
            .map(|(k, o)| {
                let column = values.column(s, k);
                let v = match self.settings.score {
                    Score::Mean => crate::search::robustness::mean(&column),
                    Score::Worst => {
                        crate::search::robustness::worst(&column, o.better, self.settings.tail)
                    }
                };
                match o.better {
                    Better::Lower => v,
                    Better::Higher => -v,
                }
            })
            .collect();
        let n = p.objectives.len();
        let violation = p
            .constraints
            .iter()
            .enumerate()
            .map(|(k, c)| violation(crate::search::robustness::mean(&values.column(s, n + k)), c))
            .sum();
        (scores, violation)
    }
}

/// How far a mean falls short of a constraint, relative to the bound's size (0 if it holds).
pub fn violation(mean: f64, c: &crate::model::ConstraintDef) -> f64 {
    let short = if c.at_least {
        c.bound - mean
    } else {
        mean - c.bound
    };
    if short > 0.0 {
        short / c.bound.abs().max(1e-12)
    } else {
        0.0
    }
}

/// The islands' algorithm for `island`.
fn algorithm(problem: &Problem, s: &Settings, island: u64, epsilons: Vec<f64>) -> Nsga2 {
    let settings = crate::search::Settings {
        population: s.population,
        ..Default::default()
    };
    Nsga2::new(problem.space.clone(), settings, s.seed, island, epsilons)
}
