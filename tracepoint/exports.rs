// SPDX-License-Identifier: GPL-2.0

//! The functions the tracepoint core exports to other rtrace modules. rust/abi.rs declares each
//! once (`exported_functions!`); `abi_export!` below each definition checks at compile time that
//! the definition has the declared type and exports it (`EXPORT_SYMBOL_GPL`'s entry, written from
//! Rust). Each checks the caller's ABI version first.

use core::ffi::{c_int, c_void};

use kernel::bindings;
use kernel::prelude::*;

use crate::registry::{self, module_name, Registration};
use crate::rtrace::abi::{RawTracepoint, TRACEPOINT_ABI};

/// Refuses callers built against another ABI version, naming them.
fn check_abi(abi: u32, who: *mut bindings::module) -> Result {
    if abi != TRACEPOINT_ABI {
        pr_err!(
            "module {} was built against rtrace tracepoint ABI {}, this core has ABI {}: rebuild it\n",
            // SAFETY: `who` is the calling module, loaded during the call.
            unsafe { module_name(who) },
            abi,
            TRACEPOINT_ABI
        );
        return Err(EINVAL);
    }
    Ok(())
}

fn errno(result: Result) -> c_int {
    match result {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// # Safety
///
/// `tp` points to a `RawTracepoint` in static storage of `owner`, which stays loaded until it
/// calls `rtrace_tracepoint_undefine(tp)` (or goes, and the module notifier cleans up).
#[no_mangle]
unsafe extern "C" fn rtrace_tracepoint_define(
    abi: u32,
    tp: *const RawTracepoint,
    owner: *mut bindings::module,
) -> c_int {
    errno(check_abi(abi, owner).and_then(|()| {
        // SAFETY: by the function's contract `tp` is valid for as long as it is defined, and
        // `undefine` (or the module notifier) ends that before its module's memory goes.
        let tp: &'static RawTracepoint = unsafe { &*tp };
        registry::lock().define(tp, owner)
    }))
}
crate::abi_export!(rtrace_tracepoint_define);

/// # Safety
///
/// `tp` was defined with `rtrace_tracepoint_define`.
#[no_mangle]
unsafe extern "C" fn rtrace_tracepoint_undefine(abi: u32, tp: *const RawTracepoint) {
    if check_abi(abi, core::ptr::null_mut()).is_err() {
        return;
    }
    // SAFETY: by the function's contract `tp` is a live, defined tracepoint.
    let tp = unsafe { &*tp };
    if registry::lock().undefine(tp).is_err() {
        pr_warn!("undefine of a tracepoint that is not defined: ignored\n");
    }
}
crate::abi_export!(rtrace_tracepoint_undefine);

/// # Safety
///
/// `tp` is a live `RawTracepoint` (the caller's copy of the declaration); `func` is a probe of
/// its type and `data` its data, both valid until unregistered and synchronized (or until `owner`
/// goes).
#[no_mangle]
unsafe extern "C" fn rtrace_probe_register(
    abi: u32,
    tp: *const RawTracepoint,
    func: *const c_void,
    data: *const c_void,
    prio: c_int,
    owner: *mut bindings::module,
) -> c_int {
    errno(check_abi(abi, owner).and_then(|()| {
        if func.is_null() || tp.is_null() {
            return Err(EINVAL);
        }
        // SAFETY: live by the function's contract, for the duration of the call.
        let tp = unsafe { &*tp };
        let probe = Registration {
            func,
            data,
            prio,
            owner,
        };
        registry::lock().register(tp, probe)
    }))
}
crate::abi_export!(rtrace_probe_register);

/// # Safety
///
/// `tp` is a live `RawTracepoint`.
#[no_mangle]
unsafe extern "C" fn rtrace_probe_unregister(
    abi: u32,
    tp: *const RawTracepoint,
    func: *const c_void,
    data: *const c_void,
) -> c_int {
    errno(check_abi(abi, core::ptr::null_mut()).and_then(|()| {
        if tp.is_null() {
            return Err(EINVAL);
        }
        // SAFETY: live by the function's contract, for the duration of the call.
        let name = unsafe { &*tp }.name();
        registry::lock().unregister(name.to_bytes(), func, data)
    }))
}
crate::abi_export!(rtrace_probe_unregister);

/// Waits for a grace period: no probe unregistered before the call runs after it.
#[no_mangle]
extern "C" fn rtrace_probe_synchronize(abi: u32) {
    let _ = check_abi(abi, core::ptr::null_mut());
    crate::rtrace::kernel::rcu::synchronize();
}
crate::abi_export!(rtrace_probe_synchronize);

/// The debugfs directory `/sys/kernel/debug/rtrace/`, shared with the other rtrace cores (which
/// depend on this module, so it outlives their use of it); null without debugfs.
#[no_mangle]
extern "C" fn rtrace_debugfs_root(abi: u32) -> *mut bindings::dentry {
    if check_abi(abi, core::ptr::null_mut()).is_err() {
        return core::ptr::null_mut();
    }
    crate::DEBUGFS_ROOT.load(core::sync::atomic::Ordering::Acquire)
}
crate::abi_export!(rtrace_debugfs_root);
