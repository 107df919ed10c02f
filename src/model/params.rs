//! Per-run parameters: every number in a scenario compiled to one slot of a straight-line program.
//!
//! At the start of each run [`Program::eval`] fills a `Vec<f64>` with one value per slot: literals,
//! lever values, distribution draws (one uniform each, in a fixed order) and arithmetic. The
//! engine then reads parameters by slot index; no names are looked up while a run steps.
//!
//! Each place the model uses a number (a *site*) has a [`Domain`]. At compile time the program's
//! value ranges are propagated with interval arithmetic and every site is checked: a number that
//! can leave its domain is an error, unless only an unbounded distribution (Normal, LogNormal)
//! takes it there, in which case the draw is clamped into the domain at run time. Every value is
//! also clamped to ±[`LIMIT`], so no NaN or infinity can enter a run.

use crate::stats::dist::{self, DistKind};

/// Index of a value in the per-run parameter vector.
pub type Slot = u32;

/// Largest magnitude any parameter may take.
pub const LIMIT: f64 = 1e15;

/// Arithmetic on two numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Min,
    Max,
}

/// One instruction; its result goes to the slot with the instruction's index.
#[derive(Clone, Debug)]
pub enum Op {
    Const(f64),
    /// The current value of lever `i`.
    Lever(u32),
    /// `quantile(u[draw])` of a distribution whose parameters are in `args`.
    Draw {
        kind: DistKind,
        args: [Slot; 4],
        draw: u32,
    },
    Bin {
        op: BinOp,
        a: Slot,
        b: Slot,
    },
    /// `src` clamped into `[lo, hi]`.
    Clamp {
        src: Slot,
        lo: f64,
        hi: f64,
    },
}

/// Allowed values at a site.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Domain {
    Any,
    NonNegative,
    Positive,
    Probability,
    /// Trust changes: -1 to 1.
    Signed,
    /// Curve exponents: 1 to 50.
    Exponent,
    /// Durations in steps: 1 or more.
    Steps,
}

impl Domain {
    /// Inclusive bounds.
    pub fn bounds(self) -> (f64, f64) {
        match self {
            Domain::Any => (-LIMIT, LIMIT),
            Domain::NonNegative => (0.0, LIMIT),
            Domain::Positive => (1e-12, LIMIT),
            Domain::Probability => (0.0, 1.0),
            Domain::Signed => (-1.0, 1.0),
            Domain::Exponent => (1.0, 50.0),
            Domain::Steps => (1.0, LIMIT),
        }
    }

    /// How the domain reads in an error message.
    pub fn describe(self) -> &'static str {
        match self {
            Domain::Any => "a number between -1e15 and 1e15",
            Domain::NonNegative => "zero or more",
            Domain::Positive => "more than zero",
            Domain::Probability => "between 0 and 1",
            Domain::Signed => "between -1 and 1",
            Domain::Exponent => "between 1 and 50",
            Domain::Steps => "1 or more (steps)",
        }
    }
}

/// A range of values a slot may take across runs and lever settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    pub lo: f64,
    pub hi: f64,
    /// Reaches its bounds only through an unbounded distribution's tail.
    pub soft: bool,
    /// Some division in it can divide by zero.
    pub div_zero: bool,
}

impl Interval {
    fn point(v: f64) -> Interval {
        Interval {
            lo: v,
            hi: v,
            soft: false,
            div_zero: false,
        }
    }
}

/// A place the model uses a number, checked against its domain.
#[derive(Clone, Debug)]
pub struct Site {
    pub path: String,
    /// The slot before clamping.
    pub raw: Slot,
    pub domain: Domain,
}

/// The compiled parameter program of a scenario.
#[derive(Clone, Debug, Default)]
pub struct Program {
    pub ops: Vec<Op>,
    /// Number of uniforms one run consumes (one per distribution).
    pub draws: u32,
    pub sites: Vec<Site>,
    /// Slots that effects may change during a run ([`Program::target`]).
    targeted: Vec<bool>,
    /// Set by [`Program::seal`]: what a run must recompute and what it can copy.
    plan: Option<Plan>,
}

/// The split of a sealed program: most slots are literals or arithmetic on literals, the same in
/// every run; only those that depend on a draw or a lever change.
#[derive(Clone, Debug)]
struct Plan {
    /// Every slot's value where it depends on no draw and no lever (0 elsewhere).
    shared: Vec<f64>,
    /// Slots that depend on a draw, a lever or a slot effects change, in program order.
    varying: Vec<u32>,
    /// Slots effects change, and every slot computed from one, in program order: what changes
    /// when the active effects do.
    cone: Vec<u32>,
    in_cone: Vec<bool>,
}

/// Values that replace parts of the program for one policy setting: lever values and fixed
/// uncertainties (from `--set`).
#[derive(Clone, Debug, PartialEq)]
pub struct Setting {
    pub levers: Vec<f64>,
    /// `(slot, value)`: the slot takes `value` instead of its computed value.
    pub fixed: Vec<(Slot, f64)>,
}

impl Program {
    /// Appends an instruction and returns its slot. Unseals the program.
    pub fn push(&mut self, op: Op) -> Slot {
        self.plan = None;
        self.ops.push(op);
        (self.ops.len() - 1) as Slot
    }

    /// Computes once what every run shares: the values of the slots that depend on no draw and
    /// no lever. [`Program::eval`] then copies them and computes only the rest, with the same
    /// operations in the same order, so its results are bit for bit those of evaluating every
    /// slot. Call when the program is complete.
    pub fn seal(&mut self) {
        let n = self.ops.len();
        self.targeted.resize(n, false);
        let mut varies = vec![false; n];
        let mut shared = vec![0.0; n];
        let mut varying = Vec::new();
        let mut in_cone = vec![false; n];
        let mut cone = Vec::new();
        for (i, op) in self.ops.iter().enumerate() {
            varies[i] = match *op {
                Op::Const(_) => false,
                Op::Lever(_) | Op::Draw { .. } => true,
                Op::Bin { a, b, .. } => varies[a as usize] || varies[b as usize],
                Op::Clamp { src, .. } => varies[src as usize],
            } || self.targeted[i];
            in_cone[i] = self.targeted[i]
                || match *op {
                    Op::Const(_) | Op::Lever(_) => false,
                    Op::Draw { args, .. } => args.iter().any(|&a| in_cone[a as usize]),
                    Op::Bin { a, b, .. } => in_cone[a as usize] || in_cone[b as usize],
                    Op::Clamp { src, .. } => in_cone[src as usize],
                };
            if in_cone[i] {
                cone.push(i as u32);
            }
            if varies[i] {
                varying.push(i as u32);
            } else {
                // Reads only earlier slots that vary neither: no lever, no uniform is used.
                shared[i] = finite(value(op, &[], &[], &shared));
            }
        }
        self.plan = Some(Plan {
            shared,
            varying,
            cone,
            in_cone,
        });
    }

    /// Marks `slot` as one that effects may change during a run: it, and every slot computed
    /// from it, is recomputed by [`Program::eval_adjusted`]. Unseals the program.
    pub fn target(&mut self, slot: Slot) {
        self.plan = None;
        let i = slot as usize;
        if self.targeted.len() <= i {
            self.targeted.resize(i + 1, false);
        }
        self.targeted[i] = true;
    }

    /// Whether effects may change `slot` ([`Program::target`]).
    pub fn is_targeted(&self, slot: Slot) -> bool {
        self.targeted.get(slot as usize).copied().unwrap_or(false)
    }

    /// Evaluates again, in place, the slots effects change and every slot computed from one
    /// (in program order), each targeted slot's value passed through `adjust(slot, value)` as
    /// soon as it is computed, so that the slots computed from it see the adjusted value. `out`
    /// holds the run's values from [`Program::eval`] (and earlier calls); the other slots keep
    /// them, since nothing they depend on changes. Never allocates.
    pub fn eval_adjusted(
        &self,
        setting: &Setting,
        u: &[f64],
        out: &mut [f64],
        adjust: &mut dyn FnMut(Slot, f64) -> f64,
    ) {
        let Some(plan) = self.plan.as_ref() else {
            return;
        };
        for &i in &plan.cone {
            let i = i as usize;
            let v = match setting.fixed.iter().find(|f| f.0 as usize == i) {
                Some(&(_, v)) => v,
                None => finite(value(&self.ops[i], &setting.levers, u, out)),
            };
            out[i] = if self.targeted[i] {
                finite(adjust(i as Slot, v))
            } else {
                v
            };
        }
    }

    /// Whether `slot` changes when the active effects do (see [`Program::eval_adjusted`]).
    pub fn in_cone(&self, slot: Slot) -> bool {
        self.plan
            .as_ref()
            .is_some_and(|p| p.in_cone.get(slot as usize).copied().unwrap_or(false))
    }

    /// Number of slots.
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    /// Whether the program is empty.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// Evaluates every slot for one run. `u` holds `draws` uniforms in (0, 1); `out` has one
    /// entry per slot. Never allocates; never produces NaN or infinity.
    ///
    /// A sealed program ([`Program::seal`]) run under a setting that fixes no slot copies the
    /// slots shared by all runs and computes only those that depend on a draw or a lever; the
    /// values are the same bits either way.
    pub fn eval(&self, setting: &Setting, u: &[f64], out: &mut [f64]) {
        if let Some(plan) = self.plan.as_ref().filter(|_| setting.fixed.is_empty()) {
            out.copy_from_slice(&plan.shared);
            for &i in &plan.varying {
                let i = i as usize;
                out[i] = finite(value(&self.ops[i], &setting.levers, u, out));
            }
            return;
        }
        let any_fixed = !setting.fixed.is_empty();
        for (i, op) in self.ops.iter().enumerate() {
            if any_fixed {
                if let Some(&(_, v)) = setting.fixed.iter().find(|f| f.0 as usize == i) {
                    out[i] = v;
                    continue;
                }
            }
            out[i] = finite(value(op, &setting.levers, u, out));
        }
    }

    /// Value ranges of every slot, given the range of each lever and the fixed slots.
    pub fn intervals(&self, lever_ranges: &[(f64, f64)], fixed: &[(Slot, f64)]) -> Vec<Interval> {
        let mut iv: Vec<Interval> = Vec::with_capacity(self.ops.len());
        for (i, op) in self.ops.iter().enumerate() {
            if let Some(&(_, v)) = fixed.iter().find(|f| f.0 as usize == i) {
                iv.push(Interval::point(v));
                continue;
            }
            let r = match *op {
                Op::Const(v) => Interval::point(v),
                Op::Lever(l) => {
                    let (lo, hi) = lever_ranges[l as usize];
                    Interval {
                        lo,
                        hi,
                        soft: false,
                        div_zero: false,
                    }
                }
                Op::Draw { kind, args, .. } => draw_interval(kind, args.map(|a| iv[a as usize])),
                Op::Bin { op, a, b } => bin_interval(op, iv[a as usize], iv[b as usize]),
                Op::Clamp { src, lo, hi } => {
                    let s = iv[src as usize];
                    Interval {
                        lo: s.lo.clamp(lo, hi),
                        hi: s.hi.clamp(lo, hi),
                        soft: false,
                        div_zero: s.div_zero,
                    }
                }
            };
            iv.push(r);
        }
        iv
    }

    /// For every site that an unbounded distribution (Normal, LogNormal) can push out of its
    /// domain, the share of draws clamped into it under `setting`, estimated on `samples`
    /// deterministic quasi-random points (a Kronecker sequence). Returns `(path, share,
    /// domain)` for shares above zero, so that compilation can warn about silent clamping.
    pub fn clamped_shares(&self, setting: &Setting, samples: usize) -> Vec<(String, f64, String)> {
        let iv = self.intervals(
            &setting.levers.iter().map(|&v| (v, v)).collect::<Vec<_>>(),
            &setting.fixed,
        );
        let soft: Vec<&Site> = self
            .sites
            .iter()
            .filter(|site| {
                let r = iv[site.raw as usize];
                let (lo, hi) = site.domain.bounds();
                r.soft && (r.lo < lo || r.hi > hi)
            })
            .collect();
        if soft.is_empty() || samples == 0 {
            return Vec::new();
        }
        let steps: Vec<f64> = (0..self.draws)
            .map(|d| ((d as f64 + 2.0).sqrt()).fract())
            .map(|a| if a == 0.0 { 0.618_033_988_749_895 } else { a })
            .collect();
        let mut u = vec![0.5; self.draws as usize];
        let mut out = vec![0.0; self.ops.len()];
        let mut outside = vec![0usize; soft.len()];
        for k in 0..samples {
            for (x, a) in u.iter_mut().zip(&steps) {
                *x = (0.5 + k as f64 * a).fract().clamp(1e-9, 1.0 - 1e-9);
            }
            self.eval(setting, &u, &mut out);
            for (n, site) in outside.iter_mut().zip(&soft) {
                let (lo, hi) = site.domain.bounds();
                let v = out[site.raw as usize];
                if v < lo || v > hi {
                    *n += 1;
                }
            }
        }
        soft.iter()
            .zip(outside)
            .filter(|(_, n)| *n > 0)
            .map(|(site, n)| {
                (
                    site.path.clone(),
                    n as f64 / samples as f64,
                    site.domain.describe().to_string(),
                )
            })
            .collect()
    }

    /// Checks every site against its domain; returns `(path, message)` for each violation.
    pub fn check_sites(
        &self,
        lever_ranges: &[(f64, f64)],
        fixed: &[(Slot, f64)],
    ) -> Vec<(String, String)> {
        let iv = self.intervals(lever_ranges, fixed);
        let mut out = Vec::new();
        for site in &self.sites {
            let r = iv[site.raw as usize];
            let (lo, hi) = site.domain.bounds();
            if r.div_zero {
                out.push((
                    site.path.clone(),
                    "divides by a number that can be zero; make sure the divisor stays away from 0"
                        .to_string(),
                ));
                continue;
            }
            let describe = site.domain.describe();
            if r.hi < lo || r.lo > hi {
                let found = if r.lo == r.hi {
                    format!("is {}", show(r.lo))
                } else {
                    format!("ranges from {} to {}", show(r.lo), show(r.hi))
                };
                out.push((
                    site.path.clone(),
                    format!("must be {describe}, but {found}"),
                ));
            } else if (r.lo < lo || r.hi > hi) && !r.soft {
                let found = if r.lo == r.hi {
                    format!("is {}", show(r.lo))
                } else {
                    format!(
                        "can range from {} to {} (over the uncertainties' ranges and the levers' listed values)",
                        show(r.lo),
                        show(r.hi)
                    )
                };
                out.push((
                    site.path.clone(),
                    format!("must be {describe}, but {found}"),
                ));
            }
        }
        out
    }
}

/// One instruction's result from the slots before it (`out`), the lever values and the uniforms.
#[inline(always)]
fn value(op: &Op, levers: &[f64], u: &[f64], out: &[f64]) -> f64 {
    match *op {
        Op::Const(v) => v,
        Op::Lever(l) => levers[l as usize],
        Op::Draw { kind, args, draw } => {
            let p = args.map(|a| out[a as usize]);
            dist::quantile(kind, p, u[draw as usize])
        }
        Op::Bin { op, a, b } => {
            let (a, b) = (out[a as usize], out[b as usize]);
            match op {
                BinOp::Add => a + b,
                BinOp::Sub => a - b,
                BinOp::Mul => a * b,
                BinOp::Div if b == 0.0 => 0.0,
                BinOp::Div => a / b,
                BinOp::Min => a.min(b),
                BinOp::Max => a.max(b),
            }
        }
        Op::Clamp { src, lo, hi } => out[src as usize].clamp(lo, hi),
    }
}

fn finite(v: f64) -> f64 {
    if v.is_nan() {
        0.0
    } else {
        v.clamp(-LIMIT, LIMIT)
    }
}

fn show(v: f64) -> String {
    if v.is_infinite() {
        if v > 0.0 {
            "+infinity".into()
        } else {
            "-infinity".into()
        }
    } else {
        crate::scenario::error::number(v)
    }
}

fn draw_interval(kind: DistKind, a: [Interval; 4]) -> Interval {
    let soft = a.iter().any(|x| x.soft);
    let div_zero = a.iter().any(|x| x.div_zero);
    let (lo, hi, soft) = match kind {
        DistKind::Uniform => (a[0].lo.min(a[1].lo), a[0].hi.max(a[1].hi), soft),
        DistKind::Normal => {
            if a[1].hi <= 0.0 {
                (a[0].lo, a[0].hi, soft)
            } else {
                (f64::NEG_INFINITY, f64::INFINITY, true)
            }
        }
        DistKind::LogNormal => (0.0, f64::INFINITY, true),
        DistKind::Triangular | DistKind::Pert => (a[0].lo.min(a[2].lo), a[0].hi.max(a[2].hi), soft),
        DistKind::Beta => (a[2].lo.min(a[3].lo), a[2].hi.max(a[3].hi), soft),
    };
    Interval {
        lo,
        hi,
        soft,
        div_zero,
    }
}

fn bin_interval(op: BinOp, a: Interval, b: Interval) -> Interval {
    let soft = a.soft || b.soft;
    let mut div_zero = a.div_zero || b.div_zero;
    let (lo, hi) = match op {
        BinOp::Add => (a.lo + b.lo, a.hi + b.hi),
        BinOp::Sub => (a.lo - b.hi, a.hi - b.lo),
        BinOp::Mul => corners(a, b, |x, y| x * y),
        BinOp::Div => {
            if b.lo <= 0.0 && b.hi >= 0.0 {
                div_zero = true;
                (f64::NEG_INFINITY, f64::INFINITY)
            } else {
                corners(a, b, |x, y| x / y)
            }
        }
        BinOp::Min => (a.lo.min(b.lo), a.hi.min(b.hi)),
        BinOp::Max => (a.lo.max(b.lo), a.hi.max(b.hi)),
    };
    Interval {
        lo,
        hi,
        soft,
        div_zero,
    }
}

fn corners(a: Interval, b: Interval, f: impl Fn(f64, f64) -> f64) -> (f64, f64) {
    let c = [f(a.lo, b.lo), f(a.lo, b.hi), f(a.hi, b.lo), f(a.hi, b.hi)];
    let c = c.map(|v| if v.is_nan() { 0.0 } else { v });
    (
        c.iter().copied().fold(f64::INFINITY, f64::min),
        c.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setting(levers: Vec<f64>) -> Setting {
        Setting {
            levers,
            fixed: vec![],
        }
    }

    #[test]
    fn evaluates_levers_draws_and_arithmetic() {
        let mut p = Program::default();
        let lever = p.push(Op::Lever(0));
        let lo = p.push(Op::Const(10.0));
        let hi = p.push(Op::Const(20.0));
        let zero = p.push(Op::Const(0.0));
        let draw = p.push(Op::Draw {
            kind: DistKind::Uniform,
            args: [lo, hi, zero, zero],
            draw: 0,
        });
        p.draws = 1;
        let prod = p.push(Op::Bin {
            op: BinOp::Mul,
            a: lever,
            b: draw,
        });
        let mut out = vec![0.0; p.len()];
        p.eval(&setting(vec![2.0]), &[0.5], &mut out);
        assert_eq!(out[prod as usize], 30.0);
        // Fixing the draw (as --set does) changes everything computed from it.
        let s = Setting {
            levers: vec![2.0],
            fixed: vec![(draw, 11.0)],
        };
        p.eval(&s, &[0.5], &mut out);
        assert_eq!(out[prod as usize], 22.0);
    }

    #[test]
    fn a_sealed_program_gives_the_same_bits() {
        // Constants, arithmetic on constants, a lever, draws and arithmetic mixing them.
        let mut p = Program::default();
        let lever = p.push(Op::Lever(0));
        let lo = p.push(Op::Const(0.1));
        let third = p.push(Op::Bin {
            op: BinOp::Div,
            a: lo,
            b: lo,
        });
        let hi = p.push(Op::Bin {
            op: BinOp::Add,
            a: third,
            b: lo,
        });
        let a = p.push(Op::Const(2.5));
        let draw = p.push(Op::Draw {
            kind: DistKind::Beta,
            args: [a, third, lo, hi],
            draw: 0,
        });
        p.push(Op::Bin {
            op: BinOp::Mul,
            a: draw,
            b: lever,
        });
        p.push(Op::Clamp {
            src: hi,
            lo: 0.0,
            hi: 1.0,
        });
        p.draws = 1;
        let mut open = vec![0.0; p.len()];
        let mut sealed = p.clone();
        sealed.seal();
        let mut fast = vec![f64::NAN; p.len()];
        for (u, lever) in [(0.2, 3.0), (0.9, -1.0)] {
            p.eval(&setting(vec![lever]), &[u], &mut open);
            sealed.eval(&setting(vec![lever]), &[u], &mut fast);
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&open), bits(&fast));
        }
        // A setting that fixes a slot takes the full path: the fixed value reaches dependants.
        let s = Setting {
            levers: vec![1.0],
            fixed: vec![(draw, 0.5)],
        };
        sealed.eval(&s, &[0.2], &mut fast);
        assert_eq!(fast[draw as usize + 1], 0.5);
        // Pushing after sealing unseals: the new slot is evaluated.
        sealed.push(Op::Const(7.0));
        let mut longer = vec![0.0; sealed.len()];
        sealed.eval(&setting(vec![1.0]), &[0.2], &mut longer);
        assert_eq!(longer[sealed.len() - 1], 7.0);
    }

    #[test]
    fn division_by_zero_and_overflow_stay_finite() {
        let mut p = Program::default();
        let a = p.push(Op::Const(1e14));
        let z = p.push(Op::Const(0.0));
        let d = p.push(Op::Bin {
            op: BinOp::Div,
            a,
            b: z,
        });
        let m = p.push(Op::Bin {
            op: BinOp::Mul,
            a,
            b: a,
        });
        let mut out = vec![0.0; p.len()];
        p.eval(&setting(vec![]), &[], &mut out);
        assert_eq!(out[d as usize], 0.0);
        assert_eq!(out[m as usize], LIMIT);
    }

    #[test]
    fn sites_outside_their_domain_are_reported() {
        let mut p = Program::default();
        let lever = p.push(Op::Lever(0));
        let mean = p.push(Op::Const(0.5));
        let sd = p.push(Op::Const(0.1));
        let z = p.push(Op::Const(0.0));
        let normal = p.push(Op::Draw {
            kind: DistKind::Normal,
            args: [mean, sd, z, z],
            draw: 0,
        });
        p.sites.push(Site {
            path: "a".into(),
            raw: lever,
            domain: Domain::Probability,
        });
        p.sites.push(Site {
            path: "b".into(),
            raw: normal,
            domain: Domain::Probability,
        });
        // The lever's listed values reach 1.5: an error. The Normal's tails are clamped: fine.
        let problems = p.check_sites(&[(0.0, 1.5)], &[]);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].0, "a");
        assert!(
            problems[0].1.contains("between 0 and 1"),
            "{}",
            problems[0].1
        );
        assert!(p.check_sites(&[(0.0, 1.0)], &[]).is_empty());
    }
}
