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
    /// What may happen each step, in order: chance events, decisions and rules.
    #[serde(default)]
    pub events: Vec<EventItem>,
    /// Limits on what an actor may receive of a good in a period (a sanctions cap).
    #[serde(default)]
    pub caps: Vec<Cap>,
    /// Named parameters drawn once per run.
    #[serde(default)]
    pub uncertainties: Vec<Uncertainty>,
    /// Named policy knobs.
    #[serde(default)]
    pub levers: Vec<Lever>,
    /// What is measured, per run and per step.
    #[serde(default)]
    pub outcomes: Vec<Outcome>,
    /// The questions the scenario is built to answer, each from the outcomes it names.
    #[serde(default)]
    pub questions: Vec<Question>,
    /// The searches the scenario declares: one decision maker's objectives and constraints
    /// (`stratex search --for ACTOR` uses the one for that actor).
    #[serde(default)]
    pub searches: Vec<Search>,
    /// A posterior written by `stratex calibrate` (its `posterior.csv`), relative to the
    /// scenario file: every batch draws the calibrated uncertainties jointly from it unless
    /// told otherwise (`--posterior FILE`, `--prior`).
    #[serde(default)]
    pub posterior: Option<String>,
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
    /// Moves, is stocked and is counted in whole units only. Default false.
    #[serde(default)]
    pub whole: bool,
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
    /// Quantity per step that fully meets the need (a flow need). Give this or `stock`.
    #[serde(default)]
    pub quantity: Option<Num>,
    /// Stock the actor wants to hold (a stock need): the good is valued by how far the stock,
    /// with what is on its way, falls short of it. Give this or `quantity`.
    #[serde(default)]
    pub stock: Option<Num>,
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
    /// Value shipped (US dollars) at which a step's shipment is seen with chance `detection`; a
    /// shipment of value `V` is seen with chance `1 - (1 - detection)^(V / detection_volume)`.
    /// Default: any shipment is seen with chance `detection`, whatever its size.
    #[serde(default)]
    pub detection_volume: Option<Num>,
    /// Cost to the giver of shipping along the channel, per US dollar of the goods' reference
    /// value (sanctions, insurance, enforcement): 0.1 adds a tenth of a good's value to the cost
    /// of every unit sent. Default 0.
    #[serde(default)]
    pub toll: Option<Num>,
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

/// One item of the `events` list: processed in file order each step.
#[derive(Clone, Debug, Deserialize)]
pub enum EventItem {
    /// Happens by chance when its conditions hold (one uniform a step). Boxed: an event is
    /// far larger than the other items.
    Event(Box<Event>),
    /// An actor's choice among options, by their value to it plus noise (one uniform a step).
    Decision(Decision),
    /// A policy that responds: when its conditions hold, its effects start after a lag (no
    /// uniform).
    Rule(Rule),
}

/// `Event(id:, name:, chance:, ramp:, when:, once:, by:, effects:)`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    pub id: String,
    pub name: String,
    /// Probability per step that the event happens when its conditions hold: a number, or an
    /// expression over the state of the run (clamped to 0 to 1).
    pub chance: Measure,
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
    pub signal: Measure,
    pub full_at: Num,
    pub to: Num,
}

/// `Decision(id:, name:, by:, when:, once:, noise:, choices:)`: when its conditions hold, the
/// actor takes one of the choices, each with probability `exp(value / noise)` over the sum of
/// the same for all choices (a logit rule).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    pub id: String,
    pub name: String,
    /// The actor deciding.
    pub by: String,
    #[serde(default)]
    pub when: Vec<Condition>,
    #[serde(default)]
    pub once: bool,
    /// Scale of the unobserved part of each choice's value, in the values' unit; 0 takes the
    /// best choice for certain (the first listed on a tie). Default 1.
    #[serde(default)]
    pub noise: Option<Num>,
    pub choices: Vec<Choice>,
}

/// `Choice(id:, name:, value:, effects:)`: one option of a decision.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub id: String,
    pub name: String,
    /// What the choice is worth to the deciding actor now (US-dollar equivalents).
    pub value: Measure,
    #[serde(default)]
    pub effects: Vec<Effect>,
}

/// `Rule(id:, name:, by:, when:, after:, once:, effects:)`: when its conditions hold and it is
/// not already waiting, its effects start `after` steps later.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub by: Option<String>,
    #[serde(default)]
    pub when: Vec<Condition>,
    /// Steps between the signal and the response. Default 0 (the same step).
    #[serde(default)]
    pub after: Option<Num>,
    #[serde(default)]
    pub once: bool,
    #[serde(default)]
    pub effects: Vec<Effect>,
}

/// `Cap(id:, name:, actor:, good:, limit:, period:, enforcement:, effects:)`: what `actor` may
/// receive of `good` in each period of `period` steps. Receipts beyond it are counted; while over
/// the limit, each step the cap is enforced with chance `enforcement`, and its effects apply.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cap {
    pub id: String,
    pub name: String,
    pub actor: String,
    pub good: String,
    /// Most received per period.
    pub limit: Num,
    /// Steps per period. Default: the whole run.
    #[serde(default)]
    pub period: Option<u64>,
    /// Chance per step, while over the limit, that the cap is enforced. Default 0.
    #[serde(default)]
    pub enforcement: Option<Num>,
    #[serde(default)]
    pub by: Option<String>,
    #[serde(default)]
    pub effects: Vec<Effect>,
}

/// A condition on an event, decision or rule: a comparison of two expressions (strict), or
/// whether an earlier item fired this step.
#[derive(Clone, Debug, Deserialize)]
pub enum Condition {
    Above(Measure, Measure),
    Below(Measure, Measure),
    /// The named (earlier-declared) event, choice or rule fired this step.
    Fired(String),
    /// The named (earlier-declared) event, choice or rule did not fire this step.
    NotFired(String),
}

/// What an event, a decision's choice, a rule or a cap does. Changes to parameters last `steps`
/// steps (the step they start counts as the first; default: the rest of the run).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
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
    /// Sets a parameter to a value (the latest started wins).
    Set {
        target: Target,
        value: Measure,
        #[serde(default)]
        steps: Option<Num>,
    },
    /// Adds to a parameter, keeping the result at most `max` and at least `min`.
    Add {
        target: Target,
        value: Measure,
        #[serde(default)]
        steps: Option<Num>,
        #[serde(default)]
        min: Option<Num>,
        #[serde(default)]
        max: Option<Num>,
    },
    /// Multiplies a parameter, keeping the result at most `max` and at least `min`.
    Scale {
        target: Target,
        factor: Measure,
        #[serde(default)]
        steps: Option<Num>,
        #[serde(default)]
        min: Option<Num>,
        #[serde(default)]
        max: Option<Num>,
    },
    // The forms below scale one parameter: `Production(actor:, good:, factor:, steps:)` is
    // `Scale(target: Production(actor:, good:), factor:, steps:)`.
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

/// A parameter an effect can change.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Target {
    /// A lever or a named uncertainty: everything computed from it follows.
    Param(String),
    Production {
        actor: String,
        good: String,
    },
    Consumption {
        actor: String,
        good: String,
    },
    /// A need's quantity per step, or its stock target.
    Need {
        actor: String,
        good: String,
    },
    /// The worth of the first unit of a need.
    NeedValue {
        actor: String,
        good: String,
    },
    /// An offer's limit per step.
    Offer {
        actor: String,
        good: String,
    },
    Reserve {
        actor: String,
        good: String,
    },
    Cost {
        actor: String,
        good: String,
    },
    Power(String),
    Detection(String),
    Seizure(String),
    Toll(String),
    /// Every lane's capacity on the channel.
    Capacity(String),
    /// The trust one actor gains when the other keeps its word, and loses when exposed.
    Kept {
        from: String,
        to: String,
    },
    Exposed {
        from: String,
        to: String,
    },
    /// A cap's limit per period.
    Limit(String),
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
    /// The actor whose decision the lever is (its id). Comparisons and searches can take one
    /// decision maker's levers.
    #[serde(default)]
    pub owner: Option<String>,
    /// `(min, max)`: every value the lever may take, which a search explores. Without it a
    /// search tries only the baseline and the listed values.
    #[serde(default)]
    pub range: Option<(f64, f64)>,
    /// The lever takes whole numbers only (with `range`).
    #[serde(default)]
    pub integer: bool,
}

/// `Search(for:, question:, objectives: [...], constraints: [...])`: what one decision maker
/// wants from its levers, for `stratex search`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Search {
    /// The actor whose levers are searched.
    #[serde(rename = "for")]
    pub actor: String,
    /// The decision maker's question, in words.
    pub question: String,
    /// The outcomes to optimise, each in its `better` direction.
    pub objectives: Vec<Objective>,
    /// Conditions a policy must meet on average over the ensemble.
    #[serde(default)]
    pub constraints: Vec<Constraint>,
}

/// `Objective(outcome:, meets:)`: an outcome to optimise; `meets` is the value at or beyond
/// which (in the outcome's better direction) a run counts as satisfactory.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Objective {
    pub outcome: String,
    #[serde(default)]
    pub meets: Option<f64>,
}

/// `Constraint(outcome:, at_least:)` or `Constraint(outcome:, at_most:)`: a bound on an
/// outcome's mean over the ensemble.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Constraint {
    pub outcome: String,
    #[serde(default)]
    pub at_least: Option<f64>,
    #[serde(default)]
    pub at_most: Option<f64>,
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
    /// The values the outcome can take, `(min, max)` after scaling: a run outside them is a
    /// fault of the model (the invariant checks report it).
    #[serde(default)]
    pub range: Option<(f64, f64)>,
}

/// `Question(id:, text:, outcomes: [...], levers: [...])`: a question the scenario is built to
/// answer. Runs answer it from the outcomes named, with the assumptions that drive each; the
/// levers named are those whose comparison answers its "what if".
#[derive(Clone, Debug, Deserialize)]
#[serde(rename = "Question", deny_unknown_fields)]
pub struct Question {
    pub id: String,
    pub text: String,
    pub outcomes: Vec<String>,
    #[serde(default)]
    pub levers: Vec<String>,
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
#[serde(deny_unknown_fields)]
pub enum Measure {
    /// Quantity that arrived at `to` from `from` (after seizures), along every channel or only `channel`.
    Delivered {
        from: String,
        to: String,
        good: String,
        #[serde(default)]
        channel: Option<String>,
    },
    /// Quantity shipped from `from` to `to`, along every channel or only `channel`.
    Sent {
        from: String,
        to: String,
        good: String,
        #[serde(default)]
        channel: Option<String>,
    },
    /// Quantity seized on the way from `from` to `to`, along every channel or only `channel`.
    Seized {
        from: String,
        to: String,
        good: String,
        #[serde(default)]
        channel: Option<String>,
    },
    /// Quantity the actor received from anyone.
    Received {
        actor: String,
        good: String,
    },
    /// Quantity the actor consumed.
    Consumed {
        actor: String,
        good: String,
    },
    /// Quantity the actor produced.
    Produced {
        actor: String,
        good: String,
    },
    /// Consumption the actor wanted but had no stock for.
    Shortfall {
        actor: String,
        good: String,
    },
    /// Stock now.
    Stock {
        actor: String,
        good: String,
    },
    /// Share (0 to 1) of the need met so far: met quantity over needed quantity.
    NeedMet {
        actor: String,
        good: String,
    },
    /// Trust of `from` in `to` now.
    Trust {
        from: String,
        to: String,
    },
    /// Times the event happened.
    Count(String),
    /// 1 if the event happened at least once, else 0.
    Happened(String),
    /// Reference value (US dollars) of everything delivered from `from` to `to`.
    Value {
        from: String,
        to: String,
    },
    /// Reference value of everything the actor received.
    ValueReceived(String),
    /// The actor's gain from its bargains, in its own US-dollar-equivalent valuation.
    Gain(String),
    /// Steps in which a shipment between the two actors (either way) was seen.
    Exposed {
        from: String,
        to: String,
    },
    /// One measure divided by another (0 while the divisor is 0).
    Ratio(Box<Measure>, Box<Measure>),
    /// Sum of measures.
    Sum(Vec<Measure>),
    /// Arithmetic on two measures (`Div` is 0 while the divisor is 0).
    Add(Box<Measure>, Box<Measure>),
    Sub(Box<Measure>, Box<Measure>),
    Mul(Box<Measure>, Box<Measure>),
    Div(Box<Measure>, Box<Measure>),
    Min(Box<Measure>, Box<Measure>),
    Max(Box<Measure>, Box<Measure>),
    /// The measure's value `steps` steps before the latest completed step (its value at the
    /// start of the run before that).
    Lag(Box<Measure>, u32),
    /// What a cumulative measure added in the latest completed step: `m - Lag(m, 1)`.
    LastStep(Box<Measure>),
    /// `min(1, Lag(of, lag) / needed)`, at least 0: how far an accumulation has gone toward what
    /// is needed for its full effect (technology becoming capability after a lag).
    Progress {
        of: Box<Measure>,
        needed: Num,
        #[serde(default)]
        lag: u32,
    },
    /// Quantity the actor received in the latest completed step.
    ReceivedLast {
        actor: String,
        good: String,
    },
    /// Share (0 to 1) of the need met in the latest completed step.
    NeedMetLast {
        actor: String,
        good: String,
    },
    /// The step being decided (1 for the first), or the latest completed one in outcomes.
    Step,
    /// A lever's or uncertainty's value for the run.
    Param(String),
    /// Quantity received beyond a cap's limit, over all its periods.
    OverCap(String),
    /// Periods in which a cap's limit was exceeded.
    Breaches(String),
    /// Tolls paid on everything shipped from `from` to `to` (US dollars).
    Tolls {
        from: String,
        to: String,
    },
    /// A number.
    #[serde(untagged)]
    Number(f64),
}
