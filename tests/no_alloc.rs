//! A run allocates nothing after its runner is built: a counting global allocator proves it.
//!
//! This is its own test binary because the allocator is global to the binary.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use stratex::engine::Runner;
use stratex::engine::rng::Streams;

struct Counting;

thread_local! {
    /// Whether this thread's allocations are counted: only the test's own, not the harness's
    /// threads printing other tests' results at the same time.
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}
/// The counter is global: tests that use it take turns.
static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is passed on to the system allocator unchanged; counting has no effect on
// the memory handed out.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        }
        // SAFETY: the caller upholds `alloc`'s contract, which is passed on as is.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` through this allocator, with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        }
        // SAFETY: as for `dealloc`, and the caller upholds `realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn runs_allocate_nothing_after_set_up() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    for file in [
        "scenarios/nk_russia.ron",
        "scenarios/two_actor_barter.ron",
        "tests/data/golden.ron",
    ] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
        let src = stratex::scenario::load(&path).unwrap();
        let model = stratex::model::compile(&path, &src.scenario).unwrap();
        let setting = model.baseline();
        let streams = Streams::new(3);
        let mut runner = Runner::new(&model);
        let mut series = vec![0.0; runner.series_len()];
        let mut drawn = vec![0.0; model.drawn_names().len()];
        let mut lanes = vec![0.0; runner.lane_totals_len()];
        COUNTING.with(|c| c.set(true));
        for run in 0..200 {
            runner.run(&setting, &streams, run, &mut series, &mut drawn);
            runner.lane_totals(&mut lanes);
        }
        // Stepping by hand (the API the step benchmark uses) is the same loop.
        for run in 200..220 {
            let mut rng = runner.start(&setting, &streams, run, &mut series, &mut drawn);
            while runner.step(&mut rng, &mut series) {}
        }
        COUNTING.with(|c| c.set(false));
        let n = ALLOCATIONS.swap(0, Ordering::SeqCst);
        assert_eq!(n, 0, "{file}: {n} allocations in 220 runs");
    }
}

#[test]
fn the_counter_sees_allocations() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    COUNTING.with(|c| c.set(true));
    let v: Vec<u64> = std::hint::black_box(vec![7; 100]);
    COUNTING.with(|c| c.set(false));
    assert_eq!(v.len(), 100);
    assert!(ALLOCATIONS.swap(0, Ordering::SeqCst) >= 1);
}
