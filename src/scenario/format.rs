//! The scenario file format (RON), as read from disk before any checking.
//!
//! These types mirror the file one to one; the model's compiler (`model::compile()`) checks
//! them and turns them into the dense model the engine runs. The format reference, with every
//! field's default, allowed range and examples, is `docs/scenario-format.md`; the docs here are
//! one line a field. Numbers are [`Num`].

use super::num::Num;
use super::table::Table;
use serde::Deserialize;

/// A whole scenario file: `Scenario( ... )`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Display name, used in titles.
    pub name: String,
    /// The question the scenario answers, in a sentence or two.
    #[serde(default)]
    pub description: String,
    /// Length and unit of the simulated time.
    pub time: Time,
    /// Default number of Monte Carlo runs (`--runs` overrides).
    #[serde(default = "default_runs")]
    pub runs: u64,
    /// Default master seed (`--seed` overrides).
    #[serde(default)]
    pub seed: u64,
    /// Everything that can be held, given or needed.
    pub goods: Vec<Good>,
    /// The exchange agents.
    pub actors: Vec<Actor>,
    /// Routes along which goods move.
    #[serde(default)]
    pub channels: Vec<Channel>,
    /// Trust between pairs of actors, and how it moves.
    #[serde(default)]
    pub relations: Vec<Relation>,
    /// Stochastic events and their effects.
    #[serde(default)]
    pub events: Vec<Event>,
    /// Named parameters drawn once per run.
    #[serde(default)]
    pub uncertainties: Vec<Uncertainty>,
    /// Named policy knobs.
    #[serde(default)]
    pub levers: Vec<Lever>,
    /// What is measured, per run and per step.
    #[serde(default)]
    pub outcomes: Vec<Outcome>,
}

fn default_runs() -> u64 {
    10_000
}

/// `Time(steps: 52, unit: "week")`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Time {
    /// Number of steps in a run.
    pub steps: u64,
    /// What one step is, singular ("week").
    pub unit: String,
    /// Plural of `unit` when it is not `unit` + "s".
    #[serde(default)]
    pub plural: Option<String>,
}

/// `Good(id:, name:, unit:, kind:, value:)`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Good {
    pub id: String,
    pub name: String,
    /// Unit of one quantity ("rounds", "tonnes", "USD").
    pub unit: String,
    pub kind: GoodKind,
    /// Reference price of one unit in US dollars (value outcomes, default offer cost). Default 0.
    #[serde(default)]
    pub value: Option<Num>,
}

/// How a good behaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum GoodKind {
    /// Stocked, shipped, can be seized.
    Material,
    /// Given each step from a capacity (the actor's production), never stocked or seized.
    Service,
    /// Stocked and transferred like a material; seizure means a freeze.
    Currency,
}

/// `Actor(id:, name:, stocks:, production:, consumption:, needs:, offers:, power:)`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Actor {
    pub id: String,
    pub name: String,
    /// Bargaining power. Default 1.
    #[serde(default)]
    pub power: Option<Num>,
    /// Initial stocks of materials and currency: `{ "shells": 5e6 }`.
    #[serde(default)]
    pub stocks: Table<Num>,
    /// Output per step; for a service, the capacity per step.
    #[serde(default)]
    pub production: Table<Num>,
    /// Use per step, drawn from stock (materials and currency only).
    #[serde(default)]
    pub consumption: Table<Num>,
    #[serde(default)]
    pub needs: Vec<Need>,
    #[serde(default)]
    pub offers: Vec<Offer>,
}

/// `Need(good:, quantity:, value:, curve:)`: what the actor wants per step and what it is worth.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Need {
    pub good: String,
    /// Quantity per step that fully meets the need.
    pub quantity: Num,
    /// Worth of the first unit when none of the need is met (US-dollar equivalents).
    pub value: Num,
    /// How the value of one more unit falls as the need is met. Default `Concave(2)`.
    #[serde(default)]
    pub curve: Option<Curve>,
}

/// Marginal value of a need as a function of the share met, `m`.
#[derive(Clone, Debug, Deserialize)]
pub enum Curve {
    /// Full value until the need is met, then nothing.
    Linear,
    /// `value * (1 - m)^(k - 1)`, nothing once met.
    Concave(Num),
    /// `value / (1 + m)`: never zero.
    Log,
}

/// `Offer(good:, reserve:, max_per_step:, to:, cost:, terms:)`: what the actor can spare.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Offer {
    pub good: String,
    /// Stock the actor never goes below (materials and currency). Default 0.
    #[serde(default)]
    pub reserve: Option<Num>,
    /// Most it gives per step, to all partners together. Default: no limit.
    #[serde(default)]
    pub max_per_step: Option<Num>,
    /// Partners it will give to. Default: any actor a channel reaches.
    #[serde(default)]
    pub to: Vec<String>,
    /// Cost of giving one unit, besides its own need for it. Default: the good's `value`.
    #[serde(default)]
    pub cost: Option<Num>,
    /// `Trade` (default): in bargains only. `Aid`: given unasked, before bargaining.
    #[serde(default)]
    pub terms: Option<Terms>,
}

/// Terms on which an offer is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum Terms {
    Trade,
    Aid,
}

/// `Channel(id:, from:, to:, goods:, capacity:, detection:, seizure:, watched_by:)`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Channel {
    pub id: String,
    pub from: String,
    pub to: String,
    /// Goods the channel carries.
    pub goods: Vec<String>,
    /// Most of each good it carries per step; unlisted goods: no limit.
    #[serde(default)]
    pub capacity: Table<Num>,
    /// Probability that a step's shipment of a good is seen. Default 0.
    #[serde(default)]
    pub detection: Option<Num>,
    /// Share of a seen shipment of a material or currency that is seized. Default 0.
    #[serde(default)]
    pub seizure: Option<Num>,
    /// Actors watching the channel (documentation; shown by `validate`).
    #[serde(default)]
    pub watched_by: Vec<String>,
}

/// `Relation(from:, to:, trust:, kept:, seized:, exposed:, drift:)`: `from`'s trust in `to`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Relation {
    pub from: String,
    pub to: String,
    /// Initial trust, 0 to 1.
    pub trust: Num,
    /// Share of the gap to full trust gained in a step `to` delivered to `from`. Default 0.
    #[serde(default)]
    pub kept: Option<Num>,
    /// Share of trust lost in a step a whole shipment between the two was seized. Default 0.
    #[serde(default)]
    pub seized: Option<Num>,
    /// Share of trust lost in a step a shipment between the two was seen. Default 0.
    #[serde(default)]
    pub exposed: Option<Num>,
    /// Share of the gap to the initial trust closed each step. Default 0.
    #[serde(default)]
    pub drift: Option<Num>,
}

/// `Event(id:, name:, chance:, ramp:, when:, once:, by:, effects:)`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    pub id: String,
    pub name: String,
    /// Probability per step that the event happens when its conditions hold.
    pub chance: Num,
    /// Makes the probability move with the state of the world.
    #[serde(default)]
    pub ramp: Option<Ramp>,
    /// Conditions that must all hold.
    #[serde(default)]
    pub when: Vec<Condition>,
    /// Whether the event can happen at most once per run.
    #[serde(default)]
    pub once: bool,
    /// Actor behind the event (documentation).
    #[serde(default)]
    pub by: Option<String>,
    #[serde(default)]
    pub effects: Vec<Effect>,
}

/// `Ramp(signal:, full_at:, to:)`: the chance moves toward `to` as the signal nears `full_at`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ramp {
    pub signal: Signal,
    pub full_at: Num,
    pub to: Num,
}

/// A reading of the state of a run, for conditions and ramps.
#[derive(Clone, Debug, Deserialize)]
pub enum Signal {
    /// Cumulative quantity the actor has received (after seizures).
    Received { actor: String, good: String },
    /// Quantity received in the previous step.
    ReceivedLast { actor: String, good: String },
    /// Current stock.
    Stock { actor: String, good: String },
    /// Current trust of `from` in `to` (needs a relation).
    Trust { from: String, to: String },
    /// Share of the need met in the previous step (0 to 1).
    NeedMet { actor: String, good: String },
    /// Times the event has happened so far.
    Count(String),
    /// The current step, from 1.
    Step,
}

/// A condition on an event.
#[derive(Clone, Debug, Deserialize)]
pub enum Condition {
    Above(Signal, Num),
    Below(Signal, Num),
    /// The named (earlier-declared) event happened this step.
    Fired(String),
    /// The named (earlier-declared) event did not happen this step.
    NotFired(String),
}

/// What an event does; a factor multiplies a parameter for `steps` steps (default: the rest).
#[derive(Clone, Debug, Deserialize)]
pub enum Effect {
    Trust {
        from: String,
        to: String,
        add: Num,
    },
    Stock {
        actor: String,
        good: String,
        add: Num,
    },
    Production {
        actor: String,
        good: String,
        factor: Num,
        #[serde(default)]
        steps: Option<Num>,
    },
    Consumption {
        actor: String,
        good: String,
        factor: Num,
        #[serde(default)]
        steps: Option<Num>,
    },
    Need {
        actor: String,
        good: String,
        factor: Num,
        #[serde(default)]
        steps: Option<Num>,
    },
    Offer {
        actor: String,
        good: String,
        factor: Num,
        #[serde(default)]
        steps: Option<Num>,
    },
    Detection {
        channel: String,
        factor: Num,
        #[serde(default)]
        steps: Option<Num>,
    },
    Seizure {
        channel: String,
        factor: Num,
        #[serde(default)]
        steps: Option<Num>,
    },
    Capacity {
        channel: String,
        factor: Num,
        #[serde(default)]
        steps: Option<Num>,
    },
}

/// `Uncertainty(id:, name:, unit:, dist:)`: a parameter drawn once per run.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Uncertainty {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub unit: String,
    pub dist: Num,
}

/// `Lever(id:, name:, unit:, baseline:, values:, description:)`: a policy knob.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lever {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub description: String,
    pub baseline: f64,
    /// Settings an analyst would compare against the baseline.
    #[serde(default)]
    pub values: Vec<f64>,
}

/// `Outcome(id:, name:, unit:, better:, measure:, scale:)`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outcome {
    pub id: String,
    pub name: String,
    pub unit: String,
    pub better: Better,
    pub measure: Measure,
    /// Multiplies the measure (100 turns a share into percent). Default 1.
    #[serde(default)]
    pub scale: Option<f64>,
}

/// Which direction of an outcome is better, from the scenario's stated point of view.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum Better {
    #[serde(alias = "higher")]
    Higher,
    #[serde(alias = "lower")]
    Lower,
}

/// What an outcome measures. Flows are cumulative from the start of the run; levels are current.
#[derive(Clone, Debug, Deserialize)]
pub enum Measure {
    /// Quantity that arrived at `to` from `from` (after seizures).
    Delivered {
        from: String,
        to: String,
        good: String,
    },
    /// Quantity shipped from `from` to `to`.
    Sent {
        from: String,
        to: String,
        good: String,
    },
    /// Quantity seized on the way from `from` to `to`.
    Seized {
        from: String,
        to: String,
        good: String,
    },
    /// Quantity the actor received from anyone.
    Received { actor: String, good: String },
    /// Quantity the actor consumed.
    Consumed { actor: String, good: String },
    /// Quantity the actor produced.
    Produced { actor: String, good: String },
    /// Consumption the actor wanted but had no stock for.
    Shortfall { actor: String, good: String },
    /// Stock now.
    Stock { actor: String, good: String },
    /// Share (0 to 1) of the need met so far: met quantity over needed quantity.
    NeedMet { actor: String, good: String },
    /// Trust of `from` in `to` now.
    Trust { from: String, to: String },
    /// Times the event happened.
    Count(String),
    /// 1 if the event happened at least once, else 0.
    Happened(String),
    /// Reference value (US dollars) of everything delivered from `from` to `to`.
    Value { from: String, to: String },
    /// Reference value of everything the actor received.
    ValueReceived(String),
    /// The actor's gain from its bargains, in its own US-dollar-equivalent valuation.
    Gain(String),
    /// Steps in which a shipment between the two actors (either way) was seen.
    Exposed { from: String, to: String },
    /// One measure divided by another (0 while the divisor is 0).
    Ratio(Box<Measure>, Box<Measure>),
    /// Sum of measures.
    Sum(Vec<Measure>),
}
