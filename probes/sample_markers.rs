// SPDX-License-Identifier: GPL-2.0

//! rtrace_sample_markers: the sample subsystem's tracepoints (samples/sched_trace.rs) turned into
//! the `sample:*` markers, with the comm, pid, priority and state of the tasks involved.

use kernel::prelude::*;
use kernel::task::Task;

#[path = "../rust/rtrace.rs"]
mod rtrace;

#[path = "../samples/sched_trace.rs"]
mod sched_trace;

use rtrace::kernel::task;
use rtrace::marker::Markers;
use sched_trace::*;

module! {
    type: SampleMarkers,
    name: "rtrace_sample_markers",
    author: "rtrace developers",
    description: "rtrace probe module: the sample subsystem's tracepoints as markers",
    license: "GPL",
}

crate::marker! {
    /// The sample ring's token passes from `prev` to `next`.
    pub sample:sched_switch {
        prev_comm: char[16],
        prev_pid: i32,
        prev_prio: i32,
        prev_state: u32,
        next_comm: char[16],
        next_pid: i32,
        next_prio: i32,
    }

    /// A ring thread is woken up to take the token.
    pub sample:sched_wakeup {
        comm: char[16],
        pid: i32,
        prio: i32,
        state: u32,
    }
}

/// The probes' data: they need none, but a probe is the pair (function, data address), so the
/// data is a real (not zero-sized) static.
static NO_DATA: u8 = 0;

fn on_switch(_: &u8, prev: &Task, next: &Task) {
    if !enabled_sample_sched_switch() {
        return;
    }
    let (p, n) = (task::of(prev), task::of(next));
    emit_sample_sched_switch(&p.comm, p.pid, p.prio, p.state, &n.comm, n.pid, n.prio);
}

fn on_wakeup(_: &u8, woken: &Task) {
    if !enabled_sample_sched_wakeup() {
        return;
    }
    let t = task::of(woken);
    emit_sample_sched_wakeup(&t.comm, t.pid, t.prio, t.state);
}

struct SampleMarkers {
    _markers: Markers,
}

impl kernel::Module for SampleMarkers {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let markers = crate::register_markers!(sample:sched_switch, sample:sched_wakeup)?;
        register_trace_sched_switch(on_switch, &NO_DATA)?;
        if let Err(e) = register_trace_sched_wakeup(on_wakeup, &NO_DATA) {
            let _ = unregister_trace_sched_switch(on_switch, &NO_DATA);
            rtrace::tracepoint::synchronize_unregister();
            return Err(e);
        }
        Ok(Self { _markers: markers })
    }
}

impl Drop for SampleMarkers {
    fn drop(&mut self) {
        // The probes go, and no CPU runs them any more, before the markers they emit.
        let _ = unregister_trace_sched_switch(on_switch, &NO_DATA);
        let _ = unregister_trace_sched_wakeup(on_wakeup, &NO_DATA);
        rtrace::tracepoint::synchronize_unregister();
    }
}
