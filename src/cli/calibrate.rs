//! `stratex calibrate`: flags to a request, the library's result to the terminal.

use super::progress::Progress;
use super::{CalibrateArgs, Failure};
use stratex::batch::Loaded;
use stratex::batch::calibrate::{CalibrateRequest, calibrate as run_calibrate};
use stratex::number::{exact_count, human};

pub fn calibrate(args: &CalibrateArgs) -> Result<(), Failure> {
    let b = &args.batch;
    let loaded = Loaded::load(&b.scenario)?;
    super::warn(&loaded, b.output.quiet);
    let req = CalibrateRequest {
        targets: args.targets.clone(),
        particles: args.particles,
        max_runs: args.max_runs,
        seed: b.seed,
        threads: b.threads,
        out: b.output.out.clone(),
        brief: b.output.full_brief_only("calibrate")?,
        csv_provenance: b.output.csv_provenance.into(),
    };
    let mut bar = Progress::new("calibrating", b.output.quiet);
    let result = run_calibrate(&loaded, &req, &mut |d, n| bar.update(d, n));
    bar.finish();
    let done = result?;
    if b.output.quiet {
        return Ok(());
    }
    let f = &done.file;
    let rate = human(f.runs as f64 / done.elapsed.max(1e-9));
    say!(
        "{}: calibrated {} assumptions to {} figures; {} runs, {} generations and {} tempering steps, {} distinct particles, seed {}; {:.1} s ({rate} runs/s on {} threads)\n",
        loaded.model.name,
        f.calibrated.len(),
        f.targets.len(),
        exact_count(f.runs),
        f.generations.len(),
        f.tempering.len(),
        exact_count(f.distinct_particles as u64),
        f.seed,
        done.elapsed,
        done.threads,
    );
    if !f.converged {
        eprintln!(
            "warning: the sampler stopped ({:?}) before its final tolerance: the figures are hard to meet together; read the posterior as a rough fit",
            f.stop
        );
    }
    say_raw!("{}", f.table());
    say!(
        "\nwrote {}/: posterior.csv, calibration.json, run-info.json{}",
        done.out.display(),
        if b.output.brief() {
            ", briefing.html, charts/"
        } else {
            ""
        }
    );
    Ok(())
}
