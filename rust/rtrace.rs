// SPDX-License-Identifier: GPL-2.0

//! rtrace's API for kernel modules: the layers of the tracepoint proposal, one folder each.
//!
//! A module includes it with `#[path = "../rust/rtrace.rs"] mod rtrace;` at its crate root (an
//! external module: `#[path = "rtrace/rtrace.rs"]`, see Documentation/instrumenting.rst); the
//! macros reach it as `$crate::rtrace`. The pure parts also build for the host through
//! `rust/lib.rs`, where they are unit-tested.
//!
//! - [`kernel`] (rust/kernel/): safe wrappers of what 6.12's `kernel` crate lacks (RCU, static
//!   keys, per-CPU data, debugfs, tasks, kthreads, module notifiers, the kernel's C tracepoints),
//!   over the C shim rust/shim.c.
//! - [`tracepoint`] (rust/tracepoint/): `tracepoint!`, typed tracepoints for in-kernel users, and
//!   what the tracepoint core checks of a declaration and of a probe array.
//! - [`marker`] (rust/marker/): `marker!`, basic-type events exported to userspace, their record
//!   format, encoders and text form.
//! - [`sink`] (rust/sink/): consumers of marker records, registered by any module.
//! - [`abi`]: the `#[repr(C)]` structures and exported functions that the separately compiled
//!   modules share.
//!
//! Code that only one module uses lives next to that module, not here: the ring buffer in
//! sinks/ring/, histograms in sinks/stats/, filters and `set_event` parsing in marker/.

// The allowances below are the price of including a library as source: each module compiles
// every layer and uses part of it (a probe module never calls what only the cores call, a core
// never expands `tracepoint!`), and `pub` marks the API that the layer offers the including
// module, and the host crate (rust/lib.rs), not an export of that module. Making `rtrace` a `pub`
// module instead would have rustc generate every public function in every module (measured:
// rtrace_tp_badabi.ko's text 4.8 KiB -> 25 KiB, 99 functions more, undefined symbols 39 -> 67).

#[allow(
    dead_code,
    unreachable_pub,
    reason = "each module uses the part of the ABI it speaks"
)]
pub mod abi;

#[allow(
    dead_code,
    unreachable_pub,
    reason = "each module uses the wrappers it needs"
)]
pub mod kernel {
    //! Safe wrappers of kernel APIs that 6.12's `kernel` crate does not have yet.

    pub mod debugfs;
    pub mod global_lock;
    pub mod kernel_tracepoint;
    pub mod kthread;
    pub mod kvec;
    pub mod module;
    pub mod percpu;
    pub mod rcu;
    pub mod rcu_array;
    pub mod static_key;
    pub mod task;
}

#[allow(
    dead_code,
    unreachable_pub,
    reason = "the site, the probe and the core each use their side of a tracepoint"
)]
#[path = "tracepoint/tracepoint.rs"]
pub mod tracepoint;

#[allow(
    dead_code,
    unreachable_pub,
    reason = "probes emit markers, the core and sinks read their records and format"
)]
#[path = "marker/marker.rs"]
pub mod marker;

#[allow(
    dead_code,
    unreachable_pub,
    reason = "sink modules implement sinks, the marker core and probes call them"
)]
#[path = "sink/sink.rs"]
pub mod sink;

// Sites call probes through a function pointer of the declaration's type whose first parameter is
// `*const c_void`, while probes are written with `&D` there: the same ABI, but not the same kCFI
// type hash, so every call would trap. Refuse to build rather than trap at run time.
#[cfg(CONFIG_CFI_CLANG)]
compile_error!(
    "rtrace probes are not kCFI-clean yet: build against a kernel without CONFIG_CFI_CLANG"
);
