//! Numbers in a scenario: a literal, a distribution drawn once per run, `Param("name")` (a lever
//! or uncertainty), or arithmetic (`Add`, `Sub`, `Mul`, `Div`, `Min`, `Max`) on numbers. The
//! forms and their allowed ranges are documented in `docs/scenario-format.md` ("Numbers").

use serde::Deserialize;

/// A number as written in a scenario file. See the module documentation.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum Num {
    /// A literal number.
    Value(f64),
    /// A distribution, reference or expression.
    Expr(Box<Expr>),
    /// Anything else; kept so that the error can name the field and say what was found, and so
    /// that every such mistake in a file is reported together.
    Invalid(ron::Value),
}

impl Num {
    /// The literal value, if this is a plain number.
    pub fn literal(&self) -> Option<f64> {
        match self {
            Num::Value(v) => Some(*v),
            _ => None,
        }
    }
}

impl From<f64> for Num {
    fn from(v: f64) -> Self {
        Num::Value(v)
    }
}

/// The non-literal forms of [`Num`].
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Expr {
    Uniform {
        min: Num,
        max: Num,
    },
    Normal {
        mean: Num,
        sd: Num,
    },
    LogNormal {
        median: Num,
        sigma: Num,
    },
    Triangular {
        min: Num,
        mode: Num,
        max: Num,
    },
    Pert {
        min: Num,
        mode: Num,
        max: Num,
    },
    Beta {
        alpha: Num,
        beta: Num,
        #[serde(default)]
        min: Option<Num>,
        #[serde(default)]
        max: Option<Num>,
    },
    Param(String),
    Add(Num, Num),
    Sub(Num, Num),
    Mul(Num, Num),
    Div(Num, Num),
    Min(Num, Num),
    Max(Num, Num),
}

/// Forms a number may take, for error messages.
pub const NUMBER_FORMS: &str = "a number (0.25, 1_000_000, 5e3), a distribution \
(Uniform(min:, max:), Normal(mean:, sd:), LogNormal(median:, sigma:), Triangular(min:, mode:, max:), \
Pert(min:, mode:, max:), Beta(alpha:, beta:)), a reference Param(\"name\"), or Add/Sub/Mul/Div/Min/Max(a, b)";

/// The fields each named form takes, used to explain a malformed number.
const FORMS: &[(&str, &[&str])] = &[
    ("Uniform", &["min", "max"]),
    ("Normal", &["mean", "sd"]),
    ("LogNormal", &["median", "sigma"]),
    ("Triangular", &["min", "mode", "max"]),
    ("Pert", &["min", "mode", "max"]),
    ("Beta", &["alpha", "beta", "min", "max"]),
];
const BINARY: &[&str] = &["Add", "Sub", "Mul", "Div", "Min", "Max"];

/// Explains why `value` is not a valid number, as specifically as the parsed shape allows.
pub fn explain_invalid(value: &ron::Value) -> String {
    use ron::Value as V;
    match value {
        V::String(s) => {
            let s = super::error::quoted(s);
            format!(
                "found the text {s} where a number is expected; to use a lever or uncertainty write Param({s})"
            )
        }
        V::Bool(b) => format!("found `{b}` where a number is expected"),
        V::Seq(_) => "found a list where a number is expected".to_string(),
        V::Unit => "found `()` where a number is expected".to_string(),
        V::Option(_) => "found an option (Some/None) where a number is expected".to_string(),
        V::Map(map) if map.len() == 1 => {
            let (key, inner) = map.iter().next().expect("one entry");
            let V::String(name) = key else {
                return format!("expected {NUMBER_FORMS}");
            };
            if let Some((_, fields)) = FORMS.iter().find(|(n, _)| n == name) {
                let given: Vec<String> = match inner {
                    V::Map(m) => m
                        .keys()
                        .filter_map(|k| match k {
                            V::String(s) => Some(s.clone()),
                            _ => None,
                        })
                        .collect(),
                    _ => vec![],
                };
                let unknown: Vec<&String> = given
                    .iter()
                    .filter(|g| !fields.contains(&g.as_str()))
                    .collect();
                let required: Vec<&str> = fields
                    .iter()
                    .copied()
                    .filter(|f| !(*name == "Beta" && (*f == "min" || *f == "max")))
                    .collect();
                let missing: Vec<&str> = required
                    .iter()
                    .copied()
                    .filter(|f| !given.iter().any(|g| g == f))
                    .collect();
                let mut msg = format!("{name}(...) takes {}", fields.join(", "));
                if !unknown.is_empty() {
                    let list: Vec<&str> = unknown.iter().map(|s| s.as_str()).collect();
                    msg.push_str(&format!("; unknown field {}", list.join(", ")));
                }
                if !missing.is_empty() {
                    msg.push_str(&format!("; missing {}", missing.join(", ")));
                }
                if unknown.is_empty() && missing.is_empty() {
                    msg.push_str("; one of its values is not a valid number");
                }
                msg
            } else if name == "Param" {
                "Param takes the name of a lever or uncertainty in quotes: Param(\"name\")"
                    .to_string()
            } else if BINARY.contains(&name.as_str()) {
                format!("{name} takes two numbers: {name}(a, b)")
            } else {
                let known: Vec<&str> = FORMS
                    .iter()
                    .map(|(n, _)| *n)
                    .chain(["Param"])
                    .chain(BINARY.iter().copied())
                    .collect();
                let hint = crate::scenario::error::closest(name, known.iter().copied())
                    .map(|c| format!("; did you mean {c}?"))
                    .unwrap_or_default();
                format!("unknown number form `{name}`{hint} Expected {NUMBER_FORMS}")
            }
        }
        _ => format!("expected {NUMBER_FORMS}"),
    }
}

impl std::fmt::Display for Num {
    /// Writes the number back in scenario syntax, for assumption tables and messages.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Num::Value(v) => write!(f, "{v}"),
            Num::Invalid(_) => write!(f, "(invalid)"),
            Num::Expr(e) => match e.as_ref() {
                Expr::Uniform { min, max } => write!(f, "Uniform(min: {min}, max: {max})"),
                Expr::Normal { mean, sd } => write!(f, "Normal(mean: {mean}, sd: {sd})"),
                Expr::LogNormal { median, sigma } => {
                    write!(f, "LogNormal(median: {median}, sigma: {sigma})")
                }
                Expr::Triangular { min, mode, max } => {
                    write!(f, "Triangular(min: {min}, mode: {mode}, max: {max})")
                }
                Expr::Pert { min, mode, max } => {
                    write!(f, "Pert(min: {min}, mode: {mode}, max: {max})")
                }
                Expr::Beta {
                    alpha,
                    beta,
                    min,
                    max,
                } => {
                    write!(f, "Beta(alpha: {alpha}, beta: {beta}")?;
                    if let Some(m) = min {
                        write!(f, ", min: {m}")?;
                    }
                    if let Some(m) = max {
                        write!(f, ", max: {m}")?;
                    }
                    write!(f, ")")
                }
                Expr::Param(p) => write!(f, "Param(\"{p}\")"),
                Expr::Add(a, b) => write!(f, "Add({a}, {b})"),
                Expr::Sub(a, b) => write!(f, "Sub({a}, {b})"),
                Expr::Mul(a, b) => write!(f, "Mul({a}, {b})"),
                Expr::Div(a, b) => write!(f, "Div({a}, {b})"),
                Expr::Min(a, b) => write!(f, "Min({a}, {b})"),
                Expr::Max(a, b) => write!(f, "Max({a}, {b})"),
            },
        }
    }
}
