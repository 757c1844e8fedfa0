// SPDX-License-Identifier: GPL-2.0

//! The running kernel's own (C) tracepoints: finding one by name and connecting a probe to it,
//! for the bridge that turns them into markers.
//!
//! C header: [`include/linux/tracepoint.h`](srctree/include/linux/tracepoint.h)
//!
//! A probe for a C tracepoint is an `extern "C" fn(data: *mut c_void, args...)` whose arguments
//! are exactly the tracepoint's `TP_PROTO`; nothing checks that here, so each probe states the
//! prototype it was written against.

use core::ffi::{c_int, c_void, CStr};

use kernel::bindings;
use kernel::error::{to_result, Result};

// Exported by kernel/tracepoint.c; absent from the 6.12 bindings. Pointers are opaque here.
#[allow(improper_ctypes)]
extern "C" {
    fn for_each_kernel_tracepoint(
        fct: unsafe extern "C" fn(tp: *mut bindings::tracepoint, data: *mut c_void),
        data: *mut c_void,
    );
    fn tracepoint_probe_register(
        tp: *mut bindings::tracepoint,
        probe: *mut c_void,
        data: *mut c_void,
    ) -> c_int;
    fn tracepoint_probe_unregister(
        tp: *mut bindings::tracepoint,
        probe: *mut c_void,
        data: *mut c_void,
    ) -> c_int;
    fn rtrace_tracepoint_synchronize_unregister();
}

struct Search<'a> {
    name: &'a CStr,
    found: *mut bindings::tracepoint,
}

/// # Safety
///
/// `tp` is a kernel tracepoint and `data` the `Search` of [`find`].
unsafe extern "C" fn compare(tp: *mut bindings::tracepoint, data: *mut c_void) {
    // SAFETY: by the function's contract.
    let (search, name) = unsafe {
        (
            &mut *data.cast::<Search<'_>>(),
            CStr::from_ptr((*tp).name.cast()),
        )
    };
    if name == search.name {
        search.found = tp;
    }
}

/// The kernel's (built-in) tracepoint named `name`, if this kernel has it.
pub fn find(name: &CStr) -> Option<*mut bindings::tracepoint> {
    let mut search = Search {
        name,
        found: core::ptr::null_mut(),
    };
    // SAFETY: `compare` receives `search` back, which outlives the (synchronous) walk.
    unsafe { for_each_kernel_tracepoint(compare, (&mut search as *mut Search<'_>).cast()) };
    (!search.found.is_null()).then_some(search.found)
}

/// A probe connected to a kernel tracepoint, disconnected when dropped (then call
/// [`synchronize`] before the probe's module goes).
pub struct Connection {
    tp: *mut bindings::tracepoint,
    probe: *mut c_void,
}

// SAFETY: the tracepoint and probe are kernel and module text/data, usable from any thread.
unsafe impl Send for Connection {}
// SAFETY: `&Connection` exposes nothing.
unsafe impl Sync for Connection {}

impl Connection {
    /// Connects `probe`, with no data, to `tp`.
    ///
    /// # Safety
    ///
    /// `tp` was returned by [`find`]; `probe` is an `extern "C" fn(*mut c_void, args...)` with
    /// the tracepoint's exact prototype, in a module that drops the connection and calls
    /// [`synchronize`] before it goes.
    pub unsafe fn new(tp: *mut bindings::tracepoint, probe: *mut c_void) -> Result<Self> {
        // SAFETY: by the function's contract.
        to_result(unsafe { tracepoint_probe_register(tp, probe, core::ptr::null_mut()) })?;
        Ok(Self { tp, probe })
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        // Unregistering may fail only for lack of memory, in which case the kernel replaces the
        // probe by a stub in place: either way it is not called after `synchronize`.
        // SAFETY: the probe was registered on `tp` by `new`.
        unsafe { tracepoint_probe_unregister(self.tp, self.probe, core::ptr::null_mut()) };
    }
}

/// `tracepoint_synchronize_unregister()`: no probe disconnected before the call runs after it.
pub fn synchronize() {
    // SAFETY: no precondition beyond process context.
    unsafe { rtrace_tracepoint_synchronize_unregister() };
}
