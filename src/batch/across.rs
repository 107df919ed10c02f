//! `compare --across`: the comparison repeated at several values of an uncertainty, with common
//! random numbers, and the values where the best option changes found by bisection.
//!
//! At each value the uncertainty is fixed in every setting (as `--set` would), everything else
//! drawn from the same streams as the comparison itself. Between two neighbouring values whose
//! best option differs (`A` below, `B` above), the flip is bracketed by bisection on the paired
//! mean difference `B − A` in the target outcome, judged in its better direction, until the
//! bracket is narrower than [`TOLERANCE`] of the swept span.

use super::BatchError;
use super::compare::CompareRequest;
use crate::model::grid::Labeled;
use crate::model::{Better, Model, ParamRef, Setting};
use crate::montecarlo::Design;
use crate::montecarlo::compare::{PairedJob, execute_paired};
use crate::report::across::{Flip, Sweep, SweepPoint, TOLERANCE};
use std::sync::atomic::{AtomicBool, Ordering};

/// The sweeps a comparison asks for, checked.
pub struct Plan {
    /// Per `--across`: the uncertainty's index and its values, ascending and distinct.
    axes: Vec<(usize, Vec<f64>)>,
    /// The outcome that ranks the options.
    target: usize,
}

/// What every comparison of a sweep shares with the comparison itself.
pub struct Context<'a> {
    pub model: &'a Model,
    pub settings: &'a [Labeled],
    pub seed: u64,
    pub runs: u64,
    pub threads: usize,
    pub design: Option<&'a dyn Design>,
    pub stop: &'a AtomicBool,
    /// Runs simulated by the sweeps so far.
    pub simulated: std::cell::Cell<u64>,
}

impl Plan {
    /// Checks the `--across` flags of `req`; `None` when there are none.
    pub fn new(
        model: &Model,
        req: &CompareRequest,
        settings: &[Labeled],
    ) -> Result<Option<Plan>, BatchError> {
        if req.across.is_empty() {
            return Ok(None);
        }
        let mut errors = Vec::new();
        if req.shard.is_some() {
            errors.push("--across runs in one process; it cannot be combined with --shard".into());
        }
        let target = match req.options.targets.first() {
            None => {
                errors.push(
                    "--across needs --target OUTCOME: the outcome that ranks the options".into(),
                );
                0
            }
            Some(t) => model.outcomes.iter().position(|o| &o.id == t).unwrap_or(0),
        };
        if settings.len() < 3 {
            errors.push("--across needs at least two options besides the baseline to rank".into());
        }
        let mut axes: Vec<(usize, Vec<f64>)> = Vec::new();
        for (name, values) in &req.across {
            match axis(model, name, values, req.allow_outside) {
                Ok(a) if axes.iter().any(|(u, _)| *u == a.0) => errors.push(format!(
                    "--across {name} is given twice; list all its values in one flag"
                )),
                Ok(a) => axes.push(a),
                Err(e) => errors.extend(e),
            }
        }
        for (u, values) in &axes {
            let slot = model.uncertainties[*u].slot;
            for &v in values {
                for l in settings {
                    let mut s = l.setting.clone();
                    s.fixed.retain(|f| f.0 != slot);
                    s.fixed.push((slot, v));
                    errors.extend(
                        crate::model::compile::check_setting(model, &s)
                            .into_iter()
                            .map(|e| {
                                format!(
                                    "--across {}={v} ({}): {e}",
                                    model.uncertainties[*u].id, l.label
                                )
                            }),
                    );
                }
            }
        }
        if errors.is_empty() {
            Ok(Some(Plan { axes, target }))
        } else {
            Err(BatchError::Input(errors))
        }
    }

    /// Runs every sweep. Stops early with an error if `ctx.stop` is raised.
    pub fn run(&self, ctx: &Context) -> Result<Vec<Sweep>, BatchError> {
        self.axes
            .iter()
            .map(|(u, values)| self.sweep(ctx, *u, values))
            .collect()
    }

    /// The sweep of uncertainty `u` over `values`.
    fn sweep(&self, ctx: &Context, u: usize, values: &[f64]) -> Result<Sweep, BatchError> {
        let m = ctx.model;
        let better = m.outcomes[self.target].better;
        let all: Vec<usize> = (0..ctx.settings.len()).collect();
        let mut points = Vec::new();
        for &v in values {
            let cmp = compare_at(ctx, &all, u, v)?;
            let changes: Vec<_> = (1..ctx.settings.len())
                .map(|s| cmp.difference(s, self.target))
                .collect();
            let mut order: Vec<usize> = (0..changes.len()).collect();
            order.sort_by(|&a, &b| {
                let (x, y) = (changes[a].mean, changes[b].mean);
                match better {
                    Better::Higher => y.total_cmp(&x),
                    Better::Lower => x.total_cmp(&y),
                }
            });
            points.push(SweepPoint {
                value: v,
                changes,
                order,
            });
        }
        let span = values[values.len() - 1] - values[0];
        let tolerance = TOLERANCE * span;
        let options: Vec<String> = ctx.settings[1..].iter().map(|s| s.label.clone()).collect();
        let mut flips = Vec::new();
        for w in points.windows(2) {
            let (a, b) = (w[0].order[0], w[1].order[0]);
            if a != b {
                let bracket =
                    self.bisect(ctx, u, [a + 1, b + 1], [w[0].value, w[1].value], tolerance)?;
                flips.push(Flip {
                    below: options[a].clone(),
                    above: options[b].clone(),
                    between: [w[0].value, w[1].value],
                    bracket,
                    threshold: 0.5 * (bracket[0] + bracket[1]),
                });
            }
        }
        let def = &m.uncertainties[u];
        Ok(Sweep {
            uncertainty: def.id.clone(),
            name: def.name.clone(),
            unit: def.unit.clone(),
            outcome: m.outcomes[self.target].id.clone(),
            options,
            points,
            flips,
            tolerance,
        })
    }

    /// Narrows `[lo, hi]`, where setting `pair[1]` does better than `pair[0]` at `hi` and not
    /// at `lo`, to a bracket no wider than `tolerance`.
    fn bisect(
        &self,
        ctx: &Context,
        u: usize,
        pair: [usize; 2],
        [mut lo, mut hi]: [f64; 2],
        tolerance: f64,
    ) -> Result<[f64; 2], BatchError> {
        let better = ctx.model.outcomes[self.target].better;
        while hi - lo > tolerance {
            let mid = 0.5 * (lo + hi);
            // Setting pair[0] is the reference here: difference(1) is pair[1] minus pair[0].
            let d = compare_at(ctx, &pair, u, mid)?
                .difference(1, self.target)
                .mean;
            let overtakes = match better {
                Better::Higher => d > 0.0,
                Better::Lower => d < 0.0,
            };
            if overtakes {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        Ok([lo, hi])
    }
}

/// The comparison of settings `which` (the first as reference) with uncertainty `u` fixed at `v`.
fn compare_at(
    ctx: &Context,
    which: &[usize],
    u: usize,
    v: f64,
) -> Result<crate::montecarlo::compare::Comparison, BatchError> {
    let slot = ctx.model.uncertainties[u].slot;
    let settings: Vec<Setting> = which
        .iter()
        .map(|&s| {
            let mut s = ctx.settings[s].setting.clone();
            s.fixed.retain(|f| f.0 != slot);
            s.fixed.push((slot, v));
            s
        })
        .collect();
    // Like --set: every number the value reaches must stay in its range.
    let name = &ctx.model.uncertainties[u].id;
    let errors: Vec<String> = settings
        .iter()
        .flat_map(|s| crate::model::compile::check_setting(ctx.model, s))
        .map(|e| format!("--across {name}={v}: {e}"))
        .collect();
    if !errors.is_empty() {
        return Err(BatchError::Input(errors));
    }
    let job = PairedJob {
        model: ctx.model,
        settings: &settings,
        seed: ctx.seed,
        first_run: 0,
        runs: ctx.runs,
        threads: ctx.threads,
        design: ctx.design,
    };
    ctx.simulated
        .set(ctx.simulated.get() + ctx.runs * settings.len() as u64);
    let cmp = execute_paired(&job, &mut |_, _| {}, ctx.stop)
        .map_err(|e| BatchError::failed("the --across sweep failed", e))?;
    if ctx.stop.load(Ordering::SeqCst) {
        return Err(BatchError::Failed(
            "stopped during the --across sweep; nothing was written (run the command again)".into(),
        ));
    }
    Ok(cmp)
}

/// The uncertainty `--across name=values` names and its values, sorted, checked.
fn axis(
    model: &Model,
    name: &str,
    values: &[f64],
    allow_outside: bool,
) -> Result<(usize, Vec<f64>), Vec<String>> {
    let u = match model.lookup_param(name) {
        Some(ParamRef::Uncertainty(u)) => u,
        Some(ParamRef::Lever(_)) => {
            return Err(vec![format!(
                "--across {name}: {name} is a lever; compare its values with --lever {name}=V1,V2,..."
            )]);
        }
        None => {
            let known: Vec<&str> = model.uncertainties.iter().map(|u| u.id.as_str()).collect();
            return Err(vec![format!(
                "--across {name}: {}",
                crate::scenario::error::unknown("uncertainty", name, &known)
            )]);
        }
    };
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    v.dedup();
    if v.len() < 2 {
        return Err(vec![format!(
            "--across {name}: give at least two different values, e.g. --across {name}=LOW,HIGH"
        )]);
    }
    let sets: Vec<(String, f64)> = v.iter().map(|&x| (name.to_string(), x)).collect();
    let outside = crate::model::compile::outside_support(model, &sets);
    if !outside.is_empty() && !allow_outside {
        return Err(outside
            .into_iter()
            .map(|o| {
                format!(
                    "{}; give --allow-outside to sweep it anyway",
                    o.replacen("--set", "--across", 1)
                )
            })
            .collect());
    }
    Ok((u, v))
}
