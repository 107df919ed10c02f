//! Inputs that span an empirical distribution instead of their priors: a calibrated posterior's
//! marginals, for designs that need independent inputs.

/// Maps a design's uniform `q` for some inputs to the `q`-quantile of a weighted sample of
/// uniforms for that input (its posterior marginal). Each input is mapped on its own, so any
/// correlation between them in the sample is not kept.
#[derive(Clone, Debug)]
pub struct Marginals {
    draws: Vec<usize>,
    /// Per mapped input: its sample's uniforms, sorted, with cumulative weights.
    sorted: Vec<Vec<(f64, f64)>>,
}

impl Marginals {
    /// Input `draws[c]` follows the weighted sample `samples[c]` of `(uniform, weight)` pairs.
    pub fn new(draws: Vec<usize>, samples: Vec<Vec<(f64, f64)>>) -> Marginals {
        let sorted = samples
            .into_iter()
            .map(|mut x| {
                x.sort_by(|a, b| a.0.total_cmp(&b.0));
                let mut acc = 0.0;
                for v in x.iter_mut() {
                    acc += v.1;
                    v.1 = acc;
                }
                x
            })
            .collect();
        Marginals { draws, sorted }
    }

    /// The smallest uniform of mapped input `c` whose cumulative weight reaches `q` of the
    /// total (`q` itself if its sample is empty).
    fn quantile(&self, c: usize, q: f64) -> f64 {
        let x = &self.sorted[c];
        let Some(total) = x.last().map(|v| v.1) else {
            return q;
        };
        let i = x.partition_point(|v| v.1 < q * total);
        x[i.min(x.len() - 1)].0
    }

    /// Replaces, in every row of `rows` (`d` uniforms each), each mapped input's uniform by its
    /// quantile.
    pub fn apply(&self, rows: &mut [f64], d: usize) {
        for row in rows.chunks_mut(d.max(1)) {
            for (c, &draw) in self.draws.iter().enumerate() {
                row[draw] = self.quantile(c, row[draw]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_uniform_becomes_the_samples_weighted_quantile() {
        let m = Marginals::new(vec![1], vec![vec![(0.9, 1.0), (0.2, 1.0), (0.5, 2.0)]]);
        // Sorted: 0.2 (cumulative 1), 0.5 (3), 0.9 (4), of 4.
        let mut rows = vec![0.1, 0.1, 0.3, 0.3, 0.7, 0.7, 0.9, 0.9];
        m.apply(&mut rows, 2);
        assert_eq!(rows, [0.1, 0.2, 0.3, 0.5, 0.7, 0.5, 0.9, 0.9]);
    }
}
