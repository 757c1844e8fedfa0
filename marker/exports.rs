// SPDX-License-Identifier: GPL-2.0

//! The functions the marker core exports to probe modules and sinks. rust/abi.rs declares each once
//! (`exported_functions!`); `abi_export!` below each definition checks at compile time that the
//! definition has the declared type and exports it (`EXPORT_SYMBOL_GPL`'s entry, written from
//! Rust). Each checks the caller's ABI version first.

use core::ffi::{c_char, c_int, CStr};

use kernel::bindings;
use kernel::prelude::*;

use crate::registry;
use crate::rtrace::abi::{FieldRef, RawMarker, RawSink, RawValue, MARKER_ABI};
use crate::rtrace::kernel::module::name as module_name;
use crate::rtrace::marker::record::{self, Field, FieldType, Value, FIELDS_MAX};
use crate::rtrace::marker::text;

fn check_abi(abi: u32, who: *mut bindings::module) -> Result {
    if abi != MARKER_ABI {
        pr_err!(
            "module {} was built against rtrace marker ABI {}, this core has ABI {}: rebuild it\n",
            // SAFETY: `who` is the calling module, loaded during the call.
            unsafe { module_name(who) },
            abi,
            MARKER_ABI
        );
        return Err(EINVAL);
    }
    Ok(())
}

/// # Safety
///
/// `marker` points to a `RawMarker` in static storage of `owner`, which stays loaded until it
/// calls `rtrace_marker_unregister(marker)` (or goes, and the module notifier cleans up).
#[no_mangle]
unsafe extern "C" fn rtrace_marker_register(
    abi: u32,
    marker: *const RawMarker,
    owner: *mut bindings::module,
) -> c_int {
    let result = check_abi(abi, owner).and_then(|()| {
        // SAFETY: by the function's contract `marker` is valid until it is unregistered, which
        // happens before its module's memory goes.
        let marker: &'static RawMarker = unsafe { &*marker };
        let _changing = registry::changing();
        let mut trash = registry::Trash::none();
        let result = registry::lock().register(marker, owner, &mut trash);
        // After the mutex: removing files waits for their operations, which take it.
        drop(trash);
        result
    });
    errno(result)
}
crate::abi_export!(rtrace_marker_register);

fn errno(result: Result) -> c_int {
    match result {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// # Safety
///
/// `marker` was registered with `rtrace_marker_register`.
#[no_mangle]
unsafe extern "C" fn rtrace_marker_unregister(abi: u32, marker: *const RawMarker) {
    if check_abi(abi, core::ptr::null_mut()).is_err() {
        return;
    }
    let _changing = registry::changing();
    // SAFETY: by the function's contract `marker` is a live, registered marker.
    let result = registry::lock().unregister(unsafe { &*marker });
    match result {
        // After the mutex: removing files waits for their operations, which take it.
        Ok(trash) => drop(trash),
        Err(_) => pr_warn!("unregister of a marker that is not registered: ignored\n"),
    }
}
crate::abi_export!(rtrace_marker_unregister);

/// # Safety
///
/// `sink` points to a `RawSink` in static storage of `owner`, which stays loaded until it calls
/// `rtrace_sink_unregister(sink)` (or goes, and the module notifier cleans up).
#[no_mangle]
unsafe extern "C" fn rtrace_sink_register(
    abi: u32,
    sink: *const RawSink,
    owner: *mut bindings::module,
) -> c_int {
    errno(check_abi(abi, owner).and_then(|()| {
        // SAFETY: by the function's contract `sink` is valid until it is unregistered.
        let sink: &'static RawSink = unsafe { &*sink };
        let result = registry::lock().register_sink(sink, owner);
        if result.is_err() {
            // A failure may come after some markers listed the sink: none calls it once this
            // returns.
            crate::rtrace::kernel::rcu::synchronize();
        }
        result
    }))
}
crate::abi_export!(rtrace_sink_register);

/// # Safety
///
/// `sink` was registered with `rtrace_sink_register`.
#[no_mangle]
unsafe extern "C" fn rtrace_sink_unregister(abi: u32, sink: *const RawSink) {
    if check_abi(abi, core::ptr::null_mut()).is_err() {
        return;
    }
    // SAFETY: by the function's contract `sink` is a live, registered sink.
    let removed = registry::lock().unregister_sink(unsafe { &*sink });
    if !removed {
        pr_warn!("unregister of a sink that is not registered: ignored\n");
    }
    // No site calls the sink once this returns: its module may go.
    crate::rtrace::kernel::rcu::synchronize();
}
crate::abi_export!(rtrace_sink_unregister);

/// The bytes of a connection's three names.
///
/// # Safety
///
/// The three strings are NUL-terminated and outlive the result.
unsafe fn names<'a>(
    sink: *const c_char,
    subsystem: *const c_char,
    event: *const c_char,
) -> [&'a [u8]; 3] {
    // SAFETY: by the function's contract.
    unsafe { [sink, subsystem, event].map(|p| CStr::from_ptr(p).to_bytes()) }
}

/// # Safety
///
/// The three strings are NUL-terminated.
#[no_mangle]
unsafe extern "C" fn rtrace_marker_connect(
    abi: u32,
    sink: *const c_char,
    subsystem: *const c_char,
    event: *const c_char,
) -> c_int {
    errno(check_abi(abi, core::ptr::null_mut()).and_then(|()| {
        // SAFETY: NUL-terminated by the function's contract.
        let [k, s, e] = unsafe { names(sink, subsystem, event) };
        let mut registry = registry::lock();
        if registry.connect(k, s, e)? {
            registry.log_pending("connect", 1, [k, s, e]);
        }
        Ok(())
    }))
}
crate::abi_export!(rtrace_marker_connect);

/// # Safety
///
/// The three strings are NUL-terminated.
#[no_mangle]
unsafe extern "C" fn rtrace_marker_disconnect(
    abi: u32,
    sink: *const c_char,
    subsystem: *const c_char,
    event: *const c_char,
) -> c_int {
    errno(check_abi(abi, core::ptr::null_mut()).and_then(|()| {
        // SAFETY: NUL-terminated by the function's contract.
        let [k, s, e] = unsafe { names(sink, subsystem, event) };
        let result = registry::lock().disconnect(k, s, e);
        // The sink receives none of the marker's records once this returns.
        crate::rtrace::kernel::rcu::synchronize();
        result
    }))
}
crate::abi_export!(rtrace_marker_disconnect);

/// # Safety
///
/// `sink` is NUL-terminated.
#[no_mangle]
unsafe extern "C" fn rtrace_sink_connections(abi: u32, sink: *const c_char) -> c_int {
    if let Err(e) = check_abi(abi, core::ptr::null_mut()) {
        return e.to_errno();
    }
    // SAFETY: NUL-terminated by the function's contract.
    let name = unsafe { CStr::from_ptr(sink) }.to_bytes();
    registry::lock().connections_of(name) as c_int
}
crate::abi_export!(rtrace_sink_connections);

#[no_mangle]
extern "C" fn rtrace_sinks_debugfs_dir(abi: u32) -> *mut bindings::dentry {
    if check_abi(abi, core::ptr::null_mut()).is_err() {
        return core::ptr::null_mut();
    }
    crate::SINKS_DIR.load(core::sync::atomic::Ordering::Acquire)
}
crate::abi_export!(rtrace_sinks_debugfs_dir);

/// A `fmt::Write` into a caller's buffer; what does not fit is cut.
struct Out<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl core::fmt::Write for Out<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let n = s.len().min(self.buf.len() - self.len);
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        if n < s.len() {
            return Err(core::fmt::Error);
        }
        Ok(())
    }
}

/// Writes the name (and, with `payload`, the fields of the record) of marker `id`.
fn print(id: u32, payload: Option<&[u8]>, out: &mut Out<'_>) -> Result {
    use core::fmt::Write;
    let registry = registry::lock();
    let entry = registry.by_id(id).ok_or(ENOENT)?;
    let mut fields = [Field {
        name: "",
        ty: FieldType::U8,
    }; FIELDS_MAX];
    let (subsystem, event, n) = registry::read(entry.raw, &mut fields).map_err(|_| EINVAL)?;
    let _ = write!(out, "{subsystem}:{event}");
    if let Some(payload) = payload {
        let _ = write!(out, ": ");
        let _ = text::write_fields(out, &fields[..n], payload);
    }
    Ok(())
}

/// # Safety
///
/// `payload` is `len` readable bytes, `out` is `out_len` writable bytes.
#[no_mangle]
unsafe extern "C" fn rtrace_marker_print(
    abi: u32,
    id: u32,
    payload: *const u8,
    len: usize,
    out: *mut c_char,
    out_len: usize,
) -> isize {
    if let Err(e) = check_abi(abi, core::ptr::null_mut()) {
        return e.to_errno() as isize;
    }
    // SAFETY: by the function's contract.
    let (payload, buf) = unsafe {
        (
            core::slice::from_raw_parts(payload, len),
            core::slice::from_raw_parts_mut(out.cast::<u8>(), out_len),
        )
    };
    let mut out = Out { buf, len: 0 };
    match print(id, Some(payload), &mut out) {
        Ok(()) => out.len as isize,
        Err(e) => e.to_errno() as isize,
    }
}
crate::abi_export!(rtrace_marker_print);

/// # Safety
///
/// `out` is `out_len` writable bytes.
#[no_mangle]
unsafe extern "C" fn rtrace_marker_name(
    abi: u32,
    id: u32,
    out: *mut c_char,
    out_len: usize,
) -> isize {
    if let Err(e) = check_abi(abi, core::ptr::null_mut()) {
        return e.to_errno() as isize;
    }
    // SAFETY: by the function's contract.
    let buf = unsafe { core::slice::from_raw_parts_mut(out.cast::<u8>(), out_len) };
    let mut out = Out { buf, len: 0 };
    match print(id, None, &mut out) {
        Ok(()) => out.len as isize,
        Err(e) => e.to_errno() as isize,
    }
}
crate::abi_export!(rtrace_marker_name);

/// # Safety
///
/// The three strings are NUL-terminated; `out` is writable.
#[no_mangle]
unsafe extern "C" fn rtrace_marker_field(
    abi: u32,
    subsystem: *const c_char,
    event: *const c_char,
    field: *const c_char,
    out: *mut FieldRef,
) -> c_int {
    errno(check_abi(abi, core::ptr::null_mut()).and_then(|()| {
        // SAFETY: NUL-terminated by the function's contract.
        let [s, e, f] = unsafe { names(subsystem, event, field) };
        let registry = registry::lock();
        let entry = registry
            .markers
            .iter()
            .find(|m| {
                let (ms, me) = registry::label(m.raw);
                (ms.as_bytes(), me.as_bytes()) == (s, e)
            })
            .ok_or(ENOENT)?;
        let mut fields = [Field {
            name: "",
            ty: FieldType::U8,
        }; FIELDS_MAX];
        let (_, _, n) = registry::read(entry.raw, &mut fields).map_err(|_| EINVAL)?;
        let fields = &fields[..n];
        let i = fields
            .iter()
            .position(|x| x.name.as_bytes() == f)
            .ok_or(ENOENT)?;
        let mut offsets = [0u16; FIELDS_MAX];
        record::offsets(fields, &mut offsets).map_err(|_| EINVAL)?;
        let (kind, size) = fields[i].ty.to_raw();
        let found = FieldRef {
            id: entry.id,
            offset: offsets[i],
            kind,
            size,
        };
        // SAFETY: writable by the function's contract.
        unsafe { out.write(found) };
        Ok(())
    }))
}
crate::abi_export!(rtrace_marker_field);

/// Evaluates a marker's filter for its sites: the compiled `Filter` is a type of this module
/// only, so no other module reads its layout.
///
/// # Safety
///
/// `marker` points to a live `RawMarker` and `values` to `n` `RawValue`s; the caller is in an
/// RCU-sched read-side section (preemption disabled), which keeps the filter alive.
#[no_mangle]
unsafe extern "C" fn rtrace_marker_filter_match(
    abi: u32,
    marker: *const RawMarker,
    values: *const RawValue<'_>,
    n: usize,
) -> bool {
    // No message on this path: a module of another ABI version cannot register a marker.
    if abi != MARKER_ABI {
        return true;
    }
    // SAFETY: live, by the function's contract.
    let marker = unsafe { &*marker };
    // SAFETY: the caller's read side (the function's contract) keeps a published filter alive.
    let Some(filter) = (unsafe { crate::control::filter(marker).dereference() }) else {
        return true;
    };
    // SAFETY: `n` values, by the function's contract.
    let raw = unsafe { core::slice::from_raw_parts(values, n) };
    let mut values = [Value::U(0); FIELDS_MAX];
    let Some(slots) = values.get_mut(..n) else {
        // More values than any marker has fields: not one per field of this one.
        return false;
    };
    for (slot, value) in slots.iter_mut().zip(raw) {
        *slot = value.value();
    }
    filter.matches(&values[..n])
}
crate::abi_export!(rtrace_marker_filter_match);
