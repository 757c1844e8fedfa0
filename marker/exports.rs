// SPDX-License-Identifier: GPL-2.0

//! The functions the marker core exports to probe modules (rust/abi.rs declares them; the C
//! shim exports them with `EXPORT_SYMBOL_GPL`). Each checks the caller's ABI version first.

use core::ffi::{c_char, c_int, CStr};

use kernel::bindings;
use kernel::prelude::*;

use crate::registry;
use crate::rtrace::abi::{RawMarker, RawSink, MARKER_ABI};
use crate::rtrace::module::name as module_name;

fn check_abi(abi: u32, who: *mut bindings::module) -> Result {
    if abi != MARKER_ABI {
        pr_err!(
            "module {} was built against rtrace marker ABI {}, this core has ABI {}: rebuild it\n",
            module_name(who),
            abi,
            MARKER_ABI
        );
        return Err(EINVAL);
    }
    Ok(())
}

/// # Safety
///
/// `marker` points to a `RawMarker` in static storage of `owner`, which stays loaded until it
/// calls `rtrace_marker_unregister(marker)` (or goes, and the module notifier cleans up).
#[no_mangle]
unsafe extern "C" fn rtrace_marker_register(
    abi: u32,
    marker: *const RawMarker,
    owner: *mut bindings::module,
) -> c_int {
    let result = check_abi(abi, owner).and_then(|()| {
        // SAFETY: by the function's contract `marker` is valid until it is unregistered, which
        // happens before its module's memory goes.
        let marker: &'static RawMarker = unsafe { &*marker };
        registry::lock().register(marker, owner)
    });
    errno(result)
}

fn errno(result: Result) -> c_int {
    match result {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// # Safety
///
/// `marker` was registered with `rtrace_marker_register`.
#[no_mangle]
unsafe extern "C" fn rtrace_marker_unregister(abi: u32, marker: *const RawMarker) {
    if check_abi(abi, core::ptr::null_mut()).is_err() {
        return;
    }
    // SAFETY: by the function's contract `marker` is a live, registered marker.
    if registry::lock().unregister(unsafe { &*marker }).is_err() {
        pr_warn!("unregister of a marker that is not registered: ignored\n");
    }
}

/// # Safety
///
/// `sink` points to a `RawSink` in static storage of `owner`, which stays loaded until it calls
/// `rtrace_sink_unregister(sink)` (or goes, and the module notifier cleans up).
#[no_mangle]
unsafe extern "C" fn rtrace_sink_register(
    abi: u32,
    sink: *const RawSink,
    owner: *mut bindings::module,
) -> c_int {
    errno(check_abi(abi, owner).and_then(|()| {
        // SAFETY: by the function's contract `sink` is valid until it is unregistered.
        let sink: &'static RawSink = unsafe { &*sink };
        let result = registry::lock().register_sink(sink, owner);
        if result.is_err() {
            // A failure may come after some markers listed the sink: none calls it once this
            // returns.
            crate::rtrace::rcu::synchronize();
        }
        result
    }))
}

/// # Safety
///
/// `sink` was registered with `rtrace_sink_register`.
#[no_mangle]
unsafe extern "C" fn rtrace_sink_unregister(abi: u32, sink: *const RawSink) {
    if check_abi(abi, core::ptr::null_mut()).is_err() {
        return;
    }
    // SAFETY: by the function's contract `sink` is a live, registered sink.
    let removed = registry::lock().unregister_sink(unsafe { &*sink });
    if !removed {
        pr_warn!("unregister of a sink that is not registered: ignored\n");
    }
    // No site calls the sink once this returns: its module may go.
    crate::rtrace::rcu::synchronize();
}

/// The bytes of a connection's three names.
///
/// # Safety
///
/// The three strings are NUL-terminated and outlive the result.
unsafe fn names<'a>(
    sink: *const c_char,
    subsystem: *const c_char,
    event: *const c_char,
) -> [&'a [u8]; 3] {
    // SAFETY: by the function's contract.
    unsafe { [sink, subsystem, event].map(|p| CStr::from_ptr(p).to_bytes()) }
}

/// # Safety
///
/// The three strings are NUL-terminated.
#[no_mangle]
unsafe extern "C" fn rtrace_marker_connect(
    abi: u32,
    sink: *const c_char,
    subsystem: *const c_char,
    event: *const c_char,
) -> c_int {
    errno(check_abi(abi, core::ptr::null_mut()).and_then(|()| {
        // SAFETY: NUL-terminated by the function's contract.
        let [k, s, e] = unsafe { names(sink, subsystem, event) };
        registry::lock().connect(k, s, e)
    }))
}

/// # Safety
///
/// The three strings are NUL-terminated.
#[no_mangle]
unsafe extern "C" fn rtrace_marker_disconnect(
    abi: u32,
    sink: *const c_char,
    subsystem: *const c_char,
    event: *const c_char,
) -> c_int {
    errno(check_abi(abi, core::ptr::null_mut()).and_then(|()| {
        // SAFETY: NUL-terminated by the function's contract.
        let [k, s, e] = unsafe { names(sink, subsystem, event) };
        let result = registry::lock().disconnect(k, s, e);
        // The sink receives none of the marker's records once this returns.
        crate::rtrace::rcu::synchronize();
        result
    }))
}
