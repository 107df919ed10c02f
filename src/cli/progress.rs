//! A progress bar on stderr, shown only when stderr is a terminal.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

pub struct Progress {
    enabled: bool,
    label: String,
    start: Instant,
    last: Option<Instant>,
}

impl Progress {
    /// A bar labelled `label`; silent unless stderr is a terminal and `quiet` is false.
    pub fn new(label: &str, quiet: bool) -> Progress {
        Progress {
            enabled: !quiet && std::io::stderr().is_terminal(),
            label: label.to_string(),
            start: Instant::now(),
            last: None,
        }
    }

    /// Redraws the bar (at most ten times a second).
    pub fn update(&mut self, done: u64, total: u64) {
        if !self.enabled {
            return;
        }
        let now = Instant::now();
        if done < total
            && self
                .last
                .is_some_and(|l| now - l < Duration::from_millis(100))
        {
            return;
        }
        self.last = Some(now);
        let frac = if total == 0 {
            1.0
        } else {
            done as f64 / total as f64
        };
        let filled = (frac * 30.0).round() as usize;
        let elapsed = self.start.elapsed().as_secs_f64();
        let eta = if done > 0 && done < total {
            format!(
                ", {:.0} s left",
                elapsed * (total - done) as f64 / done as f64
            )
        } else {
            String::new()
        };
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r\x1b[2K{} [{}{}] {:>3.0}% {}/{} runs{eta}",
            self.label,
            "#".repeat(filled),
            ".".repeat(30 - filled),
            frac * 100.0,
            stratex::number::exact_count(done),
            stratex::number::exact_count(total),
        );
        let _ = err.flush();
    }

    /// Clears the bar.
    pub fn finish(&mut self) {
        if self.enabled && self.last.is_some() {
            let _ = write!(std::io::stderr(), "\r\x1b[2K");
        }
    }
}
