// SPDX-License-Identifier: GPL-2.0

//! Sinks: consumers of marker records (a tracer, statistics, a test), registered by any module
//! and connected to markers by name at run time.
//!
//! A sink implements the `unsafe` trait [`Sink`] (its buffer handling is trusted: the marker core
//! writes into what `reserve` returns); [`raw_sink`] builds the `RawSink` the marker core keeps,
//! and [`Registration`] registers it until dropped. Records reach a sink through its own buffer:
//! `reserve` hands out a [`Reservation`] (room for one record and the sink's handle), the
//! emitting site writes the record there, once, and `commit` takes the handle back and
//! publishes it. Both run wherever markers are emitted, with preemption disabled:
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

use super::abi::{self, RawReservation, RawSink, MARKER_ABI};

/// Room for one record that a [`Sink`] hands out: where the record goes, and the sink's own
/// handle of the reservation, which [`Sink::commit`] takes back.
#[derive(Debug, Clone, Copy)]
pub struct Reservation {
    record: NonNull<u8>,
    handle: usize,
}

impl Reservation {
    /// The reservation of the record at `record`, with the sink's `handle` (any value the sink
    /// chooses: an index, an address).
    #[inline(always)]
    pub const fn new(record: NonNull<u8>, handle: usize) -> Self {
        Self { record, handle }
    }

    /// Where the record goes.
    #[inline(always)]
    pub const fn record(&self) -> NonNull<u8> {
        self.record
    }

    /// The sink's handle.
    #[inline(always)]
    pub const fn handle(&self) -> usize {
        self.handle
    }
}

/// A consumer of marker records.
///
/// # Safety
///
/// An implementation promises, for a reservation that `reserve(id, len)` returns: its record
/// points to at least `len` writable bytes that nothing but the reservation's holder reads or
/// writes until `commit` is given the reservation's handle, and that stay valid until then; and
/// that reservations of one CPU (a task, and the interrupts that nest on it) committed last in,
/// first out are all published. The marker core writes the record there (exactly `len` bytes)
/// and may read it back (to copy it to other sinks) before it commits.
pub unsafe trait Sink: Sync + 'static {
    /// Room for a `len`-byte record of the marker with id `id`, or `None` to drop the record
    /// (the sink counts its own losses).
    ///
    /// # Safety
    ///
    /// Preemption is disabled, and stays so until the reservation is committed.
    unsafe fn reserve(&self, id: u32, len: usize) -> Option<Reservation>;

    /// Publishes the record of the reservation whose handle is `handle`.
    ///
    /// # Safety
    ///
    /// `handle` is that of a reservation that [`Self::reserve`] returned on this CPU, not
    /// committed yet; every reservation taken after it on this CPU is committed; preemption is
    /// still disabled.
    unsafe fn commit(&self, handle: usize);
}

/// # Safety
///
/// `data` is the `&'static S` given to [`raw_sink`]; as for [`Sink::reserve`].
unsafe extern "C" fn reserve<S: Sink>(data: *const c_void, id: u32, len: usize) -> RawReservation {
    // SAFETY: by the function's contract.
    let sink = unsafe { &*data.cast::<S>() };
    // SAFETY: preemption is off, by the function's contract.
    match unsafe { sink.reserve(id, len) } {
        Some(r) => RawReservation {
            record: r.record.as_ptr(),
            handle: r.handle,
        },
        None => RawReservation::NONE,
    }
}

/// # Safety
///
/// `data` is the `&'static S` given to [`raw_sink`]; as for [`Sink::commit`].
unsafe extern "C" fn commit<S: Sink>(data: *const c_void, handle: usize) {
    // SAFETY: by the function's contract.
    let sink = unsafe { &*data.cast::<S>() };
    // SAFETY: by the function's contract.
    unsafe { sink.commit(handle) };
}

/// The `RawSink` of `sink`, named `name`, for a `static`.
pub const fn raw_sink<S: Sink>(name: &'static CStr, sink: &'static S) -> RawSink {
    // SAFETY: the callbacks are `S`'s, whose implementation of the `unsafe` trait keeps the
    // promises `RawSink` needs, given `sink` as their data.
    unsafe { RawSink::new(name, (sink as *const S).cast(), reserve::<S>, commit::<S>) }
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
