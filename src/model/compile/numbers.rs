//! Numbers: constants, expressions and distributions compiled into the parameter program.

use super::{Ctx, UncState, sub};
use crate::model::params::{BinOp, Domain, LIMIT, Op, Site, Slot};
use crate::scenario::error;
use crate::scenario::num::{Expr, Num, explain_invalid};
use crate::stats::dist::DistKind;

impl Ctx<'_> {
    /// Compiles a number used at `path`, checked against `domain` and clamped into it.
    pub(crate) fn num(&mut self, n: &Num, path: &str, domain: Domain) -> Slot {
        let raw = self.expr(n, path);
        let (lo, hi) = domain.bounds();
        self.prog.sites.push(Site {
            path: path.to_string(),
            raw,
            domain,
        });
        self.prog.push(Op::Clamp { src: raw, lo, hi })
    }

    /// Like [`Ctx::num`] for an optional field with a default.
    pub(crate) fn opt_num(
        &mut self,
        n: Option<&Num>,
        default: f64,
        path: &str,
        domain: Domain,
    ) -> Slot {
        match n {
            Some(n) => self.num(n, path, domain),
            None => self.constant(default),
        }
    }

    pub(crate) fn constant(&mut self, v: f64) -> Slot {
        if v == 0.0 {
            self.zero
        } else if v == 1.0 {
            self.one
        } else {
            self.prog.push(Op::Const(v))
        }
    }

    fn expr(&mut self, n: &Num, path: &str) -> Slot {
        match n {
            Num::Value(v) => {
                if !v.is_finite() || v.abs() > LIMIT {
                    self.problem(
                        path,
                        format!(
                            "{} is not allowed; numbers must be finite and within ±1e15",
                            error::number(*v)
                        ),
                    );
                    return self.zero;
                }
                self.constant(*v)
            }
            Num::Invalid(value) => {
                self.problem(path, explain_invalid(value));
                self.zero
            }
            Num::Expr(e) => self.expr_form(e, path),
        }
    }

    fn expr_form(&mut self, e: &Expr, path: &str) -> Slot {
        let z = self.zero;
        match e {
            Expr::Uniform { min, max } => {
                self.ordered(path, &[("min", min), ("max", max)]);
                let a = [
                    self.expr(min, &sub(path, "min")),
                    self.expr(max, &sub(path, "max")),
                    z,
                    z,
                ];
                self.draw(DistKind::Uniform, a, path)
            }
            Expr::Normal { mean, sd } => {
                let m = self.expr(mean, &sub(path, "mean"));
                let s = self.num(sd, &sub(path, "sd"), Domain::NonNegative);
                self.draw(DistKind::Normal, [m, s, z, z], path)
            }
            Expr::LogNormal { median, sigma } => {
                let m = self.num(median, &sub(path, "median"), Domain::Positive);
                let s = self.num(sigma, &sub(path, "sigma"), Domain::NonNegative);
                self.draw(DistKind::LogNormal, [m, s, z, z], path)
            }
            Expr::Triangular { min, mode, max } | Expr::Pert { min, mode, max } => {
                self.ordered(path, &[("min", min), ("mode", mode), ("max", max)]);
                let a = [
                    self.expr(min, &sub(path, "min")),
                    self.expr(mode, &sub(path, "mode")),
                    self.expr(max, &sub(path, "max")),
                    z,
                ];
                let kind = if matches!(e, Expr::Pert { .. }) {
                    DistKind::Pert
                } else {
                    DistKind::Triangular
                };
                self.draw(kind, a, path)
            }
            Expr::Beta {
                alpha,
                beta,
                min,
                max,
            } => {
                let a = self.num(alpha, &sub(path, "alpha"), Domain::Positive);
                let b = self.num(beta, &sub(path, "beta"), Domain::Positive);
                let lo = match min {
                    Some(m) => self.expr(m, &sub(path, "min")),
                    None => z,
                };
                let hi = match max {
                    Some(m) => self.expr(m, &sub(path, "max")),
                    None => self.one,
                };
                if let (Some(lo), Some(hi)) = (
                    min.as_ref().map(|m| m.literal()),
                    max.as_ref().map(|m| m.literal()),
                ) {
                    self.ordered_values(path, &[("min", lo), ("max", hi)]);
                }
                self.draw(DistKind::Beta, [a, b, lo, hi], path)
            }
            Expr::Param(name) => self.param(name, path),
            Expr::Add(a, b) => self.bin(BinOp::Add, a, b, path),
            Expr::Sub(a, b) => self.bin(BinOp::Sub, a, b, path),
            Expr::Mul(a, b) => self.bin(BinOp::Mul, a, b, path),
            Expr::Div(a, b) => self.bin(BinOp::Div, a, b, path),
            Expr::Min(a, b) => self.bin(BinOp::Min, a, b, path),
            Expr::Max(a, b) => self.bin(BinOp::Max, a, b, path),
        }
    }

    fn bin(&mut self, op: BinOp, a: &Num, b: &Num, path: &str) -> Slot {
        let a = self.expr(a, path);
        let b = self.expr(b, path);
        self.prog.push(Op::Bin { op, a, b })
    }

    /// Literal bounds of a distribution must be in order.
    fn ordered(&mut self, path: &str, parts: &[(&str, &Num)]) {
        let lits: Vec<(&str, Option<f64>)> = parts.iter().map(|(n, v)| (*n, v.literal())).collect();
        self.ordered_values(path, &lits);
    }

    fn ordered_values(&mut self, path: &str, parts: &[(&str, Option<f64>)]) {
        for w in parts.windows(2) {
            if let ((a, Some(x)), (b, Some(y))) = (w[0], w[1]) {
                if x > y {
                    self.problem(
                        path,
                        format!(
                            "{a} ({x}) is greater than {b} ({y}); they must satisfy {}",
                            parts.iter().map(|p| p.0).collect::<Vec<_>>().join(" <= ")
                        ),
                    );
                }
            }
        }
    }

    fn draw(&mut self, kind: DistKind, args: [Slot; 4], path: &str) -> Slot {
        let draw = self.prog.draws;
        self.prog.draws += 1;
        let slot = self.prog.push(Op::Draw { kind, args, draw });
        match self.in_uncertainty {
            Some(u) => {
                let id = self.unc_ids[u].to_string();
                let name = if self.draw_names.contains(&id) {
                    format!("{id}#{}", draw)
                } else {
                    id
                };
                self.draw_names.push(name);
            }
            None => {
                let mut name = path.to_string();
                if self.inline_draws.iter().any(|(p, _)| *p == name) {
                    name = format!("{path}#{draw}");
                }
                self.draw_names.push(name.clone());
                self.inline_draws.push((name, slot));
            }
        }
        slot
    }

    pub(super) fn param(&mut self, name: &str, path: &str) -> Slot {
        if let Some(i) = self.lever_ids.iter().position(|l| *l == name) {
            if let Some(s) = self.lever_slots[i] {
                return s;
            }
            let s = self.prog.push(Op::Lever(i as u32));
            self.lever_slots[i] = Some(s);
            return s;
        }
        if let Some(i) = self.unc_ids.iter().position(|u| *u == name) {
            self.unc_used[i] = true;
            return self.uncertainty(i);
        }
        let known: Vec<&str> = self
            .lever_ids
            .iter()
            .chain(self.unc_ids.iter())
            .copied()
            .collect();
        self.problem(path, error::unknown("lever or uncertainty", name, &known));
        self.zero
    }

    pub(super) fn uncertainty(&mut self, i: usize) -> Slot {
        match self.unc_state[i] {
            UncState::Done(s) => s,
            UncState::Busy => {
                let id = self.unc_ids[i];
                self.problem(
                    format!("uncertainties[{id}].dist"),
                    format!("uncertainty \"{id}\" depends on itself through Param references; break the cycle"),
                );
                self.zero
            }
            UncState::Pending => {
                self.unc_state[i] = UncState::Busy;
                let outer = self.in_uncertainty.replace(i);
                let u = &self.sc.uncertainties[i];
                let path = format!("uncertainties[{}].dist", u.id);
                let s = self.expr(&u.dist, &path);
                self.in_uncertainty = outer;
                self.unc_state[i] = UncState::Done(s);
                s
            }
        }
    }
}
