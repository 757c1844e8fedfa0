// SPDX-License-Identifier: GPL-2.0

//! rtrace_bridge: the running kernel's own C tracepoints, turned into markers.
//!
//! `events/` describes each kernel subsystem's events (one file each): the markers, and the probes
//! that translate the tracepoints' arguments (written against their 6.12 `TP_PROTO`) into the
//! markers' basic-type fields. This file is the glue: adding an event is adding its marker and
//! probe to `events/` and a line to [`PROBES`]. A tracepoint this kernel does not have is skipped
//! with a message; the others work.

use core::ffi::{c_void, CStr};

use kernel::prelude::*;

#[path = "../rust/rtrace.rs"]
mod rtrace;

#[path = "events/irq.rs"]
mod irq;
#[path = "events/sched.rs"]
mod sched;

use irq::*;
use rtrace::kernel::kernel_tracepoint::{self, Connection};
use rtrace::marker::Markers;
use sched::*;

module! {
    type: Bridge,
    name: "rtrace_bridge",
    author: "rtrace developers",
    description: "rtrace bridge: the kernel's C tracepoints as markers",
    license: "GPL",
}

/// A kernel tracepoint the bridge connects to, and its probe.
struct Probe {
    tracepoint: &'static CStr,
    func: *const c_void,
}

// SAFETY: a name and a function address, both immutable.
unsafe impl Sync for Probe {}

/// Every kernel tracepoint the bridge connects to.
static PROBES: [Probe; 8] = [
    Probe {
        tracepoint: c"sched_switch",
        func: probe_sched_switch as *const c_void,
    },
    Probe {
        tracepoint: c"sched_wakeup",
        func: probe_sched_wakeup as *const c_void,
    },
    Probe {
        tracepoint: c"sched_wakeup_new",
        func: probe_sched_wakeup_new as *const c_void,
    },
    Probe {
        tracepoint: c"sched_process_fork",
        func: probe_sched_process_fork as *const c_void,
    },
    Probe {
        tracepoint: c"sched_process_exec",
        func: probe_sched_process_exec as *const c_void,
    },
    Probe {
        tracepoint: c"sched_process_exit",
        func: probe_sched_process_exit as *const c_void,
    },
    Probe {
        tracepoint: c"irq_handler_entry",
        func: probe_irq_handler_entry as *const c_void,
    },
    Probe {
        tracepoint: c"irq_handler_exit",
        func: probe_irq_handler_exit as *const c_void,
    },
];

struct Bridge {
    connections: KVec<Connection>,
    _markers: Markers,
}

impl kernel::Module for Bridge {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let markers = crate::register_markers!(
            sched:sched_switch,
            sched:sched_wakeup,
            sched:sched_wakeup_new,
            sched:sched_process_fork,
            sched:sched_process_exec,
            sched:sched_process_exit,
            irq:irq_handler_entry,
            irq:irq_handler_exit,
        )?;
        let mut connections = KVec::with_capacity(PROBES.len(), GFP_KERNEL)?;
        for probe in PROBES.iter() {
            let name = probe.tracepoint;
            let Some(tp) = kernel_tracepoint::find(name) else {
                pr_info!(
                    "kernel tracepoint {} not in this kernel: skipped\n",
                    name.to_str().unwrap_or("?")
                );
                continue;
            };
            // SAFETY: `tp` was found by name, and `probe` was written against that tracepoint's
            // prototype (above); the connections are dropped, then synchronized, in `drop`.
            match unsafe { Connection::new(tp, probe.func.cast_mut()) } {
                Ok(c) => connections.push(c, GFP_KERNEL)?,
                Err(e) => pr_warn!(
                    "kernel tracepoint {}: cannot connect ({:?}): skipped\n",
                    name.to_str().unwrap_or("?"),
                    e
                ),
            }
        }
        pr_info!(
            "{} of {} kernel tracepoints connected\n",
            connections.len(),
            PROBES.len()
        );
        Ok(Self {
            connections,
            _markers: markers,
        })
    }
}

impl Drop for Bridge {
    fn drop(&mut self) {
        // Disconnect, then wait until no probe runs, before the markers (and this module) go.
        drop(core::mem::take(&mut self.connections));
        kernel_tracepoint::synchronize();
    }
}
