// SPDX-License-Identifier: GPL-2.0

//! rtrace_sample_counter: a probe module that counts the sample subsystem's hand-offs.
//!
//! Connects typed probes to `sched_switch` and `sched_wakeup` (samples/sched_trace.rs), whether
//! the sample module is loaded yet or not, and reports its counts when unloaded.

use core::sync::atomic::{AtomicU64, Ordering};

use kernel::prelude::*;
use kernel::task::Task;

#[path = "../rust/rtrace.rs"]
mod rtrace;

#[path = "sched_trace.rs"]
mod sched_trace;

use sched_trace::*;

module! {
    type: SampleCounter,
    name: "rtrace_sample_counter",
    author: "rtrace developers",
    description: "rtrace sample probe module: counts sample tracepoint hits",
    license: "GPL",
}

struct Counts {
    switches: AtomicU64,
    wakeups: AtomicU64,
}

static COUNTS: Counts = Counts {
    switches: AtomicU64::new(0),
    wakeups: AtomicU64::new(0),
};

fn on_switch(counts: &Counts, _prev: &Task, _next: &Task) {
    counts.switches.fetch_add(1, Ordering::Relaxed);
}

fn on_wakeup(counts: &Counts, _task: &Task) {
    counts.wakeups.fetch_add(1, Ordering::Relaxed);
}

struct SampleCounter;

impl kernel::Module for SampleCounter {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        register_trace_sched_switch(on_switch, &COUNTS)?;
        if let Err(e) = register_trace_sched_wakeup(on_wakeup, &COUNTS) {
            let _ = unregister_trace_sched_switch(on_switch, &COUNTS);
            rtrace::tracepoint::synchronize_unregister();
            return Err(e);
        }
        Ok(SampleCounter)
    }
}

impl Drop for SampleCounter {
    fn drop(&mut self) {
        let _ = unregister_trace_sched_switch(on_switch, &COUNTS);
        let _ = unregister_trace_sched_wakeup(on_wakeup, &COUNTS);
        rtrace::tracepoint::synchronize_unregister();
        pr_info!(
            "sched_switch={} sched_wakeup={}\n",
            COUNTS.switches.load(Ordering::Relaxed),
            COUNTS.wakeups.load(Ordering::Relaxed)
        );
    }
}
