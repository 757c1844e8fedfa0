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
//! - `trace_NAME(args)`: the site. A 5-byte NOP while no probe is connected; otherwise, in an
//!   RCU-sched read-side section, a call of the tracepoint's static call with the first probe's
//!   data: a direct call of the only probe, or of the iterator that walks the RCU-protected probe
//!   array and calls every probe (on x86_64; elsewhere the site calls the iterator).
//! - `register_trace_NAME(probe, data)`, `register_trace_prio_NAME(probe, data, prio)` and
//!   `unregister_trace_NAME(probe, data)`, where `probe` is a `fn(&D, args...)` checked by the
//!   compiler against the declaration, and `data: &'static D`.
//! - `__tracepoint_NAME`, the [`RawTracepoint`] that `define_tracepoints!(NAME, ...)` registers
//!   with the core in the one module that fires it, and (x86_64) its static call's key
//!   `__SCK__rtrace_NAME` and trampoline `__SCT__rtrace_NAME`.
//!
//! The including crate must have this code as `mod rtrace` at its root (that is how `$crate` paths
//! reach it) and be a kernel module (`crate::THIS_MODULE` names the owner of registrations).
//! Argument types must be `Copy` (references, integers): every probe gets the same values.
//!
//! The functions that call the tracepoint core are `#[inline]`, so that only modules that use
//! them link against the core.

use core::ffi::c_void;

use kernel::error::{to_result, Result};
use kernel::ThisModule;

use super::abi::{self, RawTracepoint, TRACEPOINT_ABI};

pub mod declaration;
pub mod probe_array;

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
                // SAFETY: the signature text and the argument types are this declaration's; the
                // stub and the iterator below have its type, and the iterator walks this
                // tracepoint's array in its site's read-side section; the static call (where
                // there is one) is this tracepoint's, defined below in this module, its
                // trampoline jumping to the iterator until the core says otherwise.
                unsafe {
                    $crate::rtrace::abi::RawTracepoint::new(
                        $crate::rtrace::abi::c_str(concat!(stringify!($name), "\0")),
                        $crate::rtrace::abi::c_str(concat!(stringify!($($arg: $ty),*), "\0")),
                        [<__tracepoint_arg_type_ $name>],
                        [<__tracepoint_stub_ $name>] as *const ::core::ffi::c_void,
                        [<__traceiter_ $name>] as *const ::core::ffi::c_void,
                        $crate::__tracepoint_static_call!($name),
                    )
                };

            /// The identity of each argument type, for the core's check.
            #[allow(dead_code)]
            extern "C" fn [<__tracepoint_arg_type_ $name>](
                index: usize,
            ) -> $crate::rtrace::abi::ArgType {
                let types: &[$crate::rtrace::abi::ArgType] =
                    &[$($crate::rtrace::abi::ArgType::of::<$ty>()),*];
                types.get(index).copied().unwrap_or($crate::rtrace::abi::ArgType::END)
            }

            /// Does nothing: stands in for a removed probe when memory is short.
            #[allow(dead_code, unused_variables)]
            fn [<__tracepoint_stub_ $name>](data: *const ::core::ffi::c_void, $($arg: $ty),*) {}

            /// Calls every connected probe, in priority order; `_data` is ignored.
            ///
            /// # Safety
            ///
            /// Called in an RCU-sched read-side section: by the site, directly or through its
            /// static call.
            #[allow(dead_code)]
            #[inline]
            unsafe fn [<__traceiter_ $name>](_data: *const ::core::ffi::c_void, $($arg: $ty),*) {
                let call = |func, data| {
                    // The core only stores in this array functions given to
                    // `register_trace_prio_*` below, of type `fn(&D, args...)` for a sized `D`,
                    // and this tracepoint's stub, of exactly the type called here; `&D` and
                    // `*const c_void` are ABI-compatible thin pointers.
                    // SAFETY: so the call is well-typed, and `data` is the `&'static D` of
                    // `func`.
                    let probe = unsafe {
                        ::core::mem::transmute::<
                            *const ::core::ffi::c_void,
                            fn(*const ::core::ffi::c_void, $($ty),*),
                        >(func)
                    };
                    probe(data, $($arg),*);
                };
                // SAFETY: by the function's contract, in a read-side section.
                unsafe { [<__tracepoint_ $name>].for_each_probe_in_site(call) };
            }

            $crate::__tracepoint_site!($name, $($arg: $ty),*);

            $(#[$meta])*
            #[inline(always)]
            #[allow(dead_code, unreachable_pub)]
            $vis fn [<trace_ $name>]($($arg: $ty),*) {
                if $crate::static_branch_unlikely!(
                    [<__tracepoint_ $name>],
                    $crate::rtrace::abi::RawTracepoint::KEY_OFFSET
                ) {
                    [<__do_trace_ $name>]($($arg),*);
                }
            }

            /// Connects `probe` with `data` to the tracepoint, at the default priority.
            #[allow(dead_code, unreachable_pub)]
            $vis fn [<register_trace_ $name>]<D: Sync>(
                probe: fn(&D, $($ty),*),
                data: &'static D,
            ) -> ::kernel::error::Result {
                [<register_trace_prio_ $name>](probe, data, $crate::rtrace::tracepoint::probe_array::DEFAULT_PRIO)
            }

            /// Connects `probe` with `data` to the tracepoint; higher `prio` is called first.
            ///
            /// `D` must not be zero-sized (checked at compile time): a probe is the pair
            /// (function, data address), and zero-sized values have no address of their own.
            #[allow(dead_code, unreachable_pub)]
            $vis fn [<register_trace_prio_ $name>]<D: Sync>(
                probe: fn(&D, $($ty),*),
                data: &'static D,
                prio: i32,
            ) -> ::kernel::error::Result {
                const { $crate::rtrace::tracepoint::assert_probe_data::<D>() };
                // SAFETY: `probe` is a `fn(&D, args...)` in this declaration's types, for a sized
                // `Sync` `D`, and `data` a `&'static D`.
                unsafe {
                    $crate::rtrace::tracepoint::register(
                        &[<__tracepoint_ $name>],
                        probe as *const ::core::ffi::c_void,
                        (data as *const D).cast(),
                        prio,
                        &crate::THIS_MODULE,
                    )
                }
            }

            /// Disconnects `probe` with `data`; call `synchronize_unregister()` before the data
            /// or the probe's module goes away.
            #[allow(dead_code, unreachable_pub)]
            $vis fn [<unregister_trace_ $name>]<D: Sync>(
                probe: fn(&D, $($ty),*),
                data: &'static D,
            ) -> ::kernel::error::Result {
                const { $crate::rtrace::tracepoint::assert_probe_data::<D>() };
                $crate::rtrace::tracepoint::unregister(
                    &[<__tracepoint_ $name>],
                    probe as *const ::core::ffi::c_void,
                    (data as *const D).cast(),
                )
            }
        }
    )*};
}

/// The static call of tracepoint `$name` on x86_64 with inline static calls (objtool records
/// every call to its trampoline in the module's `.static_call_sites`, which the module loader
/// hands to the kernel's static-call code): its key `__SCK__rtrace_NAME`, its trampoline
/// `__SCT__rtrace_NAME` (objtool finds sites by this prefix, and the key by the same name with
/// `__SCK__`), and the enabled path that calls it with the first probe's data.
#[cfg(all(CONFIG_HAVE_STATIC_CALL_INLINE, target_arch = "x86_64"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __tracepoint_site {
    ($name:ident, $($arg:ident: $ty:ty),*) => {
        ::kernel::macros::paste! {
            /// The static call's key: where it jumps, and the kernel's list of its sites.
            #[no_mangle]
            #[allow(non_upper_case_globals)]
            static [<__SCK__rtrace_ $name>]: $crate::rtrace::abi::StaticCallKey =
                $crate::rtrace::abi::StaticCallKey::new(
                    [<__traceiter_ $name>] as *const ::core::ffi::c_void,
                );

            #[allow(non_snake_case)]
            extern "Rust" {
                /// The static call's trampoline, `jmp.d32 target; ud1 %esp, %ecx` (the layout
                /// `arch/x86/kernel/static_call.c` validates before patching it); the kernel
                /// patches the `jmp`, and every recorded call site into a direct call.
                fn [<__SCT__rtrace_ $name>](data: *const ::core::ffi::c_void, $($arg: $ty),*);
            }

            ::core::arch::global_asm!(
                ".pushsection .static_call.text, \"ax\"",
                ".balign 4",
                ".globl {tramp}",
                ".type {tramp}, @function",
                "{tramp}:",
                // ANNOTATE_NOENDBR: the trampoline is only called directly, never through a
                // pointer (its address goes to `__static_call_update()`), so it has no ENDBR.
                ".pushsection .discard.noendbr",
                ".long {tramp}",
                ".popsection",
                ".byte 0xe9",
                ".long {target} - (. + 4)",
                ".byte 0x0f, 0xb9, 0xcc",
                ".size {tramp}, . - {tramp}",
                ".popsection",
                tramp = sym [<__SCT__rtrace_ $name>],
                target = sym [<__traceiter_ $name>],
            );

            /// The enabled path: one probe, its data and the static call; more, the iterator
            /// (inlined: a walk of the array, as without static calls).
            #[inline(always)]
            #[allow(dead_code)]
            fn [<__do_trace_ $name>]($($arg: $ty),*) {
                let rcu = $crate::rtrace::kernel::rcu::ReadGuard::new();
                match [<__tracepoint_ $name>].site_probes(&rcu) {
                    $crate::rtrace::abi::SiteProbes::None => {}
                    $crate::rtrace::abi::SiteProbes::One(data) => {
                        // The trampoline (or the direct call the kernel patched this call into)
                        // goes where the core pointed the static call: this tracepoint's
                        // iterator, which ignores `data` and may run in this read-side section;
                        // its stub; or its only probe, a `fn(&D, args...)` whose data `data` is,
                        // by the transition rules of tracepoint/probes.rs (a grace period
                        // separates a probe's data from another function). `&D` and
                        // `*const c_void` are ABI-compatible thin pointers, and all have the
                        // Rust ABI of this call.
                        // SAFETY: so the call is well-typed and `data` is the callee's.
                        unsafe { [<__SCT__rtrace_ $name>](data, $($arg),*) };
                    }
                    // SAFETY: in the read-side section of `rcu`.
                    $crate::rtrace::abi::SiteProbes::Many => unsafe {
                        [<__traceiter_ $name>](::core::ptr::null(), $($arg),*)
                    },
                }
                drop(rcu);
            }
        }
    };
}

/// The static call of `$name` where there is none: `None`.
#[cfg(not(all(CONFIG_HAVE_STATIC_CALL_INLINE, target_arch = "x86_64")))]
#[doc(hidden)]
#[macro_export]
macro_rules! __tracepoint_static_call {
    ($name:ident) => {
        None
    };
}

/// The static call of `$name`: its key and trampoline.
#[cfg(all(CONFIG_HAVE_STATIC_CALL_INLINE, target_arch = "x86_64"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __tracepoint_static_call {
    ($name:ident) => {
        ::kernel::macros::paste! {
            Some((
                &[<__SCK__rtrace_ $name>],
                [<__SCT__rtrace_ $name>] as *const ::core::ffi::c_void,
            ))
        }
    };
}

/// The enabled path of tracepoint `$name` without static calls: the iterator, called directly.
#[cfg(not(all(CONFIG_HAVE_STATIC_CALL_INLINE, target_arch = "x86_64")))]
#[doc(hidden)]
#[macro_export]
macro_rules! __tracepoint_site {
    ($name:ident, $($arg:ident: $ty:ty),*) => {
        ::kernel::macros::paste! {
            #[cold]
            #[inline(never)]
            #[allow(dead_code)]
            fn [<__do_trace_ $name>]($($arg: $ty),*) {
                let rcu = $crate::rtrace::kernel::rcu::ReadGuard::new();
                // SAFETY: in the read-side section of `rcu`.
                unsafe { [<__traceiter_ $name>](::core::ptr::null(), $($arg),*) };
                drop(rcu);
            }
        }
    };
}

/// Fails to compile (in the constant that `register_trace_prio_*` evaluates) when `D` is
/// zero-sized: probes are told apart by their data's address, and every zero-sized value may
/// have the same one.
#[doc(hidden)]
pub const fn assert_probe_data<D>() {
    assert!(
        core::mem::size_of::<D>() != 0,
        "probe data must not be zero-sized: give each probe a static of its own with a field"
    );
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

/// Registers a probe for `tp`'s name, if its declaration (argument text and types) matches the
/// one the core knows for that name; used by `register_trace_prio_*`.
///
/// # Safety
///
/// `func` is a function of type `fn(&D, args...)`, where `args` are `tp`'s declared argument
/// types and `D` is a sized `Sync` type, and `data` is a `&'static D` (it is later called with
/// `data` and the arguments of every site of that name).
#[doc(hidden)]
#[inline]
pub unsafe fn register(
    tp: &RawTracepoint,
    func: *const c_void,
    data: *const c_void,
    prio: i32,
    owner: &'static ThisModule,
) -> Result {
    // SAFETY: `tp` is a live `RawTracepoint`; `func` and `data` are a probe of its type and its
    // `'static` data by the function's contract; `owner` is the calling module.
    to_result(unsafe {
        abi::rtrace_probe_register(TRACEPOINT_ABI, tp, func, data, prio, owner.as_ptr())
    })
}

/// Unregisters a probe; used by `unregister_trace_*`.
#[doc(hidden)]
#[inline]
#[allow(
    clippy::not_unsafe_ptr_arg_deref,
    reason = "the core compares `func` and `data` with its probes', never dereferences them"
)]
pub fn unregister(tp: &RawTracepoint, func: *const c_void, data: *const c_void) -> Result {
    // SAFETY: `tp` is a live `RawTracepoint`; the core only compares `func` and `data`.
    to_result(unsafe { abi::rtrace_probe_unregister(TRACEPOINT_ABI, tp, func, data) })
}

/// Waits until no CPU runs a probe unregistered before the call: a probe module calls it in its
/// exit, after its last `unregister_trace_*`, before its code and data go away.
#[inline]
pub fn synchronize_unregister() {
    // SAFETY: no precondition beyond process context (module exit is).
    unsafe { abi::rtrace_probe_synchronize(TRACEPOINT_ABI) };
}
