// SPDX-License-Identifier: GPL-2.0

//! rtrace_bench: the cost of rtrace's sites, measured like their C anchors (bench/c_anchor.c) in
//! the same VM run. Driven by writes to /sys/kernel/debug/rtrace_bench/run, so that bench/run.sh
//! can alternate which of the two goes first:
//!
//! - `sites`: each over 10,000,000 calls with preemption disabled, a tracepoint site disabled,
//!   then with 1, 2 and 4 empty probes; a marker emitted with no sink connected; and the bridge's
//!   sched_switch probe (probes/events/sched.rs) with no sink, called by a C tracepoint of
//!   sched_switch's prototype;
//! - `ring N`: the marker bench:ring_event emitted N times (bench/run.sh connects the ring tracer
//!   first), beside the same event written by ftrace (bench/c_anchor.c).
//!
//! Results go to the kernel log as "rtrace_bench: case=... ps_per_call=..." lines, read by
//! bench/run.sh.

use core::ffi::c_char;

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
use sched::__marker_sched_sched_switch;

// Only sched_switch's marker and probe are measured here.
#[allow(dead_code)]
#[path = "../probes/bridge_event.rs"]
mod bridge_event;
#[allow(dead_code)]
#[path = "../probes/events/sched.rs"]
mod sched;

crate::marker! {
    /// Emitted by the benchmark loop, with no sink connected.
    pub bench:event { seq: u32 }

    /// Emitted by `run_ring` (`ring N`), with the ring tracer connected (bench/run.sh); the
    /// payload of bench/c_anchor.c's ftrace event.
    pub bench:ring_event { a: u32, b: u32, c: u32, comm: char[16] }
}

extern "C" {
    /// bench/c_anchor.c: picoseconds per call of a sched_switch-shaped C tracepoint with `probe`.
    fn rtrace_bench_c_switch_cost(probe: *const core::ffi::c_void) -> u64;
}

module! {
    type: Bench,
    name: "rtrace_bench",
    author: "rtrace developers",
    description: "rtrace benchmark: the cost of rtrace's sites and of its ring tracer",
    license: "GPL",
}

const CALLS: u32 = 10_000_000;

static DATA: [u32; 4] = [0, 1, 2, 3];

fn empty_probe(_data: &u32, _seq: u32) {}

fn now_ns() -> i64 {
    // SAFETY: `ktime_get` has no precondition once timekeeping is up.
    unsafe { bindings::ktime_get() }
}

// Each loop is a small function of its own: under QEMU's TCG a loop that straddles a page
// boundary costs a translation-block lookup per iteration (tens of ns), an emulation artefact a
// large function makes likely.

/// Picoseconds per call of `trace_rtrace_bench`, preemption disabled throughout.
#[inline(never)]
fn run() -> i64 {
    // The RCU-sched read guard is a preemption-disabled section, which the loop needs.
    let _no_preempt = rtrace::kernel::rcu::ReadGuard::new();
    let start = now_ns();
    for i in 0..CALLS {
        trace_rtrace_bench(i);
    }
    (now_ns() - start) * 1000 / i64::from(CALLS)
}

/// Picoseconds per `emit_bench_event`, with no sink connected.
#[inline(never)]
fn run_marker() -> i64 {
    let _no_preempt = rtrace::kernel::rcu::ReadGuard::new();
    let start = now_ns();
    for i in 0..CALLS {
        emit_bench_event(i);
    }
    (now_ns() - start) * 1000 / i64::from(CALLS)
}

/// The comm of every `bench:ring_event`, as bench/c_anchor.c's.
const EVENT_COMM: &[u8; 16] = b"rtrace_bench\0\0\0\0";

/// Picoseconds per `emit_bench_ring_event` over `events` (at least 1) calls, with whatever sink
/// bench/run.sh connected.
#[inline(never)]
fn run_ring(events: u32) -> i64 {
    let _no_preempt = rtrace::kernel::rcu::ReadGuard::new();
    let start = now_ns();
    for i in 0..events {
        emit_bench_ring_event(i, 42, 7, EVENT_COMM);
    }
    (now_ns() - start) * 1000 / i64::from(events)
}

/// The `sites` measurements, each printed as it is made.
fn run_sites() -> Result {
    pr_info!("case=empty_loop ps_per_call={}\n", run_empty());
    for probes in [0usize, 1, 2, 4] {
        let mut registered = 0;
        let mut result = Ok(());
        for d in DATA.iter().take(probes) {
            result = register_trace_rtrace_bench(empty_probe, d);
            if result.is_err() {
                break;
            }
            registered += 1;
        }
        if result.is_ok() {
            pr_info!("case=probes{} ps_per_call={}\n", probes, run());
        }
        // The probes registered, also after a failure.
        for d in DATA.iter().take(registered) {
            let removed = unregister_trace_rtrace_bench(empty_probe, d);
            result = result.and(removed);
        }
        rtrace::tracepoint::synchronize_unregister();
        result?;
    }
    pr_info!("case=marker_nosink ps_per_call={}\n", run_marker());
    // SAFETY: the probe has the prototype of the anchor's tracepoint (sched_switch's) and
    // stays loaded while the anchor uses it (the call returns after unregistering it).
    let cost = unsafe {
        rtrace_bench_c_switch_cost(sched::rtrace_bridge_sched_switch as *const core::ffi::c_void)
    };
    pr_info!("case=switch_probe ps_per_call={}\n", cost);
    Ok(())
}

/// A command written to `run`: `sites`, or `ring N` with N from 1 to `u32::MAX`.
fn command(text: &str) -> Result {
    let words = &mut text.split_whitespace();
    match (words.next(), words.next(), words.next()) {
        (Some("sites"), None, None) => run_sites(),
        (Some("ring"), Some(n), None) => match n.parse::<u32>() {
            Ok(events) if events > 0 => {
                pr_info!("case=ring_event ps_per_call={}\n", run_ring(events));
                Ok(())
            }
            _ => {
                pr_err!(
                    "run: '{}' is not a count of events from 1 to {}\n",
                    n,
                    u32::MAX
                );
                Err(EINVAL)
            }
        },
        _ => {
            pr_err!("run: '{}': write 'sites' or 'ring N'\n", text);
            Err(EINVAL)
        }
    }
}

#[no_mangle]
extern "C" fn rtrace_bench_run_write(
    _file: *mut bindings::file,
    buf: *const c_char,
    len: usize,
    _ppos: *mut bindings::loff_t,
) -> isize {
    rtrace::kernel::debugfs::control_write(buf, len, command)
}

// The dentry pointers are opaque here, never dereferenced.
#[allow(improper_ctypes)]
extern "C" {
    fn rtrace_bench_create_run(dir: *mut bindings::dentry) -> *mut bindings::dentry;
}

/// Empty-loop cost, for reference: the same loop around an empty `asm!` the compiler keeps.
#[inline(never)]
fn run_empty() -> i64 {
    let _no_preempt = rtrace::kernel::rcu::ReadGuard::new();
    let start = now_ns();
    for _ in 0..CALLS {
        // SAFETY: an empty asm statement, only there so that the loop is not removed.
        unsafe { core::arch::asm!("", options(nomem, nostack, preserves_flags)) };
    }
    (now_ns() - start) * 1000 / i64::from(CALLS)
}

struct Bench {
    // Before the markers: the control file goes first.
    _dir: rtrace::kernel::debugfs::Dir,
    _tracepoints: rtrace::tracepoint::Definitions,
    _markers: rtrace::marker::Markers,
}

impl kernel::Module for Bench {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let tracepoints = crate::define_tracepoints!(rtrace_bench)?;
        let markers = crate::register_markers!(bench:event, bench:ring_event, sched:sched_switch)?;
        let dir = rtrace::kernel::debugfs::Dir::new(c"rtrace_bench", None)?;
        // SAFETY: `dir` is a live debugfs directory; the file goes with it.
        kernel::error::from_err_ptr(unsafe { rtrace_bench_create_run(dir.as_ptr()) })?;
        Ok(Self {
            _dir: dir,
            _tracepoints: tracepoints,
            _markers: markers,
        })
    }
}
