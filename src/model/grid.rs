//! Policy settings to compare: each option alone against the baseline, or a full factorial
//! grid, optionally restricted to one decision maker's levers.

use super::compile::check_setting;
use super::{ActorId, Model, Setting, SettingError};
use crate::scenario::error;

/// A setting with a label saying which levers differ from the comparison's baseline.
#[derive(Clone, Debug, PartialEq)]
pub struct Labeled {
    /// `baseline`, or the changed levers: `us_publicity=2 interdiction=0.25`.
    pub label: String,
    /// Every lever's value, in the model's lever order.
    pub levers: Vec<(String, f64)>,
    pub setting: Setting,
}

/// Which settings a comparison asks for.
#[derive(Clone, Copy, Debug)]
pub struct Ask<'a> {
    /// `--lever NAME=V1,V2,...`; empty: every lever's listed values.
    pub levers: &'a [(String, Vec<f64>)],
    /// The full factorial grid of `levers` instead of each value alone.
    pub grid: bool,
    /// Only this actor's levers (`--for ACTOR`).
    pub owner: Option<ActorId>,
}

/// `setting` labelled by the levers it changes from `base`.
fn labeled(model: &Model, base: &Setting, setting: Setting) -> Labeled {
    let changed: Vec<String> = model
        .levers
        .iter()
        .zip(setting.levers.iter().zip(&base.levers))
        .filter(|(_, (v, b))| v != b)
        .map(|(l, (v, _))| format!("{}={v}", l.id))
        .collect();
    Labeled {
        label: if changed.is_empty() {
            "baseline".into()
        } else {
            changed.join(" ")
        },
        levers: model.lever_values(&setting),
        setting,
    }
}

/// The settings `ask` names, `base` first (the comparison's baseline: the scenario's lever
/// baselines with any `--set` applied). Each other setting changes `base` by one lever value,
/// or by one combination of the grid. Duplicates are dropped, keeping the first. Errors name
/// unknown levers, levers given twice, levers of another actor than `ask.owner` and settings
/// that push a number out of its range.
pub fn settings(model: &Model, base: &Setting, ask: &Ask) -> Result<Vec<Labeled>, SettingError> {
    let axes = if ask.levers.is_empty() {
        Ok(listed_axes(model, ask.owner))
    } else {
        given_axes(model, ask)
    }?;
    let mut out = vec![labeled(model, base, base.clone())];
    let mut push = |s: Setting| {
        if !out.iter().any(|o| o.setting == s) {
            out.push(labeled(model, base, s));
        }
    };
    if ask.grid {
        let total: usize = axes.iter().map(|(_, v)| v.len()).product();
        for mut k in 0..total {
            let mut s = base.clone();
            for (i, values) in &axes {
                s.levers[*i] = values[k % values.len()];
                k /= values.len();
            }
            push(s);
        }
    } else {
        for (i, values) in &axes {
            for &v in values {
                let mut s = base.clone();
                s.levers[*i] = v;
                push(s);
            }
        }
    }
    let errors: Vec<String> = out
        .iter()
        .flat_map(|item| {
            check_setting(model, &item.setting)
                .into_iter()
                .map(move |e| format!("{}: {e}", item.label))
        })
        .collect();
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(SettingError(errors))
    }
}

/// Every lever (of `owner`, if given) with its listed values.
fn listed_axes(model: &Model, owner: Option<ActorId>) -> Vec<(usize, Vec<f64>)> {
    model
        .levers
        .iter()
        .enumerate()
        .filter(|(_, l)| owner.is_none() || l.owner == owner)
        .map(|(i, l)| (i, l.values.clone()))
        .collect()
}

/// The levers `ask.levers` names with their values, checked.
fn given_axes(model: &Model, ask: &Ask) -> Result<Vec<(usize, Vec<f64>)>, SettingError> {
    let mut errors = Vec::new();
    let known: Vec<&str> = model.levers.iter().map(|l| l.id.as_str()).collect();
    let mut axes: Vec<(usize, Vec<f64>)> = Vec::new();
    for (name, values) in ask.levers {
        match model.levers.iter().position(|l| &l.id == name) {
            None => errors.push(format!(
                "--lever {name}: {}",
                error::unknown("lever", name, &known)
            )),
            Some(_) if axes.iter().any(|(i, _)| model.levers[*i].id == *name) => errors.push(
                format!("--lever {name} is given twice; list all its values in one flag"),
            ),
            Some(i) if ask.owner.is_some() && model.levers[i].owner != ask.owner => {
                errors.push(not_owned(model, i, ask.owner))
            }
            Some(i) => axes.push((i, values.clone())),
        }
    }
    if errors.is_empty() {
        Ok(axes)
    } else {
        Err(SettingError(errors))
    }
}

/// The error for `--lever` naming lever `i` under `--for` another actor.
fn not_owned(model: &Model, i: usize, owner: Option<ActorId>) -> String {
    let l = &model.levers[i];
    let whose = l
        .owner
        .map_or("no actor's (it declares no owner)".to_string(), |a| {
            format!("{}'s", model.actors[a].id)
        });
    let actor = owner.map_or("", |a| model.actors[a].id.as_str());
    let theirs: Vec<&str> = model
        .levers
        .iter()
        .filter(|x| x.owner == owner)
        .map(|x| x.id.as_str())
        .collect();
    format!(
        "--lever {}: the lever is {whose}, not {actor}'s; --for {actor} compares only {actor}'s levers: {}",
        l.id,
        theirs.join(", ")
    )
}

/// The baseline, then each lever's listed values one at a time (others at baseline).
pub fn one_at_a_time(model: &Model) -> Vec<Labeled> {
    let ask = Ask {
        levers: &[],
        grid: false,
        owner: None,
    };
    settings(model, &model.baseline(), &ask).unwrap_or_default()
}
