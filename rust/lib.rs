// SPDX-License-Identifier: GPL-2.0

//! The host build of rtrace's pure code, for unit tests and for the `rtrace` tool.
//!
//! The same files are compiled into the kernel modules, the layers through `rust/rtrace.rs` and
//! the others by the one module that uses each; here they are built with `std` so that
//! `cargo test` checks the algorithms the kernel relies on, under the same paths as in a module
//! (`rtrace::marker::record` here is `crate::rtrace::marker::record` there).

pub mod kernel {
    //! The kernel wrappers' pure parts.

    pub mod rcu_array;
}

pub mod tracepoint {
    //! The tracepoint layer's pure parts.

    pub mod declaration;
    pub mod probe_array;
}

pub mod marker {
    //! The marker layer's pure parts: the record format, its encoders and its text form.

    pub mod encoder;
    pub mod record;
    pub mod text;
}

// Code of single modules, at the root of their crate there as here: filters, `set_event` words
// and histograms for their tests only, the ring's buffer and record stream also for the
// benchmark on the host and the tool.

// The marker core's filters (marker/filter.rs).
#[cfg(test)]
#[path = "../marker/filter.rs"]
mod filter;

// The marker core's `set_event` words (marker/set_event.rs).
#[cfg(test)]
#[path = "../marker/set_event.rs"]
mod set_event;

// The ring tracer's per-CPU buffer (sinks/ring/ring_buffer.rs).
#[path = "../sinks/ring/ring_buffer.rs"]
pub mod ring_buffer;

// The ring tracer's binary record stream and its decoder (sinks/ring/ring_record.rs).
#[path = "../sinks/ring/ring_record.rs"]
pub mod ring_record;

// The statistics sink's histograms (sinks/stats/histogram.rs).
#[cfg(test)]
#[path = "../sinks/stats/histogram.rs"]
mod histogram;

/// The paths the shared code and the marker macros name: `crate::rtrace::...` is the
/// `mod rtrace` of rust/rtrace.rs in a kernel module, and this in the host crate, so that host
/// tests expand the same macros.
#[doc(hidden)]
pub mod rtrace {
    pub use super::{kernel, marker, tracepoint};
}
