//! Policy settings to compare: one lever at a time, or a full factorial grid.

use super::compile::check_setting;
use super::{Model, Setting, SettingError};
use crate::scenario::error;

/// A setting with a label saying which levers differ from their baselines.
#[derive(Clone, Debug, PartialEq)]
pub struct Labeled {
    /// `baseline`, or the changed levers: `us_publicity=2 interdiction=0.25`.
    pub label: String,
    /// Every lever's value, in the model's lever order.
    pub levers: Vec<(String, f64)>,
    pub setting: Setting,
}

fn labeled(model: &Model, setting: Setting) -> Labeled {
    let changed: Vec<String> = model
        .levers
        .iter()
        .zip(&setting.levers)
        .filter(|(l, v)| **v != l.baseline)
        .map(|(l, v)| format!("{}={v}", l.id))
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

/// The baseline, then each lever's listed values one at a time (others at baseline).
pub fn one_at_a_time(model: &Model) -> Vec<Labeled> {
    let base = model.baseline();
    let mut out = vec![labeled(model, base.clone())];
    for (i, l) in model.levers.iter().enumerate() {
        for &v in &l.values {
            if v == l.baseline {
                continue;
            }
            let mut s = base.clone();
            s.levers[i] = v;
            let item = labeled(model, s);
            if !out.iter().any(|o| o.setting == item.setting) {
                out.push(item);
            }
        }
    }
    out
}

/// The full factorial grid of the given levers' values (others at baseline), with the baseline
/// first whether or not the grid contains it. Errors name unknown levers and settings that push a
/// number out of its range.
pub fn factorial(
    model: &Model,
    levers: &[(String, Vec<f64>)],
) -> Result<Vec<Labeled>, SettingError> {
    let mut errors = Vec::new();
    let known: Vec<&str> = model.levers.iter().map(|l| l.id.as_str()).collect();
    let mut axes: Vec<(usize, Vec<f64>)> = Vec::new();
    for (name, values) in levers {
        match model.levers.iter().position(|l| &l.id == name) {
            None => errors.push(format!(
                "--lever {name}: {}",
                error::unknown("lever", name, &known)
            )),
            Some(_) if axes.iter().any(|(i, _)| model.levers[*i].id == *name) => errors.push(
                format!("--lever {name} is given twice; list all its values in one flag"),
            ),
            Some(i) => axes.push((i, values.clone())),
        }
    }
    if !errors.is_empty() {
        return Err(SettingError(errors));
    }
    let base = model.baseline();
    let mut out = vec![labeled(model, base.clone())];
    let total: usize = axes.iter().map(|(_, v)| v.len()).product();
    for mut k in 0..total {
        let mut s = base.clone();
        for (i, values) in &axes {
            s.levers[*i] = values[k % values.len()];
            k /= values.len();
        }
        let item = labeled(model, s);
        if !out.iter().any(|o| o.setting == item.setting) {
            out.push(item);
        }
    }
    for item in &out {
        for e in check_setting(model, &item.setting) {
            errors.push(format!("{}: {e}", item.label));
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(SettingError(errors))
    }
}
