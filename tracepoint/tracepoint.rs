// SPDX-License-Identifier: GPL-2.0

//! rtrace tracepoint core: the registry of tracepoints and probes shared by every rtrace module.
//!
//! Instrumented modules define their tracepoints here, probe modules register probes by name
//! (before or after the tracepoint's module loads), and the core keeps each tracepoint's
//! RCU-protected probe array and static key in step. See Documentation/tracepoints.rst.
//!
//! - registry.rs: entries by name, pending probes, the rules and errors of every operation;
//! - probes.rs: building, publishing and freeing probe arrays (the RCU discipline);
//! - exports.rs: the ABI functions other modules call;
//! - debugfs.rs: `/sys/kernel/debug/rtrace/tracepoints`.

use core::ffi::{c_int, c_void};

use kernel::bindings;
use kernel::prelude::*;
use kernel::types::Opaque;

#[path = "../rust/rtrace.rs"]
mod rtrace;

mod debugfs;
mod exports;
mod probes;
mod registry;

module! {
    type: TracepointCore,
    name: "rtrace_tracepoint",
    author: "rtrace developers",
    description: "rtrace tracepoint core: typed tracepoints, RCU-protected probe lists",
    license: "GPL",
}

/// The module notifier that cleans up after modules that go without undoing what they did.
struct Notifier(Opaque<bindings::notifier_block>);

// SAFETY: the notifier block is only written by the notifier chain code, under its own lock.
unsafe impl Sync for Notifier {}

static NOTIFIER: Notifier = Notifier(Opaque::new(bindings::notifier_block {
    notifier_call: Some(module_notify),
    next: core::ptr::null_mut(),
    // Before jump_label's notifier (priority 1) removes the going module's jump entries, so
    // that the static keys of its tracepoints can still be switched off.
    priority: 2,
}));

/// # Safety
///
/// Called by the module notifier chain: for `MODULE_STATE_GOING`, `data` is the going module.
unsafe extern "C" fn module_notify(
    _nb: *mut bindings::notifier_block,
    action: usize,
    data: *mut c_void,
) -> c_int {
    if action == bindings::module_state_MODULE_STATE_GOING as usize {
        let module = data.cast::<bindings::module>();
        if registry::lock().module_going(module) {
            // The going module's code and data are freed when this returns.
            rtrace::rcu::synchronize();
        }
    }
    bindings::NOTIFY_OK as c_int
}

struct TracepointCore {
    _dir: Option<rtrace::debugfs::Dir>,
}

impl kernel::Module for TracepointCore {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        // Tracing works without debugfs (booted with debugfs=off, say); only the listing is lost.
        let dir = match rtrace::debugfs::Dir::new(c"rtrace", None) {
            Ok(dir) => {
                debugfs::create(&dir)?;
                Some(dir)
            }
            Err(e) => {
                pr_warn!(
                    "no debugfs ({:?}): /sys/kernel/debug/rtrace not created\n",
                    e
                );
                None
            }
        };
        // SAFETY: `NOTIFIER` is a static notifier block, unregistered in `drop`.
        kernel::error::to_result(unsafe { bindings::register_module_notifier(NOTIFIER.0.get()) })?;
        pr_info!("ABI {} ready\n", rtrace::abi::TRACEPOINT_ABI);
        Ok(Self { _dir: dir })
    }
}

impl Drop for TracepointCore {
    fn drop(&mut self) {
        // SAFETY: registered in `init`.
        unsafe { bindings::unregister_module_notifier(NOTIFIER.0.get()) };
        // Every module using the core has gone (they hold references on it), so the registry has
        // no entry left, only the memory of its (empty) list.
        drop(core::mem::take(&mut registry::lock().entries));
        // What remains are `call_rcu` callbacks freeing old arrays, whose code is ours.
        rtrace::rcu::barrier();
    }
}
