// SPDX-License-Identifier: GPL-2.0

//! rtrace_bench: the cost of an rtrace tracepoint site, measured like its C anchor
//! (bench/c_anchor.c) in the same VM run: a disabled site, then 1, 2 and 4 empty probes, each
//! over 10,000,000 calls with preemption disabled. Results go to the kernel log as
//! "rtrace_bench: case=... ps_per_call=..." lines, read by bench/run.sh.

use kernel::bindings;
use kernel::prelude::*;

#[path = "../rust/rtrace.rs"]
mod rtrace;

mod bench_trace {
    crate::tracepoint! {
        /// Fired by the benchmark loop.
        pub fn rtrace_bench(seq: u32);
    }
}

use bench_trace::*;

module! {
    type: Bench,
    name: "rtrace_bench",
    author: "rtrace developers",
    description: "rtrace benchmark: tracepoint site cost",
    license: "GPL",
}

const CALLS: u32 = 10_000_000;

static DATA: [u32; 4] = [0, 1, 2, 3];

fn empty_probe(_data: &u32, _seq: u32) {}

fn now_ns() -> i64 {
    // SAFETY: `ktime_get` has no precondition once timekeeping is up.
    unsafe { bindings::ktime_get() }
}

/// Picoseconds per call of `trace_rtrace_bench`, preemption disabled throughout.
fn run() -> i64 {
    // The RCU-sched read guard is a preemption-disabled section, which the loop needs.
    let _no_preempt = rtrace::rcu::ReadGuard::new();
    let start = now_ns();
    for i in 0..CALLS {
        trace_rtrace_bench(i);
    }
    (now_ns() - start) * 1000 / i64::from(CALLS)
}

/// Empty-loop cost, for reference: the same loop around an empty `asm!` the compiler keeps.
fn run_empty() -> i64 {
    let _no_preempt = rtrace::rcu::ReadGuard::new();
    let start = now_ns();
    for _ in 0..CALLS {
        // SAFETY: an empty asm statement, only there so that the loop is not removed.
        unsafe { core::arch::asm!("", options(nomem, nostack, preserves_flags)) };
    }
    (now_ns() - start) * 1000 / i64::from(CALLS)
}

struct Bench {
    _tracepoints: rtrace::tracepoint::Definitions,
}

impl kernel::Module for Bench {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let tracepoints = crate::define_tracepoints!(rtrace_bench)?;
        pr_info!("case=empty_loop ps_per_call={}\n", run_empty());
        for probes in [0usize, 1, 2, 4] {
            for d in DATA.iter().take(probes) {
                register_trace_rtrace_bench(empty_probe, d)?;
            }
            pr_info!("case=probes{} ps_per_call={}\n", probes, run());
            for d in DATA.iter().take(probes) {
                unregister_trace_rtrace_bench(empty_probe, d)?;
            }
            rtrace::tracepoint::synchronize_unregister();
        }
        Ok(Self {
            _tracepoints: tracepoints,
        })
    }
}
