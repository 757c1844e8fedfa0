// SPDX-License-Identifier: GPL-2.0

//! Tracepoints: declaring them once, defining and firing them in the instrumented module, and
//! connecting probes to them from any module.
//!
//! C header: [`include/linux/tracepoint.h`](srctree/include/linux/tracepoint.h) (the model)
//!
//! A declaration file, shared by the instrumented module and every probe module as C shares
//! `include/trace/events/*.h`, declares tracepoints with [`tracepoint!`](crate::tracepoint):
//!
//! ```ignore
//! use kernel::task::Task;
//! rtrace::tracepoint! {
//!     /// The token passes from `prev` to `next`.
//!     pub fn sched_switch(prev: &Task, next: &Task);
//! }
//! ```
//!
//! For each `NAME` this expands to (see `Documentation/tracepoints.rst`):
//! - `trace_NAME(args)`: the site. A 5-byte NOP while no probe is connected; otherwise an
//!   out-of-line call that walks the RCU-protected probe array and calls every probe.
//! - `register_trace_NAME(probe, data)`, `register_trace_prio_NAME(probe, data, prio)` and
//!   `unregister_trace_NAME(probe, data)`, where `probe` is a `fn(&D, args...)` checked by the
//!   compiler against the declaration, and `data: &'static D`.
//! - `__tracepoint_NAME`, the [`RawTracepoint`] that `define_tracepoints!(NAME, ...)` registers
//!   with the core in the one module that fires it.
//!
//! The including crate must have this code as `mod rtrace` at its root (that is how `$crate` paths
//! reach it) and be a kernel module (`crate::THIS_MODULE` names the owner of registrations).
//! Argument types must be `Copy` (references, integers): every probe gets the same values.
//!
//! The functions that call the tracepoint core are `#[inline]`, so that only modules that use
//! them link against the core.

use core::ffi::{c_char, c_void};

use kernel::error::{to_result, Result};
use kernel::ThisModule;

use super::abi::{self, RawTracepoint, TRACEPOINT_ABI};

/// Declares tracepoints; see the [module documentation](self).
// `crate::THIS_MODULE` is the including module's, on purpose: it owns the registrations.
#[allow(clippy::crate_in_macro_def)]
#[macro_export]
macro_rules! tracepoint {
    ($(
        $(#[$meta:meta])*
        $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?);
    )*) => {$(
        ::kernel::macros::paste! {
            #[doc(hidden)]
            #[allow(non_upper_case_globals, dead_code, unreachable_pub)]
            pub static [<__tracepoint_ $name>]: $crate::rtrace::abi::RawTracepoint =
                $crate::rtrace::abi::RawTracepoint::new(
                    concat!(stringify!($name), "\0"),
                    concat!(stringify!($($arg: $ty),*), "\0"),
                    [<__tracepoint_stub_ $name>] as *const ::core::ffi::c_void,
                );

            /// Does nothing: stands in for a removed probe when memory is short.
            #[allow(dead_code, unused_variables)]
            fn [<__tracepoint_stub_ $name>](data: *const ::core::ffi::c_void, $($arg: $ty),*) {}

            $(#[$meta])*
            #[inline(always)]
            #[allow(dead_code, unreachable_pub)]
            $vis fn [<trace_ $name>]($($arg: $ty),*) {
                if $crate::static_branch_unlikely!(
                    [<__tracepoint_ $name>],
                    ::core::mem::offset_of!($crate::rtrace::abi::RawTracepoint, key)
                ) {
                    [<__do_trace_ $name>]($($arg),*);
                }
            }

            #[cold]
            #[inline(never)]
            #[allow(dead_code)]
            fn [<__do_trace_ $name>]($($arg: $ty),*) {
                let rcu = $crate::rtrace::rcu::ReadGuard::new();
                [<__tracepoint_ $name>].for_each_probe(&rcu, |func, data| {
                    // The core only stores in this array functions given to
                    // `register_trace_prio_*` below, of type `fn(&D, args...)` for a sized `D`,
                    // and this tracepoint's stub, of exactly the type called here; `&D` and
                    // `*const c_void` are ABI-compatible thin pointers.
                    // SAFETY: so the call is well-typed, and `data` is the `&'static D` of `func`.
                    let probe = unsafe { ::core::mem::transmute::<*const ::core::ffi::c_void, fn(*const ::core::ffi::c_void, $($ty),*)>(func) };
                    probe(data, $($arg),*);
                });
            }

            /// Connects `probe` with `data` to the tracepoint, at the default priority.
            #[allow(dead_code, unreachable_pub)]
            $vis fn [<register_trace_ $name>]<D: Sync>(
                probe: fn(&D, $($ty),*),
                data: &'static D,
            ) -> ::kernel::error::Result {
                [<register_trace_prio_ $name>](probe, data, $crate::rtrace::probe_array::DEFAULT_PRIO)
            }

            /// Connects `probe` with `data` to the tracepoint; higher `prio` is called first.
            #[allow(dead_code, unreachable_pub)]
            $vis fn [<register_trace_prio_ $name>]<D: Sync>(
                probe: fn(&D, $($ty),*),
                data: &'static D,
                prio: i32,
            ) -> ::kernel::error::Result {
                $crate::rtrace::tracepoint::register(
                    &[<__tracepoint_ $name>],
                    probe as *const ::core::ffi::c_void,
                    (data as *const D).cast(),
                    prio,
                    &crate::THIS_MODULE,
                )
            }

            /// Disconnects `probe` with `data`; call `synchronize_unregister()` before the data
            /// or the probe's module goes away.
            #[allow(dead_code, unreachable_pub)]
            $vis fn [<unregister_trace_ $name>]<D: Sync>(
                probe: fn(&D, $($ty),*),
                data: &'static D,
            ) -> ::kernel::error::Result {
                $crate::rtrace::tracepoint::unregister(
                    &[<__tracepoint_ $name>],
                    probe as *const ::core::ffi::c_void,
                    (data as *const D).cast(),
                )
            }
        }
    )*};
}

/// Defines, in the module that fires them, tracepoints declared with `tracepoint!` (named without
/// their path, so they must be in scope), and evaluates to a `Result<Definitions>` that keeps them
/// defined until it is dropped.
#[allow(clippy::crate_in_macro_def)]
#[macro_export]
macro_rules! define_tracepoints {
    ($($name:ident),+ $(,)?) => {
        ::kernel::macros::paste! {{
            static TRACEPOINTS: &[&$crate::rtrace::abi::RawTracepoint] =
                &[$(&[<__tracepoint_ $name>]),+];
            $crate::rtrace::tracepoint::Definitions::new(TRACEPOINTS, &crate::THIS_MODULE)
        }}
    };
}

/// Tracepoints defined by this module; dropping it removes them (their probes go back to pending)
/// and waits until none of their probes runs any more.
pub struct Definitions {
    tracepoints: &'static [&'static RawTracepoint],
}

impl Definitions {
    /// Defines every tracepoint of `tracepoints`, or none of them.
    #[inline]
    pub fn new(
        tracepoints: &'static [&'static RawTracepoint],
        owner: &'static ThisModule,
    ) -> Result<Self> {
        for (i, tp) in tracepoints.iter().enumerate() {
            // SAFETY: `tp` is a `RawTracepoint` in static storage, as the core requires; `owner`
            // is this module, which outlives the definition (dropped in its exit at the latest).
            let ret = unsafe { abi::rtrace_tracepoint_define(TRACEPOINT_ABI, *tp, owner.as_ptr()) };
            if let Err(e) = to_result(ret) {
                // Dropping the partial set undefines what was defined.
                drop(Self {
                    tracepoints: &tracepoints[..i],
                });
                return Err(e);
            }
        }
        Ok(Self { tracepoints })
    }
}

impl Drop for Definitions {
    #[inline]
    fn drop(&mut self) {
        for tp in self.tracepoints.iter().rev() {
            // SAFETY: `tp` was defined by `new` and not undefined since.
            unsafe { abi::rtrace_tracepoint_undefine(TRACEPOINT_ABI, *tp) };
        }
    }
}

/// Registers a probe by the tracepoint's name and signature; used by `register_trace_prio_*`.
#[doc(hidden)]
#[inline]
pub fn register(
    tp: &RawTracepoint,
    func: *const c_void,
    data: *const c_void,
    prio: i32,
    owner: &'static ThisModule,
) -> Result {
    // `tp.name` and `tp.signature` are static NUL-terminated strings (type invariant of
    // `RawTracepoint`); `owner` is the calling module.
    // SAFETY: `func` and `data` are a probe of the tracepoint's type and its `'static` data.
    to_result(unsafe {
        abi::rtrace_probe_register(
            TRACEPOINT_ABI,
            tp.name,
            tp.signature,
            func,
            data,
            prio,
            owner.as_ptr(),
        )
    })
}

/// Unregisters a probe; used by `unregister_trace_*`.
#[doc(hidden)]
#[inline]
pub fn unregister(tp: &RawTracepoint, func: *const c_void, data: *const c_void) -> Result {
    let name: *const c_char = tp.name;
    // SAFETY: `name` is a static NUL-terminated string; the core only compares `func` and `data`.
    to_result(unsafe { abi::rtrace_probe_unregister(TRACEPOINT_ABI, name, func, data) })
}

/// Waits until no CPU runs a probe unregistered before the call: a probe module calls it in its
/// exit, after its last `unregister_trace_*`, before its code and data go away.
#[inline]
pub fn synchronize_unregister() {
    // SAFETY: no precondition beyond process context (module exit is).
    unsafe { abi::rtrace_probe_synchronize(TRACEPOINT_ABI) };
}
