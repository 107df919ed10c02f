//! The compiled model: a scenario resolved into dense indices.
//!
//! [`compile::compile`] checks a parsed [`crate::scenario::Scenario`] and produces a [`Model`]
//! in which every reference is an index and every number a [`params::Slot`]. The engine never
//! sees a name: actors, goods, channels, lanes, relations, events and the rest are typed indices
//! ([`index`]) into the model's tables, and per actor-and-good quantities live in flat arrays
//! indexed by a [`Cell`] (`actor * goods + good`).

pub mod compile;
pub mod grid;
pub mod index;
pub mod params;

pub use compile::compile;
pub use index::{
    ActorId, AdjustId, CapId, Cell, ChannelId, EventId, FlowId, GoodId, HistoryId, Id, IdVec,
    LaneId, LinkId, MeasureId, NeedId, OfferId, RelationId, TallyId,
};
pub use params::{BinOp, Program, Setting, Slot};

use crate::scenario::format;
use serde::{Deserialize, Serialize};

/// A compiled scenario. Immutable and shared by all runs.
#[derive(Clone, Debug)]
pub struct Model {
    /// The mechanisms in force: all of them, except in `stratex explain`'s counterfactuals.
    pub pathways: Pathways,
    pub name: String,
    pub description: String,
    pub steps: usize,
    /// What one step is ("week").
    pub unit: String,
    /// Plural of `unit` ("weeks").
    pub plural: String,
    pub default_runs: u64,
    pub default_seed: u64,
    pub goods: IdVec<GoodId, GoodDef>,
    pub actors: IdVec<ActorId, ActorDef>,
    pub program: Program,
    /// Initial stocks, as `(cell, slot)`.
    pub stocks: Vec<(Cell, Slot)>,
    /// Production (service capacity) per step, as `(cell, slot)`.
    pub production: Vec<(Cell, Slot)>,
    /// Consumption per step, as `(cell, slot)`.
    pub consumption: Vec<(Cell, Slot)>,
    pub needs: IdVec<NeedId, NeedDef>,
    /// The need of each cell's actor for its good, if it has one.
    pub need_at: IdVec<Cell, Option<NeedId>>,
    pub offers: IdVec<OfferId, OfferDef>,
    pub channels: IdVec<ChannelId, ChannelDef>,
    /// One lane per (channel, good carried).
    pub lanes: IdVec<LaneId, LaneDef>,
    /// Trade flows grouped by pair of actors; each link strikes one bargain per step.
    pub links: IdVec<LinkId, LinkDef>,
    /// Aid flows, given before any bargaining, in declaration order.
    pub aids: Vec<FlowDef>,
    pub relations: IdVec<RelationId, RelationDef>,
    /// Events, decisions (each followed by its choices) and rules in file order, then the caps'
    /// enforcements.
    pub events: IdVec<EventId, EventDef>,
    /// Effects that change a parameter for a while.
    pub adjusts: IdVec<AdjustId, AdjustDef>,
    pub caps: IdVec<CapId, CapDef>,
    /// Measures whose recent values lags read, and how many steps back they reach.
    pub histories: IdVec<HistoryId, (MeasureId, usize)>,
    pub outcomes: Vec<OutcomeDef>,
    /// Arena of measure nodes; outcomes point at their root.
    pub measures: IdVec<MeasureId, MeasureNode>,
    /// The lanes each exposure tally watches: the tally counts the steps in which a shipment on
    /// one of them was seen ([`MeasureNode::Exposed`]).
    pub exposures: IdVec<TallyId, Vec<LaneId>>,
    pub uncertainties: Vec<UncertaintyDef>,
    /// Distributions written in place (not as named uncertainties): their path and slot.
    pub inline_draws: Vec<(String, Slot)>,
    /// For each uniform a run draws, the uncertainty or path it feeds.
    pub draw_names: Vec<String>,
    pub levers: Vec<LeverDef>,
    /// Things that are allowed but probably not meant.
    pub warnings: Vec<String>,
    /// The posterior the scenario names, as written (a path relative to the scenario file).
    pub posterior: Option<String>,
    /// The questions the scenario asks, in order.
    pub questions: Vec<QuestionDef>,
    /// The searches the scenario declares, at most one per decision maker.
    pub searches: Vec<SearchDef>,
}

/// What one decision maker wants from its levers: the outcomes to optimise and the bounds a
/// policy must meet (indices into [`Model::outcomes`]).
#[derive(Clone, Debug)]
pub struct SearchDef {
    pub owner: ActorId,
    pub question: String,
    /// Each objective's outcome and the value at or beyond which a run is satisfactory.
    pub objectives: Vec<(usize, Option<f64>)>,
    pub constraints: Vec<ConstraintDef>,
}

/// A bound on an outcome's mean over a search's ensemble.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ConstraintDef {
    pub outcome: usize,
    /// `true`: the mean must be at least `bound`; `false`: at most.
    pub at_least: bool,
    pub bound: f64,
}

/// A question the scenario asks: the outcomes that answer it and the levers whose comparison
/// answers its "what if", as indices.
#[derive(Clone, Debug)]
pub struct QuestionDef {
    pub id: String,
    pub text: String,
    pub outcomes: Vec<usize>,
    pub levers: Vec<usize>,
}

impl Model {
    /// The cell of actor `a` and good `g`.
    #[inline]
    pub fn cell(&self, a: ActorId, g: GoodId) -> Cell {
        Cell::new(a.index() * self.goods.len() + g.index())
    }

    /// The actor and the good of cell `c` (the inverse of [`Model::cell`]).
    pub fn cell_parts(&self, c: Cell) -> (ActorId, GoodId) {
        let ng = self.goods.len();
        (ActorId::new(c.index() / ng), GoodId::new(c.index() % ng))
    }

    /// Number of actor-and-good cells.
    pub fn cells(&self) -> usize {
        self.actors.len() * self.goods.len()
    }

    /// Every flow with its index ([`FlowId`]): each link's flows from `a` to `b`, then from `b`
    /// to `a`, link by link, then the aid flows.
    pub fn flows(&self) -> impl Iterator<Item = (FlowId, &FlowDef)> {
        self.links
            .iter()
            .flat_map(|l| l.ab.iter().chain(l.ba.iter()))
            .chain(self.aids.iter())
            .enumerate()
            .map(|(f, flow)| (FlowId::new(f), flow))
    }

    /// Number of flows, trade and aid.
    pub fn flow_count(&self) -> usize {
        self.trade_flow_count() + self.aids.len()
    }

    /// Number of trade flows: the first aid flow's index.
    pub fn trade_flow_count(&self) -> usize {
        self.links.iter().map(|l| l.ab.len() + l.ba.len()).sum()
    }

    /// The baseline setting: every lever at its baseline, nothing fixed.
    pub fn baseline(&self) -> Setting {
        Setting {
            levers: self.levers.iter().map(|l| l.baseline).collect(),
            fixed: vec![],
        }
    }

    /// Every lever's id with its value in `setting`, in the model's lever order.
    pub fn lever_values(&self, setting: &Setting) -> Vec<(String, f64)> {
        self.levers
            .iter()
            .zip(&setting.levers)
            .map(|(l, v)| (l.id.clone(), *v))
            .collect()
    }

    /// Names of the per-run drawn values reported in `runs.csv`: named uncertainties, then
    /// inline distributions by path.
    pub fn drawn_names(&self) -> Vec<String> {
        self.uncertainties
            .iter()
            .map(|u| u.id.clone())
            .chain(self.inline_draws.iter().map(|(p, _)| p.clone()))
            .collect()
    }

    /// Slots of the values named by [`Model::drawn_names`], in the same order.
    pub fn drawn_slots(&self) -> Vec<Slot> {
        self.uncertainties
            .iter()
            .map(|u| u.slot)
            .chain(self.inline_draws.iter().map(|(_, s)| *s))
            .collect()
    }

    /// Index of the lever or uncertainty named `id`.
    pub fn lookup_param(&self, id: &str) -> Option<ParamRef> {
        if let Some(i) = self.levers.iter().position(|l| l.id == id) {
            return Some(ParamRef::Lever(i));
        }
        self.uncertainties
            .iter()
            .position(|u| u.id == id)
            .map(ParamRef::Uncertainty)
    }
}

/// A request the model cannot honour: a lever or uncertainty that does not exist, a value out
/// of range, a number of runs out of bounds. One line per problem, each naming the flag; nothing
/// is run.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{}", .0.join("\n"))]
pub struct SettingError(pub Vec<String>);

/// A lever or an uncertainty, by index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamRef {
    Lever(usize),
    Uncertainty(usize),
}

/// How a good behaves (see the scenario format's `kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GoodKind {
    /// Stocked, shipped, can be seized.
    Material,
    /// Given each step from a capacity, never stocked or seized.
    Service,
    /// Stocked and transferred like a material; seizure means a freeze.
    Currency,
}

impl From<format::GoodKind> for GoodKind {
    fn from(k: format::GoodKind) -> Self {
        match k {
            format::GoodKind::Material => GoodKind::Material,
            format::GoodKind::Service => GoodKind::Service,
            format::GoodKind::Currency => GoodKind::Currency,
        }
    }
}

/// Which direction of an outcome is better, from the scenario's stated point of view. Written
/// `"higher"` or `"lower"` in result files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Better {
    Higher,
    Lower,
}

impl From<format::Better> for Better {
    fn from(b: format::Better) -> Self {
        match b {
            format::Better::Higher => Better::Higher,
            format::Better::Lower => Better::Lower,
        }
    }
}

#[derive(Clone, Debug)]
pub struct GoodDef {
    pub id: String,
    pub name: String,
    pub unit: String,
    pub kind: GoodKind,
    /// Reference value in US dollars per unit.
    pub value: Slot,
    /// Moves, is stocked and is counted in whole units.
    pub whole: bool,
}

impl GoodDef {
    /// Whether the good is held in stock (materials and currency).
    pub fn stocked(&self) -> bool {
        self.kind != GoodKind::Service
    }
}

#[derive(Clone, Debug)]
pub struct ActorDef {
    pub id: String,
    pub name: String,
    pub power: Slot,
}

/// Shape of a need's marginal value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum CurveDef {
    Linear,
    /// Exponent slot `k`: marginal value `v (1 - m)^(k - 1)`.
    Concave(Slot),
    Log,
}

#[derive(Clone, Debug)]
pub struct NeedDef {
    pub actor: ActorId,
    pub good: GoodId,
    pub cell: Cell,
    /// Quantity per step, or the stock target of a stock need.
    pub quantity: Slot,
    pub value: Slot,
    pub curve: CurveDef,
    /// A stock need: the good is valued by how far stock and what is on its way fall short of
    /// `quantity`.
    pub stock: bool,
}

#[derive(Clone, Debug)]
pub struct OfferDef {
    pub actor: ActorId,
    pub good: GoodId,
    pub cell: Cell,
    pub reserve: Slot,
    /// Most given per step, all partners together; `None`: no limit.
    pub max: Option<Slot>,
    pub cost: Slot,
    pub aid: bool,
}

#[derive(Clone, Debug)]
pub struct ChannelDef {
    pub id: String,
    pub from: ActorId,
    pub to: ActorId,
    pub detection: Slot,
    pub seizure: Slot,
    /// Value shipped at which a shipment is seen with chance `detection`; `None`: any shipment
    /// is seen with that chance.
    pub volume: Option<Slot>,
    /// Cost per unit of value shipped, to the giver.
    pub toll: Slot,
    pub watched_by: Vec<ActorId>,
}

#[derive(Clone, Debug)]
pub struct LaneDef {
    pub channel: ChannelId,
    pub good: GoodId,
    pub from: ActorId,
    pub to: ActorId,
    /// Cells (actor and good) of `from` and `to`, resolved at load time.
    pub from_cell: Cell,
    pub to_cell: Cell,
    /// Capacity per step; `None`: no limit.
    pub capacity: Option<Slot>,
    /// Materials and currency can be seized; services cannot.
    pub seizable: bool,
}

/// One good moving from a giver to a taker under one offer.
#[derive(Clone, Debug)]
pub struct FlowDef {
    pub giver: ActorId,
    pub taker: ActorId,
    pub good: GoodId,
    pub offer: OfferId,
    /// The giver's trust in the taker, if a relation is declared (else trust is 1).
    pub relation: Option<RelationId>,
    /// Lanes that can carry it (channels giver -> taker carrying the good).
    pub lanes: Vec<LaneId>,
    pub taker_need: NeedId,
    /// The giver's own need for the good, which makes giving costlier as it bites.
    pub giver_need: Option<NeedId>,
    /// Cells (actor and good) of the giver and the taker, resolved at load time.
    pub giver_cell: Cell,
    pub taker_cell: Cell,
    /// Whether the good is held in stock (materials, currency) rather than a service.
    pub stocked: bool,
}

/// A pair of actors that can trade, with the flows each way.
#[derive(Clone, Debug)]
pub struct LinkDef {
    pub a: ActorId,
    pub b: ActorId,
    /// Flows from `a` to `b`.
    pub ab: Vec<FlowDef>,
    /// Flows from `b` to `a`.
    pub ba: Vec<FlowDef>,
}

#[derive(Clone, Debug)]
pub struct RelationDef {
    pub from: ActorId,
    pub to: ActorId,
    pub trust: Slot,
    pub kept: Slot,
    pub seized: Slot,
    pub exposed: Slot,
    pub drift: Slot,
    /// Lanes from `to` to `from` (deliveries that count as kept promises).
    pub lanes_in: Vec<LaneId>,
    /// Lanes between the two either way (seizures and exposure).
    pub lanes_any: Vec<LaneId>,
}

/// A condition: a strict comparison of two measures, or whether an earlier event fired.
#[derive(Clone, Debug)]
pub enum ConditionDef {
    Above(MeasureId, MeasureId),
    Below(MeasureId, MeasureId),
    Fired(EventId),
    NotFired(EventId),
}

#[derive(Clone, Debug)]
pub enum EffectDef {
    Trust {
        relation: RelationId,
        add: Slot,
    },
    Stock {
        cell: Cell,
        add: Slot,
    },
    /// Starts (or restarts) an adjustment.
    Adjust(AdjustId),
}

/// How an event, decision, choice, rule or cap's enforcement is decided.
#[derive(Clone, Debug)]
pub enum EventKind {
    /// Fires by chance: the chance node, and a ramp (signal, full_at, to).
    Chance {
        chance: MeasureId,
        ramp: Option<(MeasureId, Slot, Slot)>,
    },
    /// Takes one of its choices by the logit rule: the noise, and each choice's event and value.
    Decision {
        noise: Slot,
        choices: Vec<(EventId, MeasureId)>,
    },
    /// One option of a decision, decided with it.
    Choice,
    /// Fires whenever its conditions hold and it is not waiting; its adjustments start `after`
    /// steps later.
    Rule { after: Slot },
    /// Enforces a cap: fires with `chance` in a step when the cap is over its limit.
    Cap { cap: CapId, chance: Slot },
}

#[derive(Clone, Debug)]
pub struct EventDef {
    pub id: String,
    pub name: String,
    pub kind: EventKind,
    pub conditions: Vec<ConditionDef>,
    pub once: bool,
    pub by: Option<ActorId>,
    pub effects: Vec<EffectDef>,
}

/// How an adjustment changes its parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdjustOp {
    Set,
    Add,
    Scale,
}

/// An effect that changes one parameter slot for a while (see `docs/model.md`).
#[derive(Clone, Debug)]
pub struct AdjustDef {
    /// The slot changed (a parameter before its range is enforced, a lever or an uncertainty).
    pub slot: Slot,
    pub op: AdjustOp,
    /// The value set, added or multiplied by.
    pub amount: MeasureId,
    /// Whether `amount` depends on the run's state (it is then read again every step).
    pub dynamic: bool,
    /// Duration in steps; `None`: the rest of the run.
    pub steps: Option<Slot>,
    /// Bounds the adjusted value keeps: the effect's own `min` and `max`, and the range of the
    /// parameter itself.
    pub min: Option<Slot>,
    pub max: Option<Slot>,
    pub range: (f64, f64),
}

/// A cap on what `cell`'s actor may receive of its good per period.
#[derive(Clone, Debug)]
pub struct CapDef {
    pub id: String,
    pub name: String,
    pub cell: Cell,
    pub limit: Slot,
    /// Steps per period.
    pub period: usize,
    /// Its enforcement, in [`Model::events`].
    pub event: EventId,
}

#[derive(Clone, Debug)]
pub struct OutcomeDef {
    pub id: String,
    pub name: String,
    pub unit: String,
    pub better: Better,
    pub scale: f64,
    pub root: MeasureId,
    /// The values the outcome can take (after scaling), if stated.
    pub range: Option<(f64, f64)>,
}

/// The mechanisms through which interdiction and exposure act, each of which can be switched
/// off to measure what passes through it (`stratex explain`). A switched-off mechanism works
/// as if nothing were ever seized or expected to be: see docs/model.md §3.3.16.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pathways {
    /// Seen shipments lose their channel's seizure share (off: nothing is seized).
    pub seizure: bool,
    /// A flow fills its lanes cheapest expected loss first (off: the loss term of the lane
    /// order is 0).
    pub diversion: bool,
    /// Bargains and aid price in the share expected to arrive (off: every lane is expected
    /// to deliver in full).
    pub valuation: bool,
    /// Trust moves with deliveries, seizures, exposure and drift (off: it stays where it
    /// started).
    pub trust: bool,
}

impl Pathways {
    /// Every mechanism in force.
    pub const ALL: Pathways = Pathways {
        seizure: true,
        diversion: true,
        valuation: true,
        trust: true,
    };

    /// The pathways' names, in a fixed order.
    pub const NAMES: [&'static str; 4] = ["seizure", "diversion", "valuation", "trust"];

    /// These pathways with pathway `i` (in [`Pathways::NAMES`] order) set to `on`.
    pub fn with(mut self, i: usize, on: bool) -> Pathways {
        match i {
            0 => self.seizure = on,
            1 => self.diversion = on,
            2 => self.valuation = on,
            _ => self.trust = on,
        }
        self
    }

    /// Every mechanism switched off.
    pub const NONE: Pathways = Pathways {
        seizure: false,
        diversion: false,
        valuation: false,
        trust: false,
    };
}

/// Which per-lane total a lane sum reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LaneStat {
    Sent,
    Delivered,
    Seized,
}

/// Which per-cell total a cell measure reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CellStat {
    Received,
    Consumed,
    Produced,
    Shortfall,
    Stock,
}

impl MeasureNode {
    /// A short name of the kind of measure ("delivered", "happened", "ratio", ...).
    pub fn kind(&self) -> &'static str {
        match self {
            MeasureNode::Lanes {
                stat: LaneStat::Sent,
                ..
            } => "sent",
            MeasureNode::Lanes {
                stat: LaneStat::Delivered,
                ..
            } => "delivered",
            MeasureNode::Lanes {
                stat: LaneStat::Seized,
                ..
            } => "seized",
            MeasureNode::Cell { stat, .. } => match stat {
                CellStat::Received => "received",
                CellStat::Consumed => "consumed",
                CellStat::Produced => "produced",
                CellStat::Shortfall => "shortfall",
                CellStat::Stock => "stock",
            },
            MeasureNode::NeedMet(_) => "need_met",
            MeasureNode::Trust(_) => "trust",
            MeasureNode::Count(_) => "count",
            MeasureNode::Happened(_) => "happened",
            MeasureNode::Value(_) => "value",
            MeasureNode::Gain(_) => "gain",
            MeasureNode::Exposed { .. } => "exposed",
            MeasureNode::Ratio(..) => "ratio",
            MeasureNode::Sum(_) => "sum",
            MeasureNode::Const(_) | MeasureNode::Slot(_) => "number",
            MeasureNode::Bin(..) => "arithmetic",
            MeasureNode::Lag { .. } => "lag",
            MeasureNode::ReceivedLast(_) => "received_last",
            MeasureNode::NeedMetLast(_) => "need_met_last",
            MeasureNode::Step => "step",
            MeasureNode::OverCap(_) => "over_cap",
            MeasureNode::Breaches(_) => "breaches",
            MeasureNode::Tolls(_) => "tolls",
        }
    }
}

/// A node of an outcome's measure.
#[derive(Clone, Debug)]
pub enum MeasureNode {
    Lanes {
        stat: LaneStat,
        lanes: Vec<LaneId>,
    },
    Cell {
        stat: CellStat,
        cell: Cell,
    },
    NeedMet(NeedId),
    Trust(RelationId),
    Count(EventId),
    Happened(EventId),
    /// Sum over lanes of delivered quantity times the good's value slot.
    Value(Vec<(LaneId, Slot)>),
    Gain(ActorId),
    /// Steps with a shipment seen on any of the lanes its tally watches
    /// ([`Model::exposures`]).
    Exposed {
        tally: TallyId,
    },
    Ratio(MeasureId, MeasureId),
    Sum(Vec<MeasureId>),
    /// A number.
    Const(f64),
    /// A parameter's value for the run.
    Slot(Slot),
    /// Arithmetic on two nodes (`Div` is [`MeasureNode::Ratio`]).
    Bin(BinOp, MeasureId, MeasureId),
    /// A node's value some steps back, from its history (the depth is the history's).
    Lag {
        history: HistoryId,
        steps: usize,
    },
    ReceivedLast(Cell),
    NeedMetLast(NeedId),
    Step,
    OverCap(CapId),
    Breaches(CapId),
    /// Tolls paid on the lanes.
    Tolls(Vec<LaneId>),
}

impl MeasureNode {
    /// Whether the node's value can change during a run (it reads the state, directly or
    /// through its children: `m` resolves children).
    pub fn dynamic(&self, m: &Model) -> bool {
        match self {
            MeasureNode::Const(_) | MeasureNode::Slot(_) => false,
            MeasureNode::Bin(_, a, b) | MeasureNode::Ratio(a, b) => {
                m.measures[*a].dynamic(m) || m.measures[*b].dynamic(m)
            }
            MeasureNode::Sum(parts) => parts.iter().any(|p| m.measures[*p].dynamic(m)),
            _ => true,
        }
    }
}

#[derive(Clone, Debug)]
pub struct UncertaintyDef {
    pub id: String,
    pub name: String,
    pub unit: String,
    pub slot: Slot,
    /// A short description of its distribution ("Triangular(min: 1, mode: 2, max: 3)").
    pub describe: String,
}

#[derive(Clone, Debug)]
pub struct LeverDef {
    pub id: String,
    pub name: String,
    pub unit: String,
    pub description: String,
    pub baseline: f64,
    pub values: Vec<f64>,
    /// The actor whose decision the lever is.
    pub owner: Option<ActorId>,
    /// Every value the lever may take, if the scenario states it (`range:`).
    pub range: Option<(f64, f64)>,
    /// Whole numbers only.
    pub integer: bool,
}

impl LeverDef {
    /// The values the lever may take: its `range` if stated, else the smallest and largest of
    /// its baseline and listed values.
    pub fn span(&self) -> (f64, f64) {
        if let Some(r) = self.range {
            return r;
        }
        self.values
            .iter()
            .fold((self.baseline, self.baseline), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            })
    }

    /// The baseline then each listed value not already given, in the scenario's order: the
    /// values of a lever without a range.
    pub fn listed(&self) -> Vec<f64> {
        let mut out = vec![self.baseline];
        for v in &self.values {
            if !out.contains(v) {
                out.push(*v);
            }
        }
        out
    }
}
