// SPDX-License-Identifier: GPL-2.0

//! rtrace_bridge: the running kernel's own C tracepoints, turned into markers.
//!
//! Each probe below is written against the tracepoint's 6.12 `TP_PROTO` and translates its
//! arguments into the basic-type fields of a marker declared in `events/` (one file per kernel
//! subsystem). Adding an event is adding its marker, its probe and a line of [`PROBES`]. A
//! tracepoint this kernel does not have is skipped with a message; the others work.

use core::ffi::{c_int, c_uint, c_void, CStr};

use kernel::bindings::{self, task_struct};
use kernel::prelude::*;

#[path = "../rust/rtrace.rs"]
mod rtrace;

#[path = "events/irq.rs"]
mod irq;
#[path = "events/sched.rs"]
mod sched;

use irq::*;
use rtrace::kernel_tracepoint::{self, Connection};
use rtrace::marker::Markers;
use rtrace::task::fields;
use sched::*;

module! {
    type: Bridge,
    name: "rtrace_bridge",
    author: "rtrace developers",
    description: "rtrace bridge: the kernel's C tracepoints as markers",
    license: "GPL",
}

// The probes. Each is called by the kernel's tracepoint with its `TP_PROTO`, preceded by the
// (unused) data pointer; the task pointers are live for the call.

/// `sched_switch(bool preempt, struct task_struct *prev, struct task_struct *next,
/// unsigned int prev_state)`
///
/// # Safety
///
/// Called by the `sched_switch` tracepoint.
unsafe extern "C" fn probe_sched_switch(
    _data: *mut c_void,
    _preempt: bool,
    prev: *mut task_struct,
    next: *mut task_struct,
    prev_state: c_uint,
) {
    // SAFETY: the scheduler passes the two live tasks it switches between.
    let (p, n) = unsafe { (fields(prev), fields(next)) };
    emit_sched_sched_switch(&p.comm, p.pid, p.prio, prev_state, &n.comm, n.pid, n.prio);
}

/// `sched_wakeup(struct task_struct *p)`
///
/// # Safety
///
/// Called by the `sched_wakeup` tracepoint.
unsafe extern "C" fn probe_sched_wakeup(_data: *mut c_void, p: *mut task_struct) {
    // SAFETY: `p` is the live task being woken.
    let t = unsafe { fields(p) };
    emit_sched_sched_wakeup(&t.comm, t.pid, t.prio);
}

/// `sched_wakeup_new(struct task_struct *p)`
///
/// # Safety
///
/// Called by the `sched_wakeup_new` tracepoint.
unsafe extern "C" fn probe_sched_wakeup_new(_data: *mut c_void, p: *mut task_struct) {
    // SAFETY: `p` is the live task being woken.
    let t = unsafe { fields(p) };
    emit_sched_sched_wakeup_new(&t.comm, t.pid, t.prio);
}

/// `sched_process_fork(struct task_struct *parent, struct task_struct *child)`
///
/// # Safety
///
/// Called by the `sched_process_fork` tracepoint.
unsafe extern "C" fn probe_sched_process_fork(
    _data: *mut c_void,
    parent: *mut task_struct,
    child: *mut task_struct,
) {
    // SAFETY: both tasks are live during fork.
    let (p, c) = unsafe { (fields(parent), fields(child)) };
    emit_sched_sched_process_fork(&p.comm, p.pid, &c.comm, c.pid);
}

/// `sched_process_exec(struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)`
///
/// # Safety
///
/// Called by the `sched_process_exec` tracepoint.
unsafe extern "C" fn probe_sched_process_exec(
    _data: *mut c_void,
    p: *mut task_struct,
    old_pid: bindings::pid_t,
    _bprm: *mut c_void,
) {
    // SAFETY: `p` is the live task that exec'd.
    let t = unsafe { fields(p) };
    emit_sched_sched_process_exec(&t.comm, t.pid, old_pid);
}

/// `sched_process_exit(struct task_struct *p)`
///
/// # Safety
///
/// Called by the `sched_process_exit` tracepoint.
unsafe extern "C" fn probe_sched_process_exit(_data: *mut c_void, p: *mut task_struct) {
    // SAFETY: `p` is the exiting task, live during the call.
    let t = unsafe { fields(p) };
    emit_sched_sched_process_exit(&t.comm, t.pid, t.prio);
}

/// `irq_handler_entry(int irq, struct irqaction *action)`
extern "C" fn probe_irq_handler_entry(_data: *mut c_void, irq: c_int, _action: *mut c_void) {
    emit_irq_irq_handler_entry(irq);
}

/// `irq_handler_exit(int irq, struct irqaction *action, int ret)`
extern "C" fn probe_irq_handler_exit(
    _data: *mut c_void,
    irq: c_int,
    _action: *mut c_void,
    ret: c_int,
) {
    emit_irq_irq_handler_exit(irq, ret);
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
