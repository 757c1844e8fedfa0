// SPDX-License-Identifier: GPL-2.0

//! rtrace's shared kernel-side code, compiled into every rtrace module.
//!
//! A module includes it with `#[path = "../rust/rtrace.rs"] mod rtrace;` (the 6.12 `kernel` crate
//! has no RCU or static-key abstractions, so rtrace keeps its own, here, in one place). The pure
//! parts also build for the host through `rust/lib.rs`, where they are unit-tested.

#![allow(dead_code)]

pub mod probe_array;
pub mod rcu;
