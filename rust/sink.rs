// SPDX-License-Identifier: GPL-2.0

//! Sinks: consumers of marker records (a tracer, statistics, a test), registered by any module
//! and connected to markers by name at run time.
//!
//! A sink implements [`Sink`]; [`raw_sink`] builds the `RawSink` the marker core keeps, and
//! [`Registration`] registers it until dropped. Records reach a sink through its own buffer:
//! `reserve` hands out room for one record, the emitting site writes the record there, once,
//! and `commit` publishes it. Both run wherever markers are emitted, with preemption disabled:
//! in process, softirq and hardirq context, and inside the scheduler with the runqueue and
//! `pi_lock` held (the bridge's `sched_switch` and `sched_wakeup`). So they take no lock such a
//! context cannot take and wake nobody up; and a reservation may be interrupted by another on
//! the same CPU, committed before it (last reserved, first committed).
//!
//! [`disconnect`] and dropping a [`Registration`] return once no callback of the sink runs for
//! what was disconnected.

use core::ffi::{c_void, CStr};
use core::ptr::NonNull;

use kernel::error::{to_result, Result};
use kernel::ThisModule;

use super::abi::{self, RawSink, MARKER_ABI};

/// A consumer of marker records.
pub trait Sink: Sync + 'static {
    /// Room for a `len`-byte record of the marker with id `id`, or `None` to drop the record
    /// (the sink counts its own losses).
    fn reserve(&self, id: u32, len: usize) -> Option<NonNull<u8>>;

    /// Publishes the record written at `record`, as returned by `reserve` on this CPU.
    fn commit(&self, record: NonNull<u8>);
}

/// # Safety
///
/// `data` is the `&'static S` given to [`raw_sink`].
unsafe extern "C" fn reserve<S: Sink>(data: *const c_void, id: u32, len: usize) -> *mut u8 {
    // SAFETY: by the function's contract.
    let sink = unsafe { &*data.cast::<S>() };
    sink.reserve(id, len)
        .map_or(core::ptr::null_mut(), NonNull::as_ptr)
}

/// # Safety
///
/// As for `reserve`; `record` was returned by `reserve`.
unsafe extern "C" fn commit<S: Sink>(data: *const c_void, record: *mut u8) {
    // SAFETY: by the function's contract.
    let sink = unsafe { &*data.cast::<S>() };
    if let Some(record) = NonNull::new(record) {
        sink.commit(record);
    }
}

/// The `RawSink` of `sink`, named `name`, for a `static`.
pub const fn raw_sink<S: Sink>(name: &'static CStr, sink: &'static S) -> RawSink {
    RawSink {
        name: name.as_ptr(),
        data: (sink as *const S).cast(),
        reserve: reserve::<S>,
        commit: commit::<S>,
    }
}

/// A registered sink; dropping it disconnects it from every marker and waits until none of its
/// callbacks runs.
pub struct Registration {
    raw: &'static RawSink,
}

impl Registration {
    /// Registers `raw` for module `owner`.
    #[inline]
    pub fn new(raw: &'static RawSink, owner: &'static ThisModule) -> Result<Self> {
        // SAFETY: `raw` is a static sink of `owner`, which stays loaded until `drop` removes it.
        to_result(unsafe { abi::rtrace_sink_register(MARKER_ABI, raw, owner.as_ptr()) })?;
        Ok(Self { raw })
    }
}

impl Drop for Registration {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: registered by `new`; returns once no callback of the sink runs.
        unsafe { abi::rtrace_sink_unregister(MARKER_ABI, self.raw) };
    }
}

/// Connects the sink named `sink` to the marker `subsystem:event`, registered or not yet.
#[inline]
pub fn connect(sink: &CStr, subsystem: &CStr, event: &CStr) -> Result {
    // SAFETY: three NUL-terminated strings, copied by the core.
    to_result(unsafe {
        abi::rtrace_marker_connect(
            MARKER_ABI,
            sink.as_ptr(),
            subsystem.as_ptr(),
            event.as_ptr(),
        )
    })
}

/// Removes the connection of `sink` to `subsystem:event`; returns once the sink receives none of
/// the marker's records any more (sleeps for a grace period).
#[inline]
pub fn disconnect(sink: &CStr, subsystem: &CStr, event: &CStr) -> Result {
    // SAFETY: as in `connect`.
    to_result(unsafe {
        abi::rtrace_marker_disconnect(
            MARKER_ABI,
            sink.as_ptr(),
            subsystem.as_ptr(),
            event.as_ptr(),
        )
    })
}
