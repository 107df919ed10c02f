//! The posterior: a weighted population of particles, kept whole, written to a file and drawn
//! from by any command.
//!
//! Each particle is one uniform per calibrated uncertainty (the value it takes is that uniform
//! through the uncertainty's quantile function), so correlations between calibrated uncertainties
//! are kept. A run drawing from the posterior draws all its uniforms from its own stream as
//! usual, then one more uniform picks a particle by weight, whose uniforms replace those of the
//! calibrated uncertainties. So run `r` of seed `s` draws the same particle in every command and
//! setting, and its other uncertainties are those of the same run without a posterior.

use super::abc::{self, Fit};
use super::targets::Calibrated;
use crate::engine::rng::{Streams, uniform};
use crate::model::{Model, Setting};
use crate::montecarlo::Design;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::path::Path;

/// A fitted posterior.
#[derive(Clone, Debug, PartialEq)]
pub struct Posterior {
    /// The calibrated uncertainties, in column order.
    pub ids: Vec<String>,
    /// Each one's prior as the scenario wrote it when the posterior was fitted.
    pub priors: Vec<String>,
    /// Particles (`n x k` uniforms) and their normalised weights.
    pub particles: Vec<f64>,
    pub weights: Vec<f64>,
    /// What it was fitted to and how well: one line per target of the calibration.
    pub fit: Vec<FitLine>,
}

/// One target of the calibration a posterior came from, as the posterior file records it: what
/// was observed, what the calibrated model gives, and whether the two agree.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FitLine {
    pub id: String,
    pub name: String,
    pub unit: String,
    /// The observation's 90% range (for a point with a standard deviation: ±1.645 sd; for an
    /// upper bound: the bound twice).
    pub observed: [f64; 2],
    /// Whether the observation is only an upper bound.
    #[serde(default)]
    pub at_most: bool,
    /// For a point observation, its value and standard deviation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub point: Option<[f64; 2]>,
    /// The calibrated model's 5th, 50th and 95th percentiles.
    pub model: [f64; 3],
    /// Whether the observed value lies inside the model's 90% band.
    pub inside: bool,
    /// "publisher, title, date".
    pub source: String,
}

/// Why a posterior file cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PosteriorError {
    /// The file cannot be read or is not a posterior written by stratex.
    #[error("{path}: {why}")]
    Unreadable { path: String, why: String },
    /// The scenario's uncertainties no longer match those the posterior was fitted to.
    #[error("{path}: {why}; calibrate again with `stratex calibrate`")]
    Mismatch { path: String, why: String },
}

impl Posterior {
    /// The posterior of a fit.
    pub fn of(fit: &Fit, calibrated: &[Calibrated]) -> Posterior {
        Posterior {
            ids: calibrated.iter().map(|c| c.id.clone()).collect(),
            priors: calibrated.iter().map(|c| c.prior.clone()).collect(),
            particles: fit.particles.clone(),
            weights: fit.weights.clone(),
            fit: vec![],
        }
    }

    /// Calibrated uncertainties and particles.
    pub fn k(&self) -> usize {
        self.ids.len()
    }

    pub fn len(&self) -> usize {
        self.weights.len()
    }

    pub fn is_empty(&self) -> bool {
        self.weights.is_empty()
    }

    /// Particle `i`'s uniforms.
    pub fn particle(&self, i: usize) -> &[f64] {
        &self.particles[i * self.k()..(i + 1) * self.k()]
    }

    /// Effective sample size of the weights.
    pub fn ess(&self) -> f64 {
        abc::ess(&self.weights)
    }

    /// The value each particle gives each calibrated uncertainty in `model` (at the baseline
    /// setting, other draws at their medians): `n x k`.
    pub fn values(&self, model: &Model, draws: &[usize]) -> Vec<f64> {
        let setting = model.baseline();
        let slots: Vec<usize> = self
            .ids
            .iter()
            .map(|id| {
                let u = model.uncertainties.iter().find(|u| &u.id == id);
                u.map_or(0, |u| u.slot as usize)
            })
            .collect();
        let mut u = vec![0.5; model.program.draws as usize];
        let mut p = vec![0.0; model.program.len()];
        let mut out = Vec::with_capacity(self.particles.len());
        for i in 0..self.len() {
            for (c, &d) in draws.iter().enumerate() {
                u[d] = self.particle(i)[c];
            }
            model.program.eval(&setting, &u, &mut p);
            out.extend(slots.iter().map(|&s| p[s]));
        }
        out
    }

    /// The file's text: a provenance line, one comment line per prior and per target fitted
    /// (`# fit ` and the line as JSON), then a CSV table of weights, values and uniforms.
    pub fn to_csv(&self, provenance: &str, values: &[f64]) -> String {
        let k = self.k();
        let mut s = format!("# {provenance}\n");
        for (id, prior) in self.ids.iter().zip(&self.priors) {
            let _ = writeln!(s, "# prior {id}: {prior}");
        }
        for line in &self.fit {
            let json = serde_json::to_string(line).unwrap_or_default();
            let _ = writeln!(s, "# fit {json}");
        }
        let mut header = vec!["particle".to_string(), "weight".to_string()];
        header.extend(self.ids.iter().cloned());
        header.extend(self.ids.iter().map(|id| format!("u:{id}")));
        let _ = writeln!(s, "{}", header.join(","));
        for i in 0..self.len() {
            let _ = write!(s, "{i},{}", self.weights[i]);
            for v in &values[i * k..(i + 1) * k] {
                let _ = write!(s, ",{v}");
            }
            for u in self.particle(i) {
                let _ = write!(s, ",{u}");
            }
            s.push('\n');
        }
        s
    }

    /// Reads a posterior from `bytes`, the text of the file `path` (named in messages) with its
    /// comment lines first, as the `#`-line layout writes it (a reader of the sidecar layout
    /// puts the sidecar's lines back before the table); also returns the SHA-256 of those
    /// bytes, which results record, so a posterior has one hash whichever layout it was
    /// written in.
    pub fn from_bytes(bytes: Vec<u8>, path: &Path) -> Result<(Posterior, String), PosteriorError> {
        let bad = |why: String| PosteriorError::Unreadable {
            path: path.display().to_string(),
            why,
        };
        if bytes.first() != Some(&b'#') {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            return Err(bad(format!(
                "it has no comment lines with its priors, and no {name}.provenance.txt beside it (a posterior written with --csv-provenance sidecar keeps them there); copy that file along with it"
            )));
        }
        let sha256 = crate::scenario::sha256_hex(&bytes);
        let text = String::from_utf8(bytes).map_err(|_| bad("not UTF-8 text".into()))?;
        Ok((parse(&text).map_err(bad)?, sha256))
    }

    /// Checks the posterior against `model`: every calibrated uncertainty exists, is one draw and
    /// has the prior it was fitted with. Returns each one's draw index.
    pub fn draws_in(&self, model: &Model, path: &Path) -> Result<Vec<usize>, PosteriorError> {
        let mismatch = |why: String| PosteriorError::Mismatch {
            path: path.display().to_string(),
            why,
        };
        let mut draws = Vec::new();
        for (id, prior) in self.ids.iter().zip(&self.priors) {
            let Some(u) = model.uncertainties.iter().find(|u| &u.id == id) else {
                return Err(mismatch(format!(
                    "it calibrates {id}, which the scenario no longer declares"
                )));
            };
            if &u.describe != prior {
                return Err(mismatch(format!(
                    "it was fitted with {id} ~ {prior}, but the scenario now says {}",
                    u.describe
                )));
            }
            let found: Vec<usize> = (0..model.draw_names.len())
                .filter(|&d| &model.draw_names[d] == id)
                .collect();
            match found.as_slice() {
                [d] => draws.push(*d),
                _ => return Err(mismatch(format!("{id} is no longer one draw"))),
            }
        }
        Ok(draws)
    }
}

/// Parses a posterior file's text.
fn parse(text: &str) -> Result<Posterior, String> {
    let mut priors = Vec::new();
    let mut fit = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.peek().copied().filter(|l| l.starts_with('#')) {
        if let Some(rest) = line.strip_prefix("# prior ") {
            let (_, prior) = rest
                .split_once(": ")
                .ok_or_else(|| format!("a prior line without its distribution: {line}"))?;
            priors.push(prior.to_string());
        } else if let Some(json) = line.strip_prefix("# fit ") {
            fit.push(
                serde_json::from_str(json)
                    .map_err(|e| format!("a damaged fit line ({e}): {line}"))?,
            );
        }
        lines.next();
    }
    let header: Vec<&str> = lines.next().ok_or("no table")?.split(',').collect();
    let k = priors.len();
    if header.len() != 2 + 2 * k || header[0] != "particle" || header[1] != "weight" {
        return Err("the table's columns are not particle, weight, the values and the uniforms of the calibrated uncertainties".into());
    }
    let ids: Vec<String> = header[2..2 + k].iter().map(|s| s.to_string()).collect();
    let (mut particles, mut weights) = (Vec::new(), Vec::new());
    for (n, line) in lines.enumerate() {
        let cells: Vec<&str> = line.split(',').collect();
        let num = |s: &str| s.parse::<f64>().ok().filter(|v| v.is_finite());
        if cells.len() != header.len() {
            return Err(format!(
                "row {} has {} cells, not {}",
                n + 1,
                cells.len(),
                header.len()
            ));
        }
        let w = num(cells[1]).filter(|w| *w >= 0.0);
        weights.push(
            w.ok_or_else(|| format!("row {}: the weight is not a number of 0 or more", n + 1))?,
        );
        for c in &cells[2 + k..] {
            let u = num(c).filter(|u| *u > 0.0 && *u < 1.0);
            particles
                .push(u.ok_or_else(|| format!("row {}: a uniform is not between 0 and 1", n + 1))?);
        }
    }
    let total: f64 = weights.iter().sum();
    if weights.is_empty() || total <= 0.0 {
        return Err("no particle has weight".into());
    }
    weights.iter_mut().for_each(|w| *w /= total);
    Ok(Posterior {
        ids,
        priors,
        particles,
        weights,
        fit,
    })
}

/// Runs drawing their calibrated uncertainties from a posterior (see the module docs); run `k`
/// uses run `k`'s streams.
pub struct Draws<'a> {
    posterior: &'a Posterior,
    draws: Vec<usize>,
    streams: Streams,
    cumulative: Vec<f64>,
}

impl<'a> Draws<'a> {
    /// Draws for master seed `seed`; `draws` are the calibrated uncertainties' draw indices.
    pub fn new(posterior: &'a Posterior, draws: Vec<usize>, seed: u64) -> Draws<'a> {
        let mut acc = 0.0;
        let cumulative = posterior
            .weights
            .iter()
            .map(|w| {
                acc += w;
                acc
            })
            .collect();
        Draws {
            posterior,
            draws,
            streams: Streams::new(seed),
            cumulative,
        }
    }

    /// Run `k`'s uniforms: its own, with the calibrated ones from a particle picked by weight.
    pub fn fill(&self, k: u64, u: &mut [f64]) {
        let mut r = self.streams.uncertainty(k);
        for v in u.iter_mut() {
            *v = uniform(&mut r);
        }
        let p = abc::pick(&self.cumulative, uniform(&mut r));
        for (c, &d) in self.draws.iter().enumerate() {
            u[d] = self.posterior.particle(p)[c];
        }
    }
}

impl Design for Draws<'_> {
    fn row(&self, k: u64, u: &mut [f64]) -> u64 {
        self.fill(k, u);
        k
    }
}

/// The posterior's marginal `q`-quantile of calibrated uncertainty `c`, as a uniform.
pub fn marginal_quantile(p: &Posterior, c: usize, q: f64) -> f64 {
    let x: Vec<f64> = (0..p.len()).map(|i| p.particle(i)[c]).collect();
    abc::weighted_quantile(&x, &p.weights, q)
}

/// A setting's value of each calibrated uncertainty at uniform `u` (others at their medians).
pub fn value_at(model: &Model, setting: &Setting, slot: usize, draw: usize, u: f64) -> f64 {
    let mut uu = vec![0.5; model.program.draws as usize];
    uu[draw] = u;
    let mut p = vec![0.0; model.program.len()];
    model.program.eval(setting, &uu, &mut p);
    p[slot]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_round_trips_and_refuses_damage() {
        let p = Posterior {
            ids: vec!["a".into(), "b".into()],
            priors: vec![
                "Uniform(min: 0, max: 1)".into(),
                "Beta(alpha: 2, beta: 3)".into(),
            ],
            particles: vec![0.25, 0.5, 0.125, 0.75],
            weights: vec![0.75, 0.25],
            fit: vec![FitLine {
                id: "t".into(),
                name: "A figure, with a comma".into(),
                unit: "%".into(),
                observed: [1.0, 2.5],
                at_most: false,
                point: None,
                model: [0.5, 1.5, 3.0],
                inside: true,
                source: "Publisher, \"Title\", 2024-01-02".into(),
            }],
        };
        let text = p.to_csv("stratex test", &[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(parse(&text).unwrap(), p);
        assert!(parse(&text.replace("0.125", "1.5")).is_err());
        assert!(parse(&text.replace("particle,weight", "particle,w")).is_err());
    }
}
