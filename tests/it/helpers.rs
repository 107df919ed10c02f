//! Shared helpers: scratch folders, running the CLI, loading scenarios.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use stratex::model::Model;

/// A scratch folder removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(tag: &str) -> Scratch {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "stratex-test-{}-{tag}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create scratch folder");
        Scratch(dir)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// Writes a file into the folder and returns its path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, text).expect("write scratch file");
        p
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The repository root (where the scenarios are).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the `stratex` binary from the repository root.
pub fn stratex(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stratex"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run stratex")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Loads and compiles a scenario file, panicking with the error text if it fails.
pub fn model(path: &Path) -> Model {
    let src = stratex::scenario::load(path).unwrap_or_else(|e| panic!("{e}"));
    stratex::model::compile(path, &src.scenario).unwrap_or_else(|e| panic!("{e}"))
}

/// Compiles scenario text; `Err` carries the rendered error.
pub fn compile_text(text: &str) -> Result<Model, stratex::scenario::ScenarioError> {
    let path = Path::new("test.ron");
    let sc = stratex::scenario::parse(path, text)?;
    stratex::model::compile(path, &sc)
}
