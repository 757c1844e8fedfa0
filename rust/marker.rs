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
//! Field types: `u8`, `u16`, `u32`, `u64`, `i8`, `i16`, `i32`, `i64`, `bool`, `char[N]` (a
//! fixed, NUL-padded array such as a task's comm), `str[N]` (a string of at most N bytes) and
//! `bytes[N]` (at most N bytes); the record layout is rust/record.rs's.
//!
//! The functions that call the marker core are `#[inline]`, so that only modules that use them
//! link against it.

use kernel::error::{to_result, Result};
use kernel::ThisModule;

use super::abi::{self, RawMarker, MARKER_ABI};

/// The `FieldType` of a field type written in a `marker!` declaration.
#[doc(hidden)]
#[macro_export]
macro_rules! __marker_field_type {
    (u8) => {
        $crate::rtrace::record::FieldType::U8
    };
    (u16) => {
        $crate::rtrace::record::FieldType::U16
    };
    (u32) => {
        $crate::rtrace::record::FieldType::U32
    };
    (u64) => {
        $crate::rtrace::record::FieldType::U64
    };
    (i8) => {
        $crate::rtrace::record::FieldType::I8
    };
    (i16) => {
        $crate::rtrace::record::FieldType::I16
    };
    (i32) => {
        $crate::rtrace::record::FieldType::I32
    };
    (i64) => {
        $crate::rtrace::record::FieldType::I64
    };
    (bool) => {
        $crate::rtrace::record::FieldType::Bool
    };
    (char [$n:literal]) => {
        $crate::rtrace::record::FieldType::Chars($n)
    };
    (str [$n:literal]) => {
        $crate::rtrace::record::FieldType::Str($n)
    };
    (bytes [$n:literal]) => {
        $crate::rtrace::record::FieldType::Bytes($n)
    };
}

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
            $(#[$meta])*
            #[allow(non_upper_case_globals, dead_code, unreachable_pub)]
            $vis static [<__marker_ $subsystem _ $event>]: $crate::rtrace::abi::RawMarker = {
                static FIELDS: &[$crate::rtrace::abi::RawField] = &[$(
                    $crate::rtrace::abi::RawField::new(
                        concat!(stringify!($field), "\0"),
                        $crate::__marker_field_type!($kind $([$n])?),
                    )
                ),*];
                $crate::rtrace::abi::RawMarker::new(
                    concat!(stringify!($subsystem), "\0"),
                    concat!(stringify!($event), "\0"),
                    FIELDS,
                )
            };
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
