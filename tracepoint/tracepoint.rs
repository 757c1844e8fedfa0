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

use core::sync::atomic::{AtomicPtr, Ordering};

use kernel::bindings;
use kernel::prelude::*;

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

/// Cleans up after modules that go without undoing what they did.
struct Cleanup;

impl rtrace::kernel::module::Going for Cleanup {
    fn going(module: *mut bindings::module) {
        if registry::lock().module_going(module) {
            // The going module's code and data are freed when this returns.
            rtrace::kernel::rcu::synchronize();
        }
    }
}

static NOTIFIER: rtrace::kernel::module::GoingNotifier =
    rtrace::kernel::module::GoingNotifier::new::<Cleanup>(0);

/// `/sys/kernel/debug/rtrace/` while the core is loaded (see `rtrace_debugfs_root`).
static DEBUGFS_ROOT: AtomicPtr<bindings::dentry> = AtomicPtr::new(core::ptr::null_mut());

struct TracepointCore {
    _dir: Option<rtrace::kernel::debugfs::Dir>,
}

impl kernel::Module for TracepointCore {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        // Tracing works without debugfs (booted with debugfs=off, say); only the listing is lost.
        let dir = match rtrace::kernel::debugfs::Dir::new(c"rtrace", None) {
            Ok(dir) => {
                debugfs::create(&dir)?;
                DEBUGFS_ROOT.store(dir.as_ptr(), Ordering::Release);
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
        NOTIFIER.register()?;
        pr_info!("ABI {} ready\n", rtrace::abi::TRACEPOINT_ABI);
        Ok(Self { _dir: dir })
    }
}

impl Drop for TracepointCore {
    fn drop(&mut self) {
        NOTIFIER.unregister();
        // No other core is loaded any more (they depend on this one).
        DEBUGFS_ROOT.store(core::ptr::null_mut(), Ordering::Release);
        // Every module using the core has gone (they hold references on it), so the registry has
        // no entry left, only the memory of its (empty) list.
        drop(core::mem::take(&mut registry::lock().entries));
        // What remains are `call_rcu` callbacks freeing old arrays, whose code is ours.
        rtrace::kernel::rcu::barrier();
    }
}
