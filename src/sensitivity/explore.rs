//! `stratex explore`: which uncertainties drive the outcomes, and under what conditions an
//! outcome condition holds.
//!
//! Three analyses share one compiled model and one lever setting:
//!
//! 1. **Tornado.** Every uncertain number (every draw) is set in turn to its 10th and 90th
//!    percentile with all others at their medians; each point is averaged over `tornado_runs`
//!    runs that share their event and shipping streams (common random numbers), so the bars
//!    show the effect of the input, not of chance events.
//! 2. **Sobol indices.** Saltelli's scheme on `samples` base rows from the chosen design; row `j`
//!    of `A`, `B` and every `AB_i` shares the event and shipping stream of run `j`. The dynamics'
//!    own randomness (events, detection) is not an input, so the indices of the inputs add up to
//!    less than 1; the rest is chance.
//! 3. **Scenario discovery.** PRIM on the `2 * samples` independent samples (`A` and `B`) with
//!    the condition given by `--where`.

use super::design::{self, Kind, Matrix};
use super::prim::{self, Prim};
use super::sobol::{self, Indices};
use crate::model::{Model, Setting};
use crate::montecarlo::{self, Design, Job, RowSink};
use std::io;
use std::sync::atomic::AtomicBool;

/// Percentiles of an input at the tornado's low and high ends.
pub const TORNADO_LOW: f64 = 0.1;
pub const TORNADO_HIGH: f64 = 0.9;

/// A condition on an outcome's final value: `shells_delivered > 3.5e6`.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    pub outcome: usize,
    pub op: Op,
    pub value: f64,
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Above,
    AtLeast,
    Below,
    AtMost,
}

impl Op {
    fn holds(self, x: f64, v: f64) -> bool {
        match self {
            Op::Above => x > v,
            Op::AtLeast => x >= v,
            Op::Below => x < v,
            Op::AtMost => x <= v,
        }
    }

    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Above => ">",
            Op::AtLeast => ">=",
            Op::Below => "<",
            Op::AtMost => "<=",
        }
    }
}

impl Condition {
    /// Parses `OUTCOME OP VALUE` (OP one of `>`, `>=`, `<`, `<=`).
    pub fn parse(text: &str, model: &Model) -> Result<Condition, ConditionError> {
        Self::read(text, model).map_err(ConditionError)
    }

    fn read(text: &str, model: &Model) -> Result<Condition, String> {
        let ops = [
            (">=", Op::AtLeast),
            ("<=", Op::AtMost),
            (">", Op::Above),
            ("<", Op::Below),
        ];
        let Some((at, sym, op)) = ops
            .iter()
            .find_map(|(s, op)| text.find(s).map(|i| (i, *s, *op)))
        else {
            return Err(format!(
                "--where \"{text}\": expected OUTCOME > VALUE (or >=, <, <=), for example --where \"shells_delivered > 3.5e6\""
            ));
        };
        let name = text[..at].trim();
        let value_text = text[at + sym.len()..].trim();
        let value: f64 = value_text
            .parse()
            .map_err(|_| format!("--where \"{text}\": \"{value_text}\" is not a number"))?;
        let known: Vec<&str> = model.outcomes.iter().map(|o| o.id.as_str()).collect();
        let outcome = known.iter().position(|k| *k == name).ok_or_else(|| {
            format!(
                "--where: {}",
                crate::scenario::error::unknown("outcome", name, &known)
            )
        })?;
        Ok(Condition { outcome, op, value })
    }

    /// The condition as written.
    pub fn describe(&self, model: &Model) -> String {
        format!(
            "{} {} {}",
            model.outcomes[self.outcome].id,
            self.op.symbol(),
            self.value
        )
    }
}

/// A `--where` condition that cannot be read: the message says what was expected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConditionError(pub String);

/// What to explore and how.
#[derive(Clone, Debug)]
pub struct Plan {
    pub kind: Kind,
    /// Base rows of Saltelli's scheme (`N`); the scheme runs `N (d + 2)` times.
    pub samples: usize,
    pub tornado_runs: u64,
    pub seed: u64,
    pub threads: usize,
    pub condition: Option<Condition>,
    /// Calibrated inputs span their posterior marginals instead of their priors.
    pub marginals: Option<super::marginals::Marginals>,
}

/// One input's tornado bar for one outcome.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    pub input: usize,
    /// The input's value at its low and high percentile (if it is a named or in-place value).
    pub input_low: Option<f64>,
    pub input_high: Option<f64>,
    /// Mean outcome with the input low, high.
    pub low: f64,
    pub high: f64,
}

/// Everything `explore` found.
#[derive(Clone, Debug)]
pub struct Exploration {
    /// Names of the inputs (draws): uncertainty ids, or paths of in-place distributions.
    pub inputs: Vec<String>,
    /// Per outcome: the mean with every input at its median.
    pub centre: Vec<f64>,
    /// Per outcome: tornado bars, largest swing first.
    pub tornado: Vec<Vec<Bar>>,
    /// Per outcome, per input.
    pub sobol: Vec<Vec<Indices>>,
    pub prim: Option<Prim>,
    /// Runs simulated in all.
    pub runs: u64,
}

/// Collects rows in memory (explore's row counts are bounded by its plan).
struct Collect(Vec<f64>);

impl RowSink for Collect {
    fn rows(&mut self, _: u64, rows: &[f64], _: usize) -> io::Result<()> {
        self.0.extend_from_slice(rows);
        Ok(())
    }
}

/// A design given as a list of rows; row `k` uses the dynamics stream of run `k % streams`.
struct Rows<'a> {
    u: &'a [f64],
    d: usize,
    streams: u64,
}

impl Design for Rows<'_> {
    fn row(&self, k: u64, u: &mut [f64]) -> u64 {
        let k = k as usize;
        u.copy_from_slice(&self.u[k * self.d..(k + 1) * self.d]);
        k as u64 % self.streams
    }
}

/// Tornado points: `repeat` copies of each point in a row, so point `p` covers runs
/// `p * repeat .. (p + 1) * repeat`, each with dynamics stream `k % repeat`.
struct Points<'a> {
    points: &'a [f64],
    d: usize,
    repeat: u64,
}

impl Design for Points<'_> {
    fn row(&self, k: u64, u: &mut [f64]) -> u64 {
        let p = (k / self.repeat) as usize;
        u.copy_from_slice(&self.points[p * self.d..(p + 1) * self.d]);
        k % self.repeat
    }
}

/// Where a run's row keeps what explore reads, and what the inputs are.
struct Layout {
    /// Inputs (draws).
    d: usize,
    outcomes: usize,
    /// Drawn values at the start of each row; outcomes follow.
    nd: usize,
    width: usize,
    /// Column of the drawn values holding each input's value, when there is one.
    column: Vec<Option<usize>>,
}

impl Layout {
    fn of(model: &Model) -> Layout {
        let drawn_names = model.drawn_names();
        Layout {
            d: model.program.draws as usize,
            outcomes: model.outcomes.len(),
            nd: drawn_names.len(),
            width: montecarlo::row_width(model),
            column: model
                .draw_names
                .iter()
                .map(|n| drawn_names.iter().position(|c| c == n))
                .collect(),
        }
    }

    /// Outcome `o` of row `k`.
    fn outcome(&self, rows: &[f64], k: usize, o: usize) -> f64 {
        rows[k * self.width + self.nd + o]
    }
}

/// Runs the batches of one exploration, reporting progress over all of them.
struct Batches<'a> {
    model: &'a Model,
    setting: &'a Setting,
    plan: &'a Plan,
    width: usize,
    total: u64,
    done: u64,
    stop: AtomicBool,
}

impl Batches<'_> {
    /// The rows of `runs` runs of `design`.
    fn run(
        &mut self,
        design: &dyn Design,
        runs: u64,
        progress: &mut dyn FnMut(u64, u64),
    ) -> io::Result<Vec<f64>> {
        let job = Job {
            model: self.model,
            setting: self.setting,
            seed: self.plan.seed,
            first_run: 0,
            runs,
            threads: self.plan.threads,
            design: Some(design),
        };
        let mut sink = Collect(Vec::with_capacity(runs as usize * self.width));
        let (base, total) = (self.done, self.total);
        montecarlo::execute(
            &job,
            &mut sink,
            &mut |k, _| progress(base + k, total),
            &self.stop,
        )?;
        self.done += runs;
        Ok(sink.0)
    }
}

/// Runs all three analyses.
pub fn explore(
    model: &Model,
    setting: &Setting,
    plan: &Plan,
    progress: &mut dyn FnMut(u64, u64),
) -> io::Result<Exploration> {
    let at = Layout::of(model);
    let d = at.d;
    // Drawn first: a design that cannot be drawn fails before any run.
    let n = plan.samples.max(2);
    let m: Matrix = design::draw(plan.kind, n, 2 * d, plan.seed)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let mut batches = Batches {
        model,
        setting,
        plan,
        width: at.width,
        total: (2 * d as u64 + 1) * plan.tornado_runs + (plan.samples * (d + 2)) as u64,
        done: 0,
        stop: AtomicBool::new(false),
    };
    let (centre, tornado) = tornado(&mut batches, &at, progress)?;
    let mut scheme = saltelli_scheme(&m, d);
    if let Some(marginals) = &plan.marginals {
        marginals.apply(&mut scheme, d);
    }
    let rows = batches.run(
        &Rows {
            u: &scheme,
            d,
            streams: n as u64,
        },
        (n * (d + 2)) as u64,
        progress,
    )?;
    let sobol: Vec<Vec<Indices>> = (0..at.outcomes)
        .map(|o| {
            let y: Vec<f64> = (0..n * (d + 2)).map(|k| at.outcome(&rows, k, o)).collect();
            sobol::indices(&y, n, d, plan.seed ^ o as u64)
        })
        .collect();
    let prim = plan
        .condition
        .as_ref()
        .and_then(|c| discover(c, &at, &scheme, &rows, 2 * n));
    Ok(Exploration {
        inputs: model.draw_names.clone(),
        centre,
        tornado,
        sobol,
        prim,
        runs: batches.total,
    })
}

/// The tornado: per outcome, the mean with every input at its median, and the bars, largest
/// swing first.
fn tornado(
    batches: &mut Batches,
    at: &Layout,
    progress: &mut dyn FnMut(u64, u64),
) -> io::Result<(Vec<f64>, Vec<Vec<Bar>>)> {
    let d = at.d;
    let r = batches.plan.tornado_runs.max(1);
    let mut points = vec![0.5; (2 * d + 1) * d];
    for i in 0..d {
        points[(1 + 2 * i) * d + i] = TORNADO_LOW;
        points[(2 + 2 * i) * d + i] = TORNADO_HIGH;
    }
    if let Some(marginals) = &batches.plan.marginals {
        marginals.apply(&mut points, d);
    }
    let design = Points {
        points: &points,
        d,
        repeat: r,
    };
    let rows = batches.run(&design, (2 * d as u64 + 1) * r, progress)?;
    let r = r as usize;
    let mean_at = |p: usize, o: usize| -> f64 {
        (0..r).map(|k| at.outcome(&rows, p * r + k, o)).sum::<f64>() / r as f64
    };
    let value_at = |p: usize, i: usize| at.column[i].map(|c| rows[p * r * at.width + c]);
    let centre: Vec<f64> = (0..at.outcomes).map(|o| mean_at(0, o)).collect();
    let tornado = (0..at.outcomes)
        .map(|o| {
            let mut bars: Vec<Bar> = (0..d)
                .map(|i| Bar {
                    input: i,
                    input_low: value_at(1 + 2 * i, i),
                    input_high: value_at(2 + 2 * i, i),
                    low: mean_at(1 + 2 * i, o),
                    high: mean_at(2 + 2 * i, o),
                })
                .collect();
            bars.sort_by(|a, b| {
                (b.high - b.low)
                    .abs()
                    .total_cmp(&(a.high - a.low).abs())
                    .then(a.input.cmp(&b.input))
            });
            bars
        })
        .collect();
    Ok((centre, tornado))
}

/// The rows of Saltelli's scheme from an `n x 2d` design: its first `d` columns are `A`, the
/// others `B`.
fn saltelli_scheme(m: &Matrix, d: usize) -> Vec<f64> {
    let (mut a, mut b) = (Vec::with_capacity(m.n * d), Vec::with_capacity(m.n * d));
    for j in 0..m.n {
        let row = m.row(j);
        a.extend_from_slice(&row[..d]);
        b.extend_from_slice(&row[d..]);
    }
    sobol::saltelli_rows(&a, &b, m.n, d)
}

/// PRIM on the first `samples` rows of the scheme (`A` and `B`, independent samples).
fn discover(
    c: &Condition,
    at: &Layout,
    scheme: &[f64],
    rows: &[f64],
    samples: usize,
) -> Option<Prim> {
    let d = at.d;
    let mut x = Vec::with_capacity(samples * d);
    let mut y = Vec::with_capacity(samples);
    for k in 0..samples {
        for i in 0..d {
            // The input's value where it has one, else its uniform (same order either way).
            x.push(at.column[i].map_or(scheme[k * d + i], |col| rows[k * at.width + col]));
        }
        y.push(c.op.holds(at.outcome(rows, k, c.outcome), c.value));
    }
    prim::prim(&x, &y, d, 0.05, 0.05, 0.5)
}
