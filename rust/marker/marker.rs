// SPDX-License-Identifier: GPL-2.0

//! Markers: named events of basic-type fields, the API exported to userspace. Probe modules
//! declare them with [`marker!`](crate::marker) and register them with
//! [`register_markers!`](crate::register_markers); the marker core (`rtrace_marker.ko`) gives
//! each an id and a `format` file under `/sys/kernel/debug/rtrace/markers/`.
//!
//! ```ignore
//! rtrace::marker! {
//!     /// The sample ring's token passes between two threads.
//!     pub sample:sched_switch {
//!         prev_comm: char[16],
//!         prev_pid: i32,
//!         next_comm: char[16],
//!         next_pid: i32,
//!     }
//! }
//! let markers = crate::register_markers!(sample:sched_switch)?;
//! ```
//!
//! Each marker gets `emit_SUBSYSTEM_EVENT(fields...)` and `enabled_SUBSYSTEM_EVENT()`, both a
//! NOP while no sink is connected; a probe that must work to gather the fields checks the latter
//! first.
//!
//! Field types: `u8`, `u16`, `u32`, `u64`, `i8`, `i16`, `i32`, `i64`, `bool`, `char[N]` (a
//! fixed, NUL-padded array such as a task's comm), `str[N]` (a string of at most N bytes) and
//! `bytes[N]` (at most N bytes); the record layout is rust/marker/record.rs's. `emit_*` takes integers
//! and `bool`s as such, a `char[N]` as `&[u8; M]` (any `M`) or `&[u8]`, a `str[N]` or `bytes[N]`
//! as `&[u8]`; it writes the record with an encoder generated from the declaration
//! (rust/marker/encoder.rs), after the marker's filter, if one is set, passed the values (the marker
//! core evaluates it).
//!
//! The functions that call the marker core are `#[inline]`, so that only modules that use them
//! link against it.

use kernel::error::{to_result, Result};
use kernel::ThisModule;

use core::ptr::NonNull;

use super::abi::{self, RawMarker, RawSink, MARKER_ABI};
use super::kernel::rcu::ReadGuard;
use encoder::{SiteSink, SiteSinks};

pub mod encoder;
pub mod record;
pub mod text;

/// Declares markers; see the [module documentation](self).
#[macro_export]
macro_rules! marker {
    ($(
        $(#[$meta:meta])*
        $vis:vis $subsystem:ident : $event:ident {
            $($field:ident : $kind:ident $([$n:literal])?),* $(,)?
        }
    )*) => {$(
        ::kernel::macros::paste! {
            #[doc(hidden)]
            #[allow(non_upper_case_globals, dead_code, unreachable_pub)]
            $vis static [<__marker_ $subsystem _ $event>]: $crate::rtrace::abi::RawMarker = {
                static FIELDS: &[$crate::rtrace::abi::RawField] = &[$(
                    $crate::rtrace::abi::RawField::new(
                        $crate::rtrace::abi::nul_terminated(concat!(stringify!($field), "\0")),
                        $crate::__marker_field_type!($kind $([$n])?),
                    )
                ),*];
                // SAFETY: a static, whose only site is the `emit_*` function below: it encodes
                // the fields of `FIELDS`, in their order.
                unsafe {
                    $crate::rtrace::abi::RawMarker::new(
                        $crate::rtrace::abi::nul_terminated(concat!(stringify!($subsystem), "\0")),
                        $crate::rtrace::abi::nul_terminated(concat!(stringify!($event), "\0")),
                        FIELDS,
                    )
                }
            };

            /// Whether a sink is connected to the marker: a NOP while none is. Probes check it
            /// before they gather the fields.
            #[inline(always)]
            #[allow(dead_code, unreachable_pub)]
            $vis fn [<enabled_ $subsystem _ $event>]() -> bool {
                $crate::static_branch_unlikely!(
                    [<__marker_ $subsystem _ $event>],
                    $crate::rtrace::abi::RawMarker::KEY_OFFSET
                )
            }

            $(#[$meta])*
            ///
            /// A NOP while no sink is connected to the marker.
            #[inline(always)]
            #[allow(dead_code, unreachable_pub, clippy::too_many_arguments)]
            $vis fn [<emit_ $subsystem _ $event>]($($field: $crate::__marker_arg_type!($kind $([$n])?)),*) {
                if [<enabled_ $subsystem _ $event>]() {
                    [<__do_emit_ $subsystem _ $event>]($($field),*);
                }
            }

            /// Checks the filter (only if one is set), measures the record (a constant without
            /// `str` and `bytes` fields) and writes it with the encoder generated from the
            /// declaration (rust/marker/encoder.rs).
            #[cold]
            #[inline(never)]
            #[allow(dead_code, clippy::too_many_arguments)]
            fn [<__do_emit_ $subsystem _ $event>]($($field: $crate::__marker_arg_type!($kind $([$n])?)),*) {
                let rcu = $crate::rtrace::kernel::rcu::ReadGuard::new();
                let marker = &[<__marker_ $subsystem _ $event>];
                if marker.has_filter(&rcu) && !marker.passes(&rcu, &[$(
                    $crate::rtrace::abi::RawValue::new($crate::__marker_value!($field, $kind $([$n])?))
                ),*]) {
                    return;
                }
                let Some(len) = $crate::__marker_len!($($field: $kind $([$n])?),*) else {
                    return;
                };
                $crate::rtrace::marker::write_record(marker, &rcu, len, |out| {
                    $crate::__marker_encode!(out; $($field: $kind $([$n])?),*)
                });
            }
        }
    )*};
}

/// Registers markers declared with `marker!` (named `subsystem:event`, in scope) and evaluates
/// to a `Result<Markers>` that keeps them registered until it is dropped.
#[allow(clippy::crate_in_macro_def)]
#[macro_export]
macro_rules! register_markers {
    ($($subsystem:ident : $event:ident),+ $(,)?) => {
        ::kernel::macros::paste! {{
            static MARKERS: &[&$crate::rtrace::abi::RawMarker] =
                &[$(&[<__marker_ $subsystem _ $event>]),+];
            $crate::rtrace::marker::Markers::new(MARKERS, &crate::THIS_MODULE)
        }}
    };
}

/// Markers registered by this module; dropping it removes them.
pub struct Markers {
    markers: &'static [&'static RawMarker],
}

impl Markers {
    /// Registers every marker of `markers`, or none of them.
    #[inline]
    pub fn new(markers: &'static [&'static RawMarker], owner: &'static ThisModule) -> Result<Self> {
        for (i, m) in markers.iter().enumerate() {
            // SAFETY: `m` is a `RawMarker` in static storage of `owner`, which stays loaded until
            // `drop` (in its exit at the latest) removes it.
            let ret = unsafe { abi::rtrace_marker_register(MARKER_ABI, *m, owner.as_ptr()) };
            if let Err(e) = to_result(ret) {
                // Dropping the partial set removes what was registered.
                drop(Self {
                    markers: &markers[..i],
                });
                return Err(e);
            }
        }
        Ok(Self { markers })
    }
}

impl Drop for Markers {
    #[inline]
    fn drop(&mut self) {
        for m in self.markers.iter().rev() {
            // SAFETY: `m` was registered by `new` and not removed since.
            unsafe { abi::rtrace_marker_unregister(MARKER_ABI, *m) };
        }
    }
}

/// A marker's connected sinks, found inside the RCU-sched read side that `rcu` proves (which
/// also keeps preemption off, as sinks require).
struct Connected<'a> {
    marker: &'a RawMarker,
    rcu: &'a ReadGuard,
}

// SAFETY: `RawSink::reserve` gives `len` writable bytes, the caller's until it commits; sinks
// commit last in, first out (`RawSink`'s contract).
unsafe impl SiteSink for RawSink {
    #[inline(always)]
    unsafe fn reserve(&self, id: u32, len: usize) -> Option<(NonNull<u8>, usize)> {
        // SAFETY: preemption is off (the caller's promise).
        let r = unsafe { RawSink::reserve(self, id, len) };
        Some((NonNull::new(r.record)?, r.handle))
    }

    #[inline(always)]
    unsafe fn commit(&self, handle: usize) {
        // SAFETY: as the caller promises.
        unsafe { RawSink::commit(self, handle) }
    }
}

impl SiteSinks for Connected<'_> {
    type Sink = RawSink;

    #[inline(always)]
    fn first(&self) -> Option<(&RawSink, bool)> {
        self.marker.first_sink(self.rcu)
    }

    #[inline(always)]
    fn for_each<'s>(&'s self, f: impl FnMut(&'s RawSink)) {
        self.marker.for_each_sink(self.rcu, f)
    }

    #[inline(always)]
    fn id(&self) -> u32 {
        // Read after the sink array (acquire), so after the id was set.
        self.marker.id()
    }
}

/// Writes one `len`-byte record of `marker` to every connected sink, with the code shared with
/// the host benchmark ([`encoder::write_record`](self::encoder::write_record)): `encode`
/// writes it once, into the first sink's buffer, and the others get copies.
///
/// The guard proves the RCU-sched read side that keeps the marker's sinks alive, and keeps
/// preemption off, as sinks require.
#[doc(hidden)]
#[inline]
pub fn write_record(
    marker: &RawMarker,
    rcu: &ReadGuard,
    len: usize,
    encode: impl FnOnce(&mut [u8]),
) {
    encoder::write_record(&Connected { marker, rcu }, len, encode);
}
