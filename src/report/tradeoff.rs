//! What a comparison answers: the trade-off between the outcomes the options are meant to move
//! (`--target`) and those they may harm (`--cost`), the answer in one sentence, and the caveat
//! the robustness sweep found. Shared by the terminal, the briefing and the workbook.

use super::compare::{ComparisonFile, OutcomeComparison};
use crate::model::Better;
use crate::montecarlo::compare::Difference;
use crate::number::{change_phrase, change_range, human, in_points, phrase, sig3};

/// A change smaller than this share of the baseline mean's magnitude is not flagged, however
/// narrow its interval.
pub const DISPLAY_SHARE: f64 = 0.005;
/// For percentages: a change smaller than this many points is not flagged.
pub const DISPLAY_POINTS: f64 = 0.1;

/// The smallest change in `o` worth flagging (see [`DISPLAY_SHARE`], [`DISPLAY_POINTS`]).
pub fn display_threshold(o: &OutcomeComparison) -> f64 {
    if in_points(&o.unit) {
        DISPLAY_POINTS
    } else {
        DISPLAY_SHARE * o.results[0].stats.mean.abs()
    }
}

/// Whether a change is flagged: its paired 95% interval excludes 0 and it is at least the
/// display threshold.
pub fn notable(o: &OutcomeComparison, d: &Difference) -> bool {
    // One run has no interval to speak of (its width is 0): nothing is flagged.
    let runs = o.results[0].stats.n;
    let clear = d.ci95[0] > 0.0 || d.ci95[1] < 0.0;
    runs >= 2 && clear && d.mean.abs() >= display_threshold(o)
}

/// Whether a change is in `o`'s better direction.
pub fn improves(o: &OutcomeComparison, change: f64) -> bool {
    match o.better {
        Better::Higher => change > 0.0,
        Better::Lower => change < 0.0,
    }
}

/// The trade-off table: the options (every setting but the baseline) ranked by their change in
/// the first target, best first, with their changes in every target and cost.
pub struct TradeOff<'a> {
    /// Targets, then costs.
    pub outcomes: Vec<&'a OutcomeComparison>,
    pub targets: usize,
    /// Setting indices, best first.
    pub order: Vec<usize>,
}

impl ComparisonFile {
    /// The outcome with id `id`.
    pub fn outcome(&self, id: &str) -> Option<&OutcomeComparison> {
        self.outcomes.iter().find(|o| o.id == id)
    }

    /// The trade-off, if the comparison names a target.
    pub fn tradeoff(&self) -> Option<TradeOff<'_>> {
        let target = self.outcome(self.targets.first()?)?;
        let outcomes: Vec<&OutcomeComparison> = self
            .targets
            .iter()
            .chain(&self.costs)
            .filter_map(|id| self.outcome(id))
            .collect();
        let mut order: Vec<usize> = (1..self.settings.len()).collect();
        let change = |s: usize| target.results[s].difference.mean;
        order.sort_by(|&a, &b| match target.better {
            Better::Higher => change(b).total_cmp(&change(a)),
            Better::Lower => change(a).total_cmp(&change(b)),
        });
        Some(TradeOff {
            outcomes,
            targets: self.targets.len(),
            order,
        })
    }

    /// The question the comparison asks, in words.
    pub fn question(&self) -> Option<String> {
        let target = self.outcome(self.targets.first()?)?;
        let options: Vec<&str> = self.settings[1..]
            .iter()
            .map(|s| s.label.as_str())
            .collect();
        let whose = self
            .for_actor
            .as_ref()
            .map_or(String::new(), |a| format!("{a}'s "));
        let aim = match target.better {
            Better::Higher => "raises",
            Better::Lower => "cuts",
        };
        let costs: Vec<String> = self
            .costs
            .iter()
            .filter_map(|c| self.outcome(c))
            .map(|o| o.name.clone())
            .collect();
        let cost = if costs.is_empty() {
            String::new()
        } else {
            format!(", and at what cost to {}", costs.join(" and "))
        };
        Some(format!(
            "Which of {whose}options ({}) {aim} {} most{cost}?",
            options.join("; "),
            lower_first(&target.name)
        ))
    }

    /// The answer in one sentence: the best option for the first target, its change, and its
    /// changes in the costs.
    pub fn answer(&self) -> Option<String> {
        let t = self.tradeoff()?;
        let target = t.outcomes[0];
        let best = t.order[0];
        let d = &target.results[best].difference;
        let label = &self.settings[best].label;
        if !improves(target, d.mean) || !notable(target, d) {
            return Some(format!(
                "The top-ranked option is not a clear improvement in {}: {label} changes it by {} (95% CI {}).",
                lower_first(&target.name),
                change_phrase(d.mean, &target.unit),
                change_range(d.ci95[0], d.ci95[1], &target.unit)
            ));
        }
        let cost: String = t.outcomes[t.targets..]
            .iter()
            .map(|o| format!(" {}", cost_sentence(o, &o.results[best].difference)))
            .collect();
        let runner_up = t.order.get(1).map_or(String::new(), |&s| {
            let r = &target.results[s].difference;
            format!(
                "; next is {} ({})",
                self.settings[s].label,
                change_phrase(r.mean, &target.unit)
            )
        });
        Some(format!(
            "{label} does most: {} {} (95% CI {}){runner_up}.{cost}",
            target.name,
            change_phrase(d.mean, &target.unit),
            change_range(d.ci95[0], d.ci95[1], &target.unit)
        ))
    }

    /// What the robustness sweeps found, one sentence per swept uncertainty.
    pub fn caveats(&self) -> Vec<String> {
        self.robustness
            .iter()
            .map(|s| {
                let first = &s.points[0];
                let last = &s.points[s.points.len() - 1];
                let range = format!(
                    "{} from {} to {}",
                    lower_first(&s.name),
                    phrase(first.value, &s.unit),
                    phrase(last.value, &s.unit)
                );
                if s.flips.is_empty() {
                    return format!(
                        "Across {range} ({} values), {} stays the top-ranked option.",
                        s.points.len(),
                        s.best(first)
                    );
                }
                let flips: Vec<String> = s
                    .flips
                    .iter()
                    .map(|f| {
                        format!(
                            "{} does better below {} = {} and {} above it, to within ±{}",
                            f.below,
                            s.uncertainty,
                            sig3(f.threshold),
                            f.above,
                            human(0.5 * (f.bracket[1] - f.bracket[0]))
                        )
                    })
                    .collect();
                format!(
                    "The answer depends on {}: {} (swept {range}).",
                    lower_first(&s.name),
                    flips.join("; ")
                )
            })
            .collect()
    }
}

/// `name` with its first letter in lower case, for the middle of a sentence, unless its first
/// word is a proper name or an acronym ("Rounds delivered" → "rounds delivered"; "Russian
/// fire", "UN cap" unchanged).
fn lower_first(name: &str) -> String {
    let first = name.split_whitespace().next().unwrap_or("");
    let ordinary = first.chars().skip(1).all(char::is_lowercase) && !is_name(first);
    let mut c = name.chars();
    match c.next() {
        Some(f) if ordinary => f.to_lowercase().chain(c).collect(),
        _ => name.to_string(),
    }
}

/// Words that begin outcome names and stay capitalised mid-sentence: countries, peoples and
/// bodies.
fn is_name(word: &str) -> bool {
    let word = word.trim_end_matches("'s");
    [
        "North",
        "South",
        "Russia",
        "Russian",
        "China",
        "Chinese",
        "Security",
        "Panel",
        "Iran",
        "Iranian",
        "Ukraine",
        "Ukrainian",
        "Korean",
    ]
    .contains(&word)
}

/// What the best option does to a cost outcome, in one sentence.
fn cost_sentence(o: &OutcomeComparison, d: &Difference) -> String {
    let change = change_phrase(d.mean, &o.unit);
    let ci = change_range(d.ci95[0], d.ci95[1], &o.unit);
    if !notable(o, d) {
        let why = if d.ci95[0] <= 0.0 && d.ci95[1] >= 0.0 {
            "its 95% interval holds 0".to_string()
        } else {
            format!(
                "below the display threshold of {}",
                change_phrase(display_threshold(o), &o.unit).trim_start_matches('+')
            )
        };
        return format!("{} barely moves: {change} (95% CI {ci}; {why}).", o.name);
    }
    let verb = if improves(o, d.mean) {
        "improves"
    } else {
        "worsens"
    };
    format!("{} {verb}: {change} (95% CI {ci}).", o.name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::compare::SettingResult;
    use crate::stats::summary::Stats;

    fn outcome(unit: &str, base: f64, change: f64, ci: [f64; 2]) -> OutcomeComparison {
        let stats = |mean: f64| Stats {
            n: 100,
            mean,
            sd: 1.0,
            p5: mean,
            p25: mean,
            p50: mean,
            p75: mean,
            p95: mean,
            ci95: [mean, mean],
            min: mean,
            max: mean,
        };
        let result = |mean: f64, d: f64, ci: [f64; 2]| SettingResult {
            setting: String::new(),
            stats: stats(mean),
            difference: Difference {
                mean: d,
                ci95: ci,
                ci95_unpaired: ci,
                p_better: 0.5,
            },
            rank: 1,
        };
        OutcomeComparison {
            id: "o".into(),
            name: "O".into(),
            unit: unit.into(),
            better: Better::Higher,
            results: vec![
                result(base, 0.0, [0.0, 0.0]),
                result(base + change, change, ci),
            ],
        }
    }

    #[test]
    fn a_clear_but_tiny_change_is_not_flagged() {
        // The interval excludes 0, but the change is 0.04% of the mean: "+0.0%*" no more.
        let o = outcome("rounds", 1.0e6, 400.0, [300.0, 500.0]);
        assert!(!notable(&o, &o.results[1].difference));
        let o = outcome("rounds", 1.0e6, 6000.0, [5000.0, 7000.0]);
        assert!(notable(&o, &o.results[1].difference));
        // A percentage's threshold is in points: 0.05 points is below it, 0.2 is not.
        let o = outcome("%", 60.0, 0.05, [0.04, 0.06]);
        assert!(!notable(&o, &o.results[1].difference));
        let o = outcome("%", 60.0, 0.2, [0.1, 0.3]);
        assert!(notable(&o, &o.results[1].difference));
        // However large, a change whose interval holds 0 is not flagged.
        let o = outcome("rounds", 1.0e6, 9.0e4, [-1.0, 2.0e5]);
        assert!(!notable(&o, &o.results[1].difference));
    }
}
