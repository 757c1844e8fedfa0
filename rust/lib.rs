// SPDX-License-Identifier: GPL-2.0

//! The host build of rtrace's shared pure code.
//!
//! The same files are compiled into every kernel module through `rust/rtrace.rs`; here they are
//! built with `std` so that `cargo test` checks the algorithms the kernel relies on.

pub mod declaration;
pub mod encoder;
pub mod filter;
pub mod histogram;
pub mod probe_array;
pub mod rcu_array;
pub mod record;
pub mod ring_buffer;
pub mod ring_record;
pub mod set_event;
pub mod text;

/// The paths the marker macros name: `$crate::rtrace::...` is the `mod rtrace` of rust/rtrace.rs
/// in a kernel module, and this in the host crate, so that host tests expand the same macros.
#[doc(hidden)]
pub mod rtrace {
    pub use super::{encoder, record};
}
