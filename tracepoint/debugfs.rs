// SPDX-License-Identifier: GPL-2.0

//! `/sys/kernel/debug/rtrace/tracepoints`: every tracepoint the core knows, defined or pending,
//! and its probes.
//!
//! One line per tracepoint, then one indented line per probe, in call order:
//!
//! ```text
//! sched_switch(prev: &Task, next: &Task) module=rtrace_sample probes=1 enabled=1
//!   probe module=rtrace_sample_counter prio=10
//! sched_wakeup(task: &Task) module=- probes=1 enabled=0 pending
//!   probe module=rtrace_sample_counter prio=10
//! ```
//!
//! `module` is the defining module (`-` while none is loaded; the probes are then *pending*).
//! No address is shown.

use core::ffi::{c_int, c_void};
use core::fmt::Write;

use kernel::bindings;
use kernel::prelude::*;

use crate::registry::{self, module_name};
use crate::rtrace::kernel::debugfs::{Dir, SeqFile};

// The dentry pointers are opaque here, never dereferenced.
#[allow(improper_ctypes)]
extern "C" {
    fn rtrace_debugfs_create_tracepoints(dir: *mut bindings::dentry) -> *mut bindings::dentry;
}

/// Creates the `tracepoints` file in `dir`; it goes with the directory.
pub(crate) fn create(dir: &Dir) -> Result {
    // SAFETY: `dir` is a live debugfs directory.
    let file = unsafe { rtrace_debugfs_create_tracepoints(dir.as_ptr()) };
    kernel::error::from_err_ptr(file).map(|_| ())
}

#[no_mangle]
extern "C" fn rtrace_tracepoints_show(m: *mut bindings::seq_file, _v: *mut c_void) -> c_int {
    // SAFETY: `m` is the seq_file of this show callback, used only during it.
    let mut out = unsafe { SeqFile::from_raw(m) };
    let registry = registry::lock();
    for e in registry.entries.iter() {
        let name = core::str::from_utf8(&e.name).unwrap_or("?");
        let signature = core::str::from_utf8(&e.signature).unwrap_or("?");
        let (module, enabled) = match &e.defined {
            // SAFETY: `d.owner` holds a registration, kept by the registry's mutex.
            Some(d) => (unsafe { module_name(d.owner) }, d.tp.key().is_enabled()),
            None => ("-", false),
        };
        let _ = write!(
            out,
            "{name}({signature}) module={module} probes={} enabled={}",
            e.probes.len(),
            u8::from(enabled)
        );
        let _ = writeln!(out, "{}", if e.defined.is_none() { " pending" } else { "" });
        for p in e.probes.iter() {
            let _ = writeln!(
                out,
                "  probe module={} prio={}",
                // SAFETY: `p.owner` holds a registration, kept by the registry's mutex.
                unsafe { module_name(p.owner) },
                p.prio
            );
        }
    }
    0
}
