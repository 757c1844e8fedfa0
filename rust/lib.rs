// SPDX-License-Identifier: GPL-2.0

//! The host build of rtrace's shared pure code.
//!
//! The same files are compiled into every kernel module through `rust/rtrace.rs`; here they are
//! built with `std` so that `cargo test` checks the algorithms the kernel relies on.

pub mod declaration;
pub mod filter;
pub mod histogram;
pub mod probe_array;
pub mod rcu_array;
pub mod record;
pub mod ring_buffer;
pub mod ring_record;
pub mod set_event;
pub mod text;
