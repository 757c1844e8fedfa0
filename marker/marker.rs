// SPDX-License-Identifier: GPL-2.0

//! rtrace marker core: the registry of markers, the API exported to userspace.
//!
//! Probe modules register the markers they declare (`marker!`, rust/marker/marker.rs); the core checks
//! each declaration, gives it an id, and describes it in
//! `/sys/kernel/debug/rtrace/markers/<subsystem>/<event>/format`. See Documentation/markers.rst.
//!
//! - registry.rs: markers, ids, subsystem directories, the rules and errors of registration;
//! - control.rs: connections by glob, filters, the listings;
//! - debugfs.rs: the files under `/sys/kernel/debug/rtrace/` (format, id, enable, filter,
//!   set_event, available_markers, available_sinks);
//! - exports.rs: the ABI functions probe modules call.

use kernel::bindings;
use kernel::prelude::*;

#[path = "../rust/rtrace.rs"]
mod rtrace;

mod control;
mod debugfs;
mod exports;
mod filter;
mod registry;
mod set_event;

use rtrace::abi::{rtrace_debugfs_root, TRACEPOINT_ABI};
use rtrace::kernel::debugfs::Dir;

module! {
    type: MarkerCore,
    name: "rtrace_marker",
    author: "rtrace developers",
    description: "rtrace marker core: self-describing basic-type events",
    license: "GPL",
}

/// Removes the markers of modules that go without removing them.
struct Cleanup;

impl rtrace::kernel::module::Going for Cleanup {
    fn going(module: *mut bindings::module) {
        if registry::lock().module_going_sinks(module) {
            // The going sink's code is freed when this returns.
            rtrace::kernel::rcu::synchronize();
        }
        // One marker at a time: its files go after the registry's mutex is released.
        let _changing = registry::changing();
        loop {
            let trash = registry::lock().module_going_marker(module);
            if trash.is_none() {
                break;
            }
            drop(trash);
        }
    }
}

static NOTIFIER: rtrace::kernel::module::GoingNotifier =
    rtrace::kernel::module::GoingNotifier::new::<Cleanup>(0);

struct MarkerCore {
    _markers_dir: Option<Dir>,
    _sinks_dir: Option<Dir>,
    _root_files: Option<[Dir; 3]>,
}

/// `/sys/kernel/debug/rtrace/sinks/`, for `rtrace_sinks_debugfs_dir`; null without debugfs.
pub(crate) static SINKS_DIR: core::sync::atomic::AtomicPtr<bindings::dentry> =
    core::sync::atomic::AtomicPtr::new(core::ptr::null_mut());

impl kernel::Module for MarkerCore {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        // SAFETY: no precondition; the tracepoint core, on which this module depends, owns the
        // directory and outlives this module.
        let root = unsafe { rtrace_debugfs_root(TRACEPOINT_ABI) };
        let markers_dir = if root.is_null() {
            pr_warn!("no debugfs: /sys/kernel/debug/rtrace/markers not created\n");
            None
        } else {
            // SAFETY: `root` is live for as long as this module (see above).
            let root = unsafe { Dir::borrowed(root) };
            Some(Dir::new(c"markers", Some(&root))?)
        };
        let root_files = if root.is_null() {
            None
        } else {
            // SAFETY: as above.
            let root = unsafe { Dir::borrowed(root) };
            Some(debugfs::create_root_files(&root)?)
        };
        let sinks_dir = if root.is_null() {
            None
        } else {
            // SAFETY: as above.
            let root = unsafe { Dir::borrowed(root) };
            Some(Dir::new(c"sinks", Some(&root))?)
        };
        if let Some(d) = &sinks_dir {
            SINKS_DIR.store(d.as_ptr(), core::sync::atomic::Ordering::Release);
        }
        registry::lock().root = markers_dir
            .as_ref()
            .map_or(core::ptr::null_mut(), |d| d.as_ptr());
        if let Err(e) = NOTIFIER.register() {
            registry::lock().root = core::ptr::null_mut();
            return Err(e);
        }
        pr_info!("ABI {} ready\n", rtrace::abi::MARKER_ABI);
        Ok(Self {
            _markers_dir: markers_dir,
            _sinks_dir: sinks_dir,
            _root_files: root_files,
        })
    }
}

impl Drop for MarkerCore {
    fn drop(&mut self) {
        NOTIFIER.unregister();
        SINKS_DIR.store(core::ptr::null_mut(), core::sync::atomic::Ordering::Release);
        // Every probe module has gone (they hold references on this module), so the registry
        // holds no marker; only the memory of its empty lists remains.
        registry::lock().release();
        // What remains are `call_rcu` callbacks freeing old sink arrays, whose code is ours.
        rtrace::kernel::rcu::barrier();
    }
}
