// SPDX-License-Identifier: GPL-2.0

//! Bridge events: one of the running kernel's C tracepoints turned into a marker by one
//! declaration, as lttng-modules' `LTTNG_TRACEPOINT_EVENT` turns one into an LTTng event.
//!
//! C header: [`include/linux/tracepoint.h`](srctree/include/linux/tracepoint.h)
//!
//! A subsystem's file in `events/` (`events/sched.rs` for include/trace/events/sched.h, ...)
//! declares its events with [`bridge_events!`](crate::bridge_events):
//!
//! ```ignore
//! crate::bridge_events! {
//!     /// A task is woken up, to run on `target_cpu`.
//!     sched:sched_wakeup(p: *mut task_struct) {
//!         // SAFETY: `p` is the live task being woken.
//!         let (t, cpu) = unsafe { (fields(p), target_cpu(p)) };
//!     } => {
//!         comm: char[16] = &t.comm,
//!         pid: i32 = t.pid,
//!         prio: i32 = t.prio,
//!         target_cpu: i32 = cpu,
//!     }
//! }
//! ```
//!
//! that is: the marker `subsystem:event` (its documentation, then its fields with their types, as
//! [`marker!`](crate::marker) takes them, each with the value it is given); the kernel
//! tracepoint `event` (same name) with its `TP_PROTO` in Rust types, the probe's arguments after
//! the data pointer; and the code that runs before the values are taken (it may bind names that
//! the values use). From it come:
//!
//! - the marker, with `emit_SUBSYSTEM_EVENT()` and `enabled_SUBSYSTEM_EVENT()`;
//! - the probe `rtrace_bridge_EVENT(data, args...)`, an `extern "C"` function that is a NOP
//!   while no sink is connected (one patched jump: the code and the emit are out of line, in a
//!   cold function, so that the probe does not even set up a stack frame);
//! - the subsystem's table entries: [`Event`] in `EVENTS` (tracepoint name and probe) and the
//!   marker in `MARKERS`, which the bridge (probes/bridge.rs) walks to register and connect.
//!
//! # The prototype, checked by the C compiler
//!
//! The probe is not registered through its Rust address but through
//! `rtrace_bridge_probe_EVENT`, a pointer defined by the subsystem's C shim
//! (`events/SUBSYSTEM_shim.c`) with `RTRACE_BRIDGE_EVENT` (probes/bridge_event.h):
//!
//! ```c
//! #include <trace/events/sched.h>
//! RTRACE_BRIDGE_EVENT(sched_wakeup, struct task_struct *p);
//! ```
//!
//! declares the probe `rtrace_bridge_sched_wakeup` with that C prototype, passes it to the
//! kernel header's `check_trace_callback_type_sched_wakeup()`, whose parameter is the
//! tracepoint's probe type `void (*)(void *, TP_PROTO)` (an incompatible pointer type is an error
//! there), and takes its address. So a kernel whose `TP_PROTO` changed fails to build the bridge,
//! a Rust declaration without its C line fails to link (`rtrace_bridge_probe_EVENT` undefined),
//! and a C line naming another tracepoint than the Rust one does not compile. What the compilers
//! cannot see across the language boundary is that each Rust type is the C type of the same
//! position of the C line (`*mut task_struct` for `struct task_struct *`, `c_uint` for
//! `unsigned int`, ...): tests/host/bridge_prototypes.py checks that, in `make test`.

use core::ffi::{c_void, CStr};

/// A probe's address as the C shim took it (after checking the probe's prototype against the
/// tracepoint's): the `void *const rtrace_bridge_probe_EVENT` of `RTRACE_BRIDGE_EVENT`.
#[repr(transparent)]
pub(crate) struct ProbeAddress(*const c_void);

// SAFETY: a constant function address, defined in C as `const`, never written.
unsafe impl Sync for ProbeAddress {}

impl ProbeAddress {
    /// The probe, as `tracepoint_probe_register()` takes it.
    pub(crate) fn as_ptr(&self) -> *mut c_void {
        self.0.cast_mut()
    }
}

/// A kernel tracepoint the bridge connects to, and its probe.
pub(crate) struct Event {
    /// The tracepoint's name, the event's.
    pub(crate) tracepoint: &'static CStr,
    /// The probe, with the tracepoint's prototype (checked by the C compiler).
    pub(crate) probe: &'static ProbeAddress,
}

/// A tracepoint's name from the NUL-terminated text the macro makes of an identifier.
#[doc(hidden)]
pub(crate) const fn name(text: &'static str) -> &'static CStr {
    match CStr::from_bytes_with_nul(text.as_bytes()) {
        Ok(name) => name,
        Err(_) => panic!("a tracepoint name is an identifier, NUL-terminated"),
    }
}

/// Declares bridge events; see the [module documentation](self).
#[macro_export]
macro_rules! bridge_events {
    ($(
        $(#[$meta:meta])*
        $subsystem:ident : $event:ident ( $($arg:ident : $argty:ty),* $(,)? )
        { $($code:tt)* }
        => { $($field:ident : $kind:ident $([$n:literal])? = $value:expr),* $(,)? }
    )*) => {
        $crate::marker! {$(
            $(#[$meta])*
            pub(crate) $subsystem : $event { $($field : $kind $([$n])?),* }
        )*}

        ::kernel::macros::paste! {
            $(
                extern "C" {
                    /// The probe's address, taken by the C shim after it checked the probe's
                    /// prototype against the kernel tracepoint's.
                    static [<rtrace_bridge_probe_ $event>]: $crate::bridge_event::ProbeAddress;
                }

                #[doc = concat!("The probe of the kernel tracepoint `", stringify!($event),
                    "`: emits `", stringify!($subsystem), ":", stringify!($event),
                    "`, a NOP while no sink is connected to it.")]
                ///
                /// # Safety
                ///
                /// Called by the tracepoint, with its `TP_PROTO` arguments after the data pointer.
                // The metavariables in its unsafe block are its own parameters' names.
                #[allow(clippy::macro_metavars_in_unsafe)]
                #[no_mangle]
                pub(crate) unsafe extern "C" fn [<rtrace_bridge_ $event>](
                    _data: *mut ::core::ffi::c_void,
                    $($arg: $argty),*
                ) {
                    if [<enabled_ $subsystem _ $event>]() {
                        // SAFETY: the tracepoint's arguments, by the function's contract.
                        unsafe { [<__bridge_ $event>]($($arg),*) };
                    }
                }

                /// Gathers the marker's fields from the tracepoint's arguments and emits it: out
                /// of line, so that the probe is a NOP while no sink is connected.
                ///
                /// # Safety
                ///
                /// The tracepoint's arguments, as its probe gets them.
                #[cold]
                #[inline(never)]
                #[allow(clippy::too_many_arguments)]
                unsafe fn [<__bridge_ $event>]($($arg: $argty),*) {
                    $($code)*
                    [<emit_ $subsystem _ $event>]($($value),*);
                }
            )*

            /// The kernel tracepoints of this file's events, and their probes.
            // The metavariable in its unsafe blocks is an event's name, in an extern static's.
            #[allow(clippy::macro_metavars_in_unsafe)]
            pub(crate) static EVENTS: &[$crate::bridge_event::Event] = &[$(
                $crate::bridge_event::Event {
                    tracepoint: $crate::bridge_event::name(concat!(stringify!($event), "\0")),
                    // SAFETY: a `const` pointer that the C shim defines (`RTRACE_BRIDGE_EVENT`),
                    // only borrowed here.
                    probe: unsafe { &[<rtrace_bridge_probe_ $event>] },
                }
            ),*];

            /// The markers of this file's events.
            pub(crate) static MARKERS: &[&$crate::rtrace::abi::RawMarker] =
                &[$(&[<__marker_ $subsystem _ $event>]),*];
        }
    };
}
