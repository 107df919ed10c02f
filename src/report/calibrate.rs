//! The results of a calibration: `calibration.json`, `posterior.csv` and the terminal tables.

use super::VERSION;
use super::summary::ScenarioInfo;
use super::table::{clip, columns};
use crate::calibrate::abc::{Generation, Stop, Temper};
use crate::calibrate::fit::{Calibration, ParamSummary, TargetCheck};
use crate::calibrate::targets::{Calibrated, Target, Targets};
use crate::number::{human, sig3};
use serde::Serialize;

/// How the sampler ran, for people.
pub const METHOD: &str = "ABC-SMC (Beaumont et al. 2009): each calibrated uncertainty is one \
uniform through its quantile function, so its prior is uniform on (0, 1); particles move by a \
Gaussian kernel in logit space with twice the population's weighted covariance; tolerances fall \
to the 99.9% point of a chi-square with one degree of freedom per target, in units of each \
target's stated uncertainty; the final weights carry each particle's Gaussian likelihood under \
those uncertainties (Wilkinson 2013). The check runs 4,096 runs drawing from the posterior.";

/// Contents of `calibration.json`.
#[derive(Serialize)]
pub struct CalibrationFile {
    pub generator: String,
    pub scenario: ScenarioInfo,
    /// The targets file and the SHA-256 of its bytes.
    pub targets_file: String,
    pub targets_sha256: String,
    pub seed: u64,
    pub particles: usize,
    pub method: &'static str,
    /// Whether the sampler reached its final tolerance; if not, why it stopped.
    pub converged: bool,
    pub stop: Stop,
    pub runs: u64,
    /// Effective sample size had the last generation been weighted by the likelihood in one go.
    pub importance_ess: f64,
    /// Distinct particles of the final, equal-weight population.
    pub distinct_particles: usize,
    /// The tempering steps from the last generation to the posterior.
    pub tempering: Vec<Temper>,
    pub target_epsilon: f64,
    pub generations: Vec<Generation>,
    pub targets: Vec<TargetRow>,
    pub calibrated: Vec<ParamRow>,
    pub reproduce: String,
}

/// A target with how the calibrated model reproduces it.
#[derive(Serialize)]
pub struct TargetRow {
    #[serde(flatten)]
    pub target: Target,
    pub check: Option<TargetCheck>,
}

/// A calibrated uncertainty: prior, posterior and what the targets ruled out.
#[derive(Serialize)]
pub struct ParamRow {
    #[serde(flatten)]
    pub summary: ParamSummary,
    /// In words: which of the prior's values the targets ruled out.
    pub ruled_out: String,
}

impl CalibrationFile {
    /// The file for `cal`, fitted to `targets`.
    pub fn new(
        scenario: ScenarioInfo,
        targets_file: String,
        targets: &Targets,
        cal: &Calibration,
        seed: u64,
        reproduce: String,
    ) -> CalibrationFile {
        let rows = targets
            .targets
            .iter()
            .map(|t| TargetRow {
                target: t.clone(),
                check: cal.checks.iter().find(|c| c.id == t.id).cloned(),
            })
            .collect();
        CalibrationFile {
            generator: format!("stratex {VERSION}"),
            scenario,
            targets_file,
            targets_sha256: targets.sha256.clone(),
            seed,
            particles: cal.posterior.len(),
            method: METHOD,
            converged: cal.fit.stop == Stop::Reached,
            stop: cal.fit.stop,
            runs: cal.runs,
            importance_ess: cal.fit.importance_ess,
            distinct_particles: cal.fit.distinct(),
            tempering: cal.fit.tempering.clone(),
            target_epsilon: cal.fit.target_epsilon,
            generations: cal.fit.generations.clone(),
            targets: rows,
            calibrated: cal
                .params
                .iter()
                .zip(&targets.calibrated)
                .map(|(p, c)| ParamRow {
                    ruled_out: ruled_out(p, c),
                    summary: p.clone(),
                })
                .collect(),
            reproduce,
        }
    }

    /// The terminal tables: each target against the calibrated model, then each uncertainty.
    pub fn table(&self) -> String {
        let rows: Vec<Vec<String>> = self
            .targets
            .iter()
            .map(|r| {
                let t = &r.target;
                let observed = if t.at_most {
                    format!("<= {}", human(t.observed))
                } else {
                    human(t.observed)
                };
                let mut row = vec![clip(&t.name, 46), observed, human(t.sd)];
                match &r.check {
                    Some(c) => row.extend([
                        human(c.median),
                        format!("{} to {}", human(c.p5), human(c.p95)),
                        if c.inside { "yes" } else { "NO" }.to_string(),
                        sig3(c.implausibility),
                    ]),
                    None => row.extend(std::iter::repeat_n(String::new(), 4)),
                }
                row.push(t.unit.clone());
                row
            })
            .collect();
        let mut out = columns(
            &[
                "target",
                "observed",
                "sd",
                "model p50",
                "model 90% band",
                "inside",
                "implaus.",
                "unit",
            ],
            &rows,
        );
        out.push('\n');
        let params: Vec<Vec<String>> = self
            .calibrated
            .iter()
            .map(|p| {
                let s = &p.summary;
                vec![
                    clip(&s.name, 40),
                    range(s.prior_quantiles),
                    range(s.posterior_quantiles),
                    s.unit.clone(),
                ]
            })
            .collect();
        out.push_str(&columns(
            &[
                "calibrated uncertainty",
                "prior p5 / p50 / p95",
                "posterior p5 / p50 / p95",
                "unit",
            ],
            &params,
        ));
        out
    }
}

fn range(q: [f64; 3]) -> String {
    format!("{} / {} / {}", human(q[0]), human(q[1]), human(q[2]))
}

/// Which values of the prior the targets ruled out: those outside the posterior's 99% range,
/// where that range is narrower than the prior's own.
fn ruled_out(p: &ParamSummary, c: &Calibrated) -> String {
    let unit = if c.unit.is_empty() {
        String::new()
    } else {
        format!(" {}", c.unit)
    };
    let [lo, hi] = p.kept;
    let [plo, phi] = p.prior_kept;
    let span = (phi - plo).abs().max(f64::MIN_POSITIVE);
    let below = (lo - plo) / span > 0.02;
    let above = (phi - hi) / span > 0.02;
    match (below, above) {
        (true, true) => format!("values below {} and above {}{unit}", human(lo), human(hi)),
        (true, false) => format!("values below {}{unit}", human(lo)),
        (false, true) => format!("values above {}{unit}", human(hi)),
        (false, false) => "nothing: the targets do not narrow it".to_string(),
    }
}
