//! Ctrl-C: the first press asks the batch under way to stop after its current chunk, so what
//! finished is kept; a second press quits at once (leaving any earlier results untouched).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

/// Installs the handler and returns the flag it raises. Only the first call in a process
/// installs anything; later calls return a flag that is never raised.
pub fn stop_flag() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    let presses = AtomicU32::new(0);
    let raised = flag.clone();
    let installed = ctrlc::set_handler(move || {
        if presses.fetch_add(1, Ordering::SeqCst) == 0 {
            raised.store(true, Ordering::SeqCst);
            eprintln!(
                "\nstopping after the runs under way (Ctrl-C again to quit at once, keeping nothing of this batch)"
            );
        } else {
            std::process::exit(130);
        }
    });
    if installed.is_err() {
        // Without a handler Ctrl-C ends the process the usual way; earlier results are safe
        // because results are only ever moved into place complete.
        eprintln!("warning: cannot catch Ctrl-C here; an interrupted run will keep nothing");
    }
    flag
}
