//! The command lines recorded in results: how to reproduce a result, or continue a stopped one.
//!
//! Every command line stratex writes (in `summary.json`, the CSV headers, `part.json`, the
//! briefings, and the message after a stop) is built here, one way: `stratex <command> <file>`
//! followed by flags in a fixed order, each value quoted for a POSIX shell when it needs it.

/// A `stratex` command line under construction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    words: Vec<String>,
}

impl Command {
    /// `stratex <command> <file>`.
    pub fn new(command: &str, file: &str) -> Command {
        Command {
            words: vec![format!("stratex {command}"), shell_word(file)],
        }
    }

    /// Appends `--flag value`.
    pub fn flag(mut self, flag: &str, value: impl std::fmt::Display) -> Command {
        self.words
            .push(format!("{flag} {}", shell_word(&value.to_string())));
        self
    }

    /// Appends `--flag value` if there is a value.
    pub fn flag_if(self, flag: &str, value: Option<impl std::fmt::Display>) -> Command {
        match value {
            Some(v) => self.flag(flag, v),
            None => self,
        }
    }

    /// Appends `--set name=value` for each override, in order.
    pub fn sets(self, sets: &[(String, f64)]) -> Command {
        sets.iter()
            .fold(self, |c, (k, v)| c.flag("--set", format!("{k}={v}")))
    }

    /// Appends `--lever name=v1,v2,...` for each lever grid, in order.
    pub fn levers(self, levers: &[(String, Vec<f64>)]) -> Command {
        levers.iter().fold(self, |c, (name, values)| {
            let v: Vec<String> = values.iter().map(|x| x.to_string()).collect();
            c.flag("--lever", format!("{name}={}", v.join(",")))
        })
    }

    /// Appends a bare flag (`--resume`).
    pub fn switch(mut self, flag: &str) -> Command {
        self.words.push(flag.to_string());
        self
    }

    /// Appends `flag` when `on`.
    pub fn switch_if(self, flag: &str, on: bool) -> Command {
        if on { self.switch(flag) } else { self }
    }

    /// The command line.
    pub fn text(&self) -> String {
        self.words.join(" ")
    }
}

impl std::fmt::Display for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text())
    }
}

/// Quotes a word for a POSIX shell command line when it needs it.
pub fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+:=,".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_built_one_way_and_quoted_for_a_shell() {
        let c = Command::new("run", "scenarios/nk russia.ron")
            .flag("--runs", 100)
            .flag("--seed", 7)
            .sets(&[("us_publicity".into(), 2.0)]);
        assert_eq!(
            c.text(),
            "stratex run 'scenarios/nk russia.ron' --runs 100 --seed 7 --set us_publicity=2"
        );
        let c = Command::new("explore", "a.ron")
            .flag_if("--where", Some("x > 3"))
            .levers(&[("l".into(), vec![0.0, 0.5])])
            .switch("--resume");
        assert_eq!(
            c.text(),
            "stratex explore a.ron --where 'x > 3' --lever l=0,0.5 --resume"
        );
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word(""), "''");
    }
}
