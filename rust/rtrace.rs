// SPDX-License-Identifier: GPL-2.0

//! rtrace's shared kernel-side code, compiled into every rtrace module.
//!
//! A module includes it with `#[path = "../rust/rtrace.rs"] mod rtrace;` at its crate root (the
//! 6.12 `kernel` crate has no RCU, static-key or debugfs abstractions, so rtrace keeps its own,
//! here, in one place). The pure parts also build for the host through `rust/lib.rs`, where they
//! are unit-tested.

// Each including module uses its own part of this code, and `pub` here is the API offered to
// that module, not an export of it.
#![allow(dead_code, unreachable_pub)]

pub mod abi;
pub mod debugfs;
pub mod declaration;
pub mod encoder;
pub mod filter;
pub mod global_lock;
pub mod histogram;
pub mod kernel_tracepoint;
pub mod kthread;
pub mod kvec;
pub mod marker;
pub mod module;
pub mod percpu;
pub mod probe_array;
pub mod rcu;
pub mod rcu_array;
pub mod record;
pub mod ring_buffer;
pub mod ring_record;
pub mod set_event;
pub mod sink;
pub mod static_key;
pub mod task;
pub mod text;
pub mod tracepoint;

// Sites call probes through a function pointer of the declaration's type whose first parameter is
// `*const c_void`, while probes are written with `&D` there: the same ABI, but not the same kCFI
// type hash, so every call would trap. Refuse to build rather than trap at run time.
#[cfg(CONFIG_CFI_CLANG)]
compile_error!(
    "rtrace probes are not kCFI-clean yet: build against a kernel without CONFIG_CFI_CLANG"
);
