// SPDX-License-Identifier: GPL-2.0

//! rtrace_bridge: the running kernel's own C tracepoints, turned into markers.
//!
//! `events/` describes each kernel subsystem's events (one file each, as lttng-modules keeps
//! one probe header per subsystem): every event is one [`bridge_events!`](crate::bridge_events)
//! declaration, from which come its marker, its probe and its entries in the subsystem's tables
//! (probes/bridge_event.rs); its C prototype, checked against the running kernel's header, is a
//! line of the subsystem's C shim (`events/*_shim.c`). This file is the glue: it registers every
//! subsystem's markers and connects every probe. Adding an event is adding its declaration and
//! its C line; adding a subsystem is adding its files and a line of [`SUBSYSTEMS`]. A tracepoint
//! this kernel does not have is skipped with a message; the others work.

use kernel::prelude::*;

#[path = "../rust/rtrace.rs"]
mod rtrace;

#[path = "bridge_event.rs"]
mod bridge_event;

#[path = "events/irq.rs"]
mod irq;
#[path = "events/raw_syscalls.rs"]
mod raw_syscalls;
#[path = "events/sched.rs"]
mod sched;

use bridge_event::Event;
use rtrace::abi::RawMarker;
use rtrace::kernel::kernel_tracepoint::{self, Connection};
use rtrace::marker::Markers;

module! {
    type: Bridge,
    name: "rtrace_bridge",
    author: "rtrace developers",
    description: "rtrace bridge: the kernel's C tracepoints as markers",
    license: "GPL",
}

/// Every subsystem of `events/`: its markers and its kernel tracepoints with their probes.
static SUBSYSTEMS: [(&[&RawMarker], &[Event]); 3] = [
    (sched::MARKERS, sched::EVENTS),
    (irq::MARKERS, irq::EVENTS),
    (raw_syscalls::MARKERS, raw_syscalls::EVENTS),
];

struct Bridge {
    // Before the markers: the probes are disconnected first.
    connections: KVec<Connection>,
    _markers: KVec<Markers>,
}

/// Connects the probe of `event`, or says why not (the tracepoint is not in this kernel, or
/// registering failed).
fn connect(event: &Event) -> Option<Connection> {
    let name = event.tracepoint.to_str().unwrap_or("?");
    let probe = event.probe.as_ptr();
    let tp = match kernel_tracepoint::find(event.tracepoint) {
        Some(tp) if !probe.is_null() => tp,
        _ => {
            pr_info!("kernel tracepoint {} not in this kernel: skipped\n", name);
            return None;
        }
    };
    // SAFETY: `tp` was found by name, and the probe's prototype is that tracepoint's (its C line
    // checked against the kernel's header by the C compiler, probes/bridge_event.h; the Rust
    // signature checked against that line by tests/host/bridge_prototypes.py); the connections
    // are dropped, then synchronized, in `drop`, before the module goes.
    match unsafe { Connection::new(tp, probe) } {
        Ok(c) => Some(c),
        Err(e) => {
            pr_warn!(
                "kernel tracepoint {}: cannot connect ({:?}): skipped\n",
                name,
                e
            );
            None
        }
    }
}

impl kernel::Module for Bridge {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let mut markers = KVec::with_capacity(SUBSYSTEMS.len(), GFP_KERNEL)?;
        for (subsystem, _) in SUBSYSTEMS.iter() {
            markers.push(Markers::new(subsystem, module)?, GFP_KERNEL)?;
        }
        let events = SUBSYSTEMS.iter().map(|(_, e)| e.len()).sum();
        let mut connections = KVec::with_capacity(events, GFP_KERNEL)?;
        for event in SUBSYSTEMS.iter().flat_map(|(_, e)| e.iter()) {
            if let Some(c) = connect(event) {
                connections.push(c, GFP_KERNEL)?;
            }
        }
        pr_info!(
            "{} of {} kernel tracepoints connected\n",
            connections.len(),
            events
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
