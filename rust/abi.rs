// SPDX-License-Identifier: GPL-2.0

//! The ABI between rtrace modules: the `#[repr(C)]` structures a module shares with the
//! tracepoint core (`rtrace_tracepoint.ko`) and the marker core (`rtrace_marker.ko`), and the
//! functions those cores export.
//!
//! Each exported function is declared once, in [`exported_functions!`] at the end of this file:
//! callers get its `extern "C"` declaration, and the core that defines it exports it with
//! [`abi_export!`](crate::abi_export), which refuses at compile time a definition whose type is
//! not the declaration's. No C prototype of them exists.
//!
//! Every exported function takes the caller's [`TRACEPOINT_ABI`] or [`MARKER_ABI`] as its first
//! argument, and this stays so in every version: a module built against another version is
//! refused with `-EINVAL` and a message naming it, instead of being misread.

use core::cell::UnsafeCell;
use core::ffi::{c_char, c_int, c_void, CStr};
use core::marker::PhantomData;
use core::sync::atomic::{AtomicPtr, AtomicU32, Ordering};

use kernel::bindings;

use super::kernel::rcu::ReadGuard;
use super::kernel::static_key::StaticKey;
use super::marker::record::Value;

/// Version of the structures and functions below. Bump it on any change of them.
pub const TRACEPOINT_ABI: u32 = 2;

/// Longest tracepoint name, as ftrace's event names.
pub const NAME_MAX: usize = 64;

/// Longest signature text (the declaration's argument list).
pub const SIGNATURE_MAX: usize = 256;

/// Most arguments a tracepoint may have.
pub const ARGS_MAX: usize = 32;

/// One connected probe, as sites see it: a function, its private data and its priority.
///
/// `func` is read with an atomic load because the core may replace it in place by the
/// tracepoint's stub when memory for a smaller array is lacking (see `tracepoint/probes.rs`).
#[repr(C)]
pub struct ProbeEntry {
    /// The probe function, a `fn(*const c_void, args...)` in the declaration's types; null ends
    /// the array.
    pub func: AtomicPtr<c_void>,
    /// The private data passed as the probe's first argument.
    pub data: *const c_void,
    /// Higher is called first.
    pub prio: c_int,
}

/// The identity of one argument type of a tracepoint: its name as `core::any::type_name` gives
/// it (a path, e.g. `&kernel::task::Task`), its size and its alignment. The core compares these,
/// not the declaration's text, so that two declarations meet only if their types are the same.
///
/// # Invariants
///
/// `name` points to `len` bytes of UTF-8 in static storage, or is null (then `len` is 0): the end
/// of the argument list.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ArgType {
    name: *const u8,
    len: usize,
    size: usize,
    align: usize,
}

impl ArgType {
    /// The identity of `T`.
    pub fn of<T>() -> Self {
        let name = core::any::type_name::<T>();
        Self {
            name: name.as_ptr(),
            len: name.len(),
            size: core::mem::size_of::<T>(),
            align: core::mem::align_of::<T>(),
        }
    }

    /// The end of an argument list.
    pub const END: Self = Self {
        name: core::ptr::null(),
        len: 0,
        size: 0,
        align: 0,
    };

    /// The type's name, size and alignment; `None` at the end of the list.
    pub fn get(&self) -> Option<(&'static str, usize, usize)> {
        if self.name.is_null() {
            return None;
        }
        // SAFETY: by the type invariant a non-null `name` is `len` bytes of static UTF-8.
        let name = unsafe {
            core::str::from_utf8_unchecked(core::slice::from_raw_parts(self.name, self.len))
        };
        Some((name, self.size, self.align))
    }
}

/// `struct static_call_key` (`include/linux/static_call_types.h`): the function a static call
/// currently calls, and the kernel's record of its call sites.
///
/// # Invariants
///
/// Written only by the kernel's static-call code (`__static_call_update()` and the module
/// loader's notifier), under its `static_call_mutex`; the key is in static storage of the module
/// whose trampoline and call sites use it.
#[repr(C)]
pub struct StaticCallKey {
    func: UnsafeCell<*const c_void>,
    /// `type`, `mods` or `sites`: 1 until the module loader records the module's call sites.
    sites: UnsafeCell<usize>,
}

// SAFETY: only the kernel's static-call code touches the key, under `static_call_mutex`.
unsafe impl Sync for StaticCallKey {}

// The kernel reads and writes the key as its `struct static_call_key` (of two words with inline
// static calls, the only ones `tracepoint!` makes): same size and alignment.
#[cfg(CONFIG_HAVE_STATIC_CALL_INLINE)]
const _: () = assert!(
    core::mem::size_of::<StaticCallKey>() == core::mem::size_of::<bindings::static_call_key>()
        && core::mem::align_of::<StaticCallKey>()
            == core::mem::align_of::<bindings::static_call_key>()
);

impl StaticCallKey {
    /// A key whose calls go to `func`, as `STATIC_CALL_KEY_INIT(func)`: no site list yet (`type`
    /// 1).
    pub const fn new(func: *const c_void) -> Self {
        Self {
            func: UnsafeCell::new(func),
            sites: UnsafeCell::new(1),
        }
    }
}

/// What a site found in its tracepoint's array (see [`RawTracepoint::site_probes`]).
pub enum SiteProbes {
    /// No array.
    None,
    /// One probe, with this data.
    One(*const c_void),
    /// Two or more.
    Many,
}

/// A tracepoint, in static storage of the module that defines and fires it (generated by
/// `tracepoint!`), registered with the core by `define_tracepoints!`.
///
/// The fields are private: only [`RawTracepoint::new`], which `tracepoint!` calls, builds one,
/// and only the core changes its probes.
///
/// # Invariants
///
/// - `name` and `signature` are NUL-terminated strings in static storage.
/// - `arg_type(i)` is the identity of the declaration's `i`-th argument type ([`ArgType::END`]
///   past the last one).
/// - `probes` is null or points to an array of [`ProbeEntry`] ended by a null `func`, published by
///   the core with a release store and freed by it only after an RCU-sched grace period following
///   its replacement. Every `func` in it is a probe of type `fn(&D, args...)` in the
///   declaration's argument types, for a sized `D`, and its `data` a `&'static D`, or the stub.
/// - `stub` and `iterator` are functions of type `fn(*const c_void, args...)`: the stub does
///   nothing; the iterator, called in an RCU-sched read-side section, calls every probe of
///   `probes` with its data.
/// - `call_key` and `call_tramp` are both null (no static call), or a [`StaticCallKey`] and its
///   trampoline (an 8-byte `jmp.d32; ud1` in `.static_call.text`) in static storage of the
///   module that holds `self`, whose target has the type of the iterator: the iterator, the
///   stub, or the only probe of `probes`, then called with that probe's data.
#[repr(C)]
pub struct RawTracepoint {
    name: *const c_char,
    signature: *const c_char,
    arg_type: extern "C" fn(usize) -> ArgType,
    key: StaticKey,
    probes: AtomicPtr<ProbeEntry>,
    stub: *const c_void,
    iterator: *const c_void,
    call_key: *const StaticCallKey,
    call_tramp: *const c_void,
}

// SAFETY: the raw pointers are to static, immutable strings, code and the static call key (itself
// `Sync`); `key` is `Sync`; `probes` is an atomic whose pointee is only read by sites and
// replaced, never written in place, by the core (but for the atomic `func` field).
unsafe impl Sync for RawTracepoint {}

/// `text` as a C string, for the names `tracepoint!` builds with `concat!(.., "\0")`: fails to
/// compile (in a constant) unless `text` ends with its only NUL byte.
pub const fn c_str(text: &'static str) -> &'static CStr {
    match CStr::from_bytes_with_nul(text.as_bytes()) {
        Ok(s) => s,
        Err(_) => panic!("a tracepoint's name and signature end with their only NUL byte"),
    }
}

impl RawTracepoint {
    /// Byte offset of the static key, for `static_branch_unlikely!`.
    pub const KEY_OFFSET: usize = core::mem::offset_of!(RawTracepoint, key);

    /// Creates a tracepoint with no probe.
    ///
    /// # Safety
    ///
    /// For a declaration `fn NAME(args...)`: `signature` is its argument list's text; `arg_type`
    /// gives the identity of each argument type, in order, then [`ArgType::END`]; `stub` is a
    /// function of type `fn(*const c_void, args...)` that does nothing; `iterator` a function of
    /// that type that calls [`RawTracepoint::for_each_probe_in_site`] on the value built here,
    /// calling each probe as the type invariant describes; `call` is `None`, or a static call key
    /// and its trampoline as the type invariant requires, defined next to the value built here.
    /// The value is placed in static storage (a `static`), never moved or copied.
    pub const unsafe fn new(
        name: &'static CStr,
        signature: &'static CStr,
        arg_type: extern "C" fn(usize) -> ArgType,
        stub: *const c_void,
        iterator: *const c_void,
        call: Option<(&'static StaticCallKey, *const c_void)>,
    ) -> Self {
        let (call_key, call_tramp) = match call {
            Some((key, tramp)) => (key as *const StaticCallKey, tramp),
            None => (core::ptr::null(), core::ptr::null()),
        };
        Self {
            name: name.as_ptr(),
            signature: signature.as_ptr(),
            arg_type,
            key: StaticKey::new(),
            probes: AtomicPtr::new(core::ptr::null_mut()),
            stub,
            iterator,
            call_key,
            call_tramp,
        }
    }

    /// The tracepoint's name.
    pub fn name(&self) -> &'static CStr {
        // SAFETY: by the type invariant `name` is a static NUL-terminated string.
        unsafe { CStr::from_ptr(self.name) }
    }

    /// The declaration's argument list, as written (`stringify!`'s spacing).
    pub fn signature(&self) -> &'static CStr {
        // SAFETY: by the type invariant `signature` is a static NUL-terminated string.
        unsafe { CStr::from_ptr(self.signature) }
    }

    /// The identity of argument `index` ([`ArgType::END`] past the last one).
    pub fn arg_type(&self, index: usize) -> ArgType {
        (self.arg_type)(index)
    }

    /// The static key that sites test: enabled while at least one probe is connected.
    pub fn key(&self) -> &StaticKey {
        &self.key
    }

    /// The do-nothing probe that stands in for a removed one when memory is short.
    pub fn stub(&self) -> *const c_void {
        self.stub
    }

    /// The function that calls every probe of the array.
    pub fn iterator(&self) -> *const c_void {
        self.iterator
    }

    /// The RCU-protected probe array (the core's to update).
    ///
    /// # Safety
    ///
    /// Only the tracepoint core calls this, holding its registry mutex, and stores in the result
    /// only arrays that satisfy the type invariant.
    pub unsafe fn probes(&self) -> &AtomicPtr<ProbeEntry> {
        &self.probes
    }

    /// Whether sites call probes through a static call.
    pub fn has_static_call(&self) -> bool {
        !self.call_key.is_null()
    }

    /// Where the static call goes now (the iterator, the stub or the only probe), or `None`
    /// without a static call: for tests and diagnostics.
    pub fn static_call_target(&self) -> Option<*const c_void> {
        if self.call_key.is_null() {
            return None;
        }
        // The kernel writes `func` with a plain store under `static_call_mutex`; a volatile read
        // (`READ_ONCE()`) sees the old or the new pointer, and the value is only compared.
        // SAFETY: by the type invariant a non-null `call_key` is a live key in static storage.
        Some(unsafe { core::ptr::read_volatile((*self.call_key).func.get()) })
    }

    /// Points the static call at `func` and patches every site of it (`__static_call_update()`);
    /// nothing without a static call. Sleeps.
    ///
    /// # Safety
    ///
    /// `func` is the iterator, the stub, or a probe of the type invariant that is (or, in the
    /// caller's following step, becomes) the only probe of the published array, with the
    /// transition rules of `tracepoint/probes.rs`.
    pub unsafe fn set_static_call(&self, func: *const c_void) {
        if self.call_key.is_null() {
            return;
        }
        #[cfg(CONFIG_HAVE_STATIC_CALL_INLINE)]
        // SAFETY: by the type invariant `call_key` and `call_tramp` are a key (laid out as
        // `struct static_call_key`, asserted above) and its trampoline, which the kernel patches
        // to jump to `func`, a function of the trampoline's type.
        unsafe {
            bindings::__static_call_update(
                self.call_key.cast_mut().cast(),
                self.call_tramp.cast_mut(),
                func.cast_mut(),
            )
        };
        // Without inline static calls `tracepoint!` makes none (`call_key` is null).
        #[cfg(not(CONFIG_HAVE_STATIC_CALL_INLINE))]
        let _ = func;
    }

    /// What a site finds in the array: no probe, one (with its data, which the site passes to
    /// its static call), or more (which the site walks).
    ///
    /// The guard proves the RCU-sched read side that keeps the array alive during the read.
    #[inline(always)]
    pub fn site_probes(&self, _rcu: &ReadGuard) -> SiteProbes {
        // Pairs with the release store that published the array: its entries are visible.
        let entry = self.probes.load(Ordering::Acquire);
        if entry.is_null() {
            return SiteProbes::None;
        }
        // SAFETY: by the type invariant a non-null `probes` is a live array of at least one
        // probe, then its terminator, kept alive by `_rcu`.
        let (data, second) =
            unsafe { ((*entry).data, (*entry.add(1)).func.load(Ordering::Relaxed)) };
        if second.is_null() {
            SiteProbes::One(data)
        } else {
            SiteProbes::Many
        }
    }

    /// Calls `call(func, data)` for each connected probe, in priority order.
    ///
    /// The guard proves the RCU-sched read side that keeps the array alive during the walk.
    #[inline(always)]
    pub fn for_each_probe(&self, _rcu: &ReadGuard, call: impl FnMut(*const c_void, *const c_void)) {
        // SAFETY: `_rcu` is a read-side section that lasts for the whole call.
        unsafe { self.for_each_probe_in_site(call) }
    }

    /// [`RawTracepoint::for_each_probe`] for the iterator, which runs inside its site's
    /// read-side section.
    ///
    /// # Safety
    ///
    /// The caller is in an RCU-sched read-side section (preemption disabled) for the whole call.
    #[inline(always)]
    pub unsafe fn for_each_probe_in_site(
        &self,
        mut call: impl FnMut(*const c_void, *const c_void),
    ) {
        // Pairs with the release store that published the array: its entries are visible.
        let mut entry = self.probes.load(Ordering::Acquire);
        if entry.is_null() {
            return;
        }
        loop {
            // By the type invariant, a non-null `probes` is an array ended by a null `func`,
            // kept alive until a grace period after it is replaced; the caller's read-side
            // section holds off that period.
            // SAFETY: so `entry`, which never goes past the terminator, is in a live array.
            let (func, data) = unsafe { ((*entry).func.load(Ordering::Relaxed), (*entry).data) };
            if func.is_null() {
                break;
            }
            call(func, data);
            // SAFETY: `entry` was not the terminator, so the next element is in the array.
            entry = unsafe { entry.add(1) };
        }
    }
}

/// Version of the marker structures and functions below. Bump it on any change of them.
pub const MARKER_ABI: u32 = 4;

/// `s` as a C string, for the names of [`RawMarker`] and [`RawField`]: `s` must end with its
/// only NUL byte, as `concat!(stringify!(name), "\0")` does.
///
/// # Panics
///
/// If `s` does not end with its only NUL byte. Called in a constant (as `marker!` does, to
/// initialise a `static`), that is a build error, not a run-time panic.
pub const fn nul_terminated(s: &'static str) -> &'static CStr {
    match CStr::from_bytes_with_nul(s.as_bytes()) {
        Ok(name) => name,
        Err(_) => panic!("a marker or field name must end with its only NUL byte"),
    }
}

/// One field of a marker: its name and its type as `FieldType::to_raw` gives it
/// (rust/marker/record.rs).
///
/// # Invariants
///
/// `name` is a NUL-terminated string in static storage.
#[repr(C)]
pub struct RawField {
    name: *const c_char,
    /// The type's kind (1 to 12 for the known ones).
    kind: u8,
    /// The array size or maximum length, for the kinds that have one.
    size: u16,
}

// SAFETY: plain data; `name` points to an immutable static string.
unsafe impl Sync for RawField {}

impl RawField {
    /// A field named `name` of type `ty`.
    pub const fn new(name: &'static CStr, ty: super::marker::record::FieldType) -> Self {
        let (kind, size) = ty.to_raw();
        Self::from_raw_parts(name, kind, size)
    }

    /// A field of any `kind` and `size`, also of none the core knows (which it refuses at
    /// registration): for tests of that check.
    #[doc(hidden)]
    pub const fn from_raw_parts(name: &'static CStr, kind: u8, size: u16) -> Self {
        Self {
            name: name.as_ptr(),
            kind,
            size,
        }
    }

    /// The field's name.
    pub fn name(&self) -> &'static CStr {
        // SAFETY: by the type invariant, a NUL-terminated static string.
        unsafe { CStr::from_ptr(self.name) }
    }

    /// The field's type as `FieldType::to_raw` gives it: its kind and size.
    pub fn raw_type(&self) -> (u8, u16) {
        (self.kind, self.size)
    }
}

/// A marker, in static storage of the probe module that declares it (generated by `marker!`),
/// registered with the marker core by `register_markers!`.
///
/// # Invariants
///
/// `subsystem` and `event` are NUL-terminated static strings; `fields` points to `nfields`
/// `RawField`s in static storage. `sinks` is null or an array published by the marker core as
/// [`RawMarker::for_each_sink`] reads it; `filter` is null or a filter of the marker core's,
/// published by it and freed only a grace period after it is replaced.
#[repr(C)]
pub struct RawMarker {
    /// The subsystem, e.g. `sched` in `sched:sched_switch`.
    subsystem: *const c_char,
    /// The event, e.g. `sched_switch`.
    event: *const c_char,
    /// The fields, in record order.
    fields: *const RawField,
    /// How many.
    nfields: u32,
    /// The marker's id (assigned by the core at registration; 0 before the first).
    id: AtomicU32,
    /// Enabled while at least one sink is connected.
    key: StaticKey,
    /// The RCU-protected array of connected sinks (null when none), ended by a null sink.
    sinks: AtomicPtr<SinkEntry>,
    /// The RCU-protected filter records must pass (null when none), set through the marker's
    /// `filter` file. Opaque: only the marker core, which compiles and evaluates it
    /// (`rtrace_marker_filter_match`), knows its type.
    filter: AtomicPtr<c_void>,
}

// SAFETY: the pointers are to immutable statics; `id`, `sinks` and `filter` are atomics, `key`
// is `Sync`.
unsafe impl Sync for RawMarker {}

impl RawMarker {
    /// The offset of the marker's static key, for `static_branch_unlikely!`.
    pub const KEY_OFFSET: usize = core::mem::offset_of!(RawMarker, key);

    /// A marker `subsystem:event` with `fields`, no sink and no filter.
    ///
    /// # Safety
    ///
    /// Only `marker!` calls it: the marker is a `static`, and the records its sites write (its
    /// `emit_*` function's) are laid out as `fields` say, which is what the marker core's `format`
    /// file tells readers.
    pub const unsafe fn new(
        subsystem: &'static CStr,
        event: &'static CStr,
        fields: &'static [RawField],
    ) -> Self {
        Self {
            subsystem: subsystem.as_ptr(),
            event: event.as_ptr(),
            fields: fields.as_ptr(),
            nfields: fields.len() as u32,
            id: AtomicU32::new(0),
            key: StaticKey::new(),
            sinks: AtomicPtr::new(core::ptr::null_mut()),
            filter: AtomicPtr::new(core::ptr::null_mut()),
        }
    }

    /// The subsystem, e.g. `sched` in `sched:sched_switch`.
    pub fn subsystem(&self) -> &'static CStr {
        // SAFETY: by the type invariant, a NUL-terminated static string.
        unsafe { CStr::from_ptr(self.subsystem) }
    }

    /// The event, e.g. `sched_switch`.
    pub fn event(&self) -> &'static CStr {
        // SAFETY: by the type invariant, a NUL-terminated static string.
        unsafe { CStr::from_ptr(self.event) }
    }

    /// The fields, in record order.
    pub fn fields(&self) -> &'static [RawField] {
        // SAFETY: by the type invariant, `nfields` fields in static storage.
        unsafe { core::slice::from_raw_parts(self.fields, self.nfields as usize) }
    }

    /// The marker's id, which its records carry (0 before its first registration).
    pub fn id(&self) -> u32 {
        self.id.load(Ordering::Relaxed)
    }

    /// Sets the marker's id.
    ///
    /// # Safety
    ///
    /// Only the marker core calls it, when it registers the marker, before it publishes sinks.
    pub unsafe fn set_id(&self, id: u32) {
        self.id.store(id, Ordering::Relaxed);
    }

    /// The static key that is enabled while a sink is connected.
    ///
    /// # Safety
    ///
    /// Only the marker core switches it, as it publishes the sink array.
    pub unsafe fn key(&self) -> &StaticKey {
        &self.key
    }

    /// The array of connected sinks.
    ///
    /// # Safety
    ///
    /// Only the marker core stores into it, under its registry mutex: null or an array of
    /// [`SinkEntry`] ended by a null sink, published with a release store and freed a grace
    /// period after it is replaced (rust/kernel/rcu_array.rs), of sinks registered until a grace period
    /// after they are removed.
    pub unsafe fn sinks(&self) -> &AtomicPtr<SinkEntry> {
        &self.sinks
    }

    /// The marker's filter, of a type only the marker core knows.
    ///
    /// # Safety
    ///
    /// Only the marker core stores into it: null or a filter of its own, published with a
    /// release store and freed a grace period after it is replaced.
    pub unsafe fn filter(&self) -> &AtomicPtr<c_void> {
        &self.filter
    }

    /// Whether a filter is set: records are then written only if they pass [`RawMarker::passes`].
    #[inline(always)]
    pub fn has_filter(&self, _rcu: &ReadGuard) -> bool {
        !self.filter.load(Ordering::Relaxed).is_null()
    }

    /// Whether `values` (one per field, as the marker's `emit_*` function got them) pass the
    /// marker's filter: true when it has none. The marker core evaluates it.
    ///
    /// The guard proves the RCU-sched read side that keeps the filter alive during the call.
    #[inline]
    pub fn passes(&self, rcu: &ReadGuard, values: &[RawValue<'_>]) -> bool {
        if !self.has_filter(rcu) {
            return true;
        }
        // SAFETY: `self` and `values` are live for the call, and `rcu` is the read side the
        // core's contract asks for.
        unsafe { rtrace_marker_filter_match(MARKER_ABI, self, values.as_ptr(), values.len()) }
    }

    /// Calls `call(sink)` for each connected sink.
    ///
    /// The guard proves the RCU-sched read side that keeps the array, and the sinks in it, alive
    /// while it is held.
    #[inline(always)]
    pub fn for_each_sink<'g>(&self, _rcu: &'g ReadGuard, mut call: impl FnMut(&'g RawSink)) {
        // Pairs with the release store that published the array.
        let mut entry = self.sinks.load(Ordering::Acquire);
        if entry.is_null() {
            return;
        }
        loop {
            // A non-null `sinks` is an array ended by a null sink, kept alive until a grace
            // period after it is replaced, which `_rcu` holds off; a listed sink stays registered
            // (hence alive) until a grace period after it is removed from every array.
            // SAFETY: so `entry`, which stops at the terminator, and its sink are alive.
            let sink = unsafe { (*entry).sink.load(Ordering::Relaxed) };
            if sink.is_null() {
                break;
            }
            // SAFETY: see above.
            call(unsafe { &*sink });
            // SAFETY: `entry` was not the terminator.
            entry = unsafe { entry.add(1) };
        }
    }
}

impl RawMarker {
    /// The first connected sink, and whether others follow it; `None` when none is connected.
    ///
    /// The guard proves the RCU-sched read side that keeps the array, and its sinks, alive.
    #[inline(always)]
    pub fn first_sink<'g>(&self, _rcu: &'g ReadGuard) -> Option<(&'g RawSink, bool)> {
        // Pairs with the release store that published the array.
        let entry = self.sinks.load(Ordering::Acquire);
        if entry.is_null() {
            return None;
        }
        // A non-null `sinks` is an array ended by a null sink, kept alive, with its sinks, until
        // a grace period after it is replaced, which `_rcu` holds off (as in `for_each_sink`).
        // SAFETY: so `entry` is the first element of a live array.
        let first = unsafe { (*entry).sink.load(Ordering::Relaxed) };
        if first.is_null() {
            return None;
        }
        // SAFETY: the first element was not the terminator, so a second one exists.
        let more = !unsafe { (*entry.add(1)).sink.load(Ordering::Relaxed) }.is_null();
        // SAFETY: a listed sink is alive while `_rcu` is held (see above).
        Some((unsafe { &*first }, more))
    }
}

/// A field value as a site hands it to the marker core's filter (`rtrace_marker_filter_match`):
/// a `record::Value` in a layout both modules agree on.
///
/// # Invariants
///
/// `kind` is 0 to 5 for `Value::U`, `I`, `Bool`, `Chars`, `Str`, `Bytes`; `int` holds the
/// integer (the bits of an `I`, 0 or 1 for a `Bool`); `data` and `len` are the slice of the
/// other three kinds, borrowed for `'a` (and a dangling, empty one for the first three).
#[repr(C)]
pub struct RawValue<'a> {
    kind: u8,
    int: u64,
    data: *const u8,
    len: usize,
    _borrow: PhantomData<&'a [u8]>,
}

impl<'a> RawValue<'a> {
    /// The value `value`.
    #[inline(always)]
    pub fn new(value: Value<'a>) -> Self {
        let (kind, int, data): (u8, u64, &'a [u8]) = match value {
            Value::U(v) => (0, v, &[]),
            Value::I(v) => (1, v as u64, &[]),
            Value::Bool(b) => (2, u64::from(b), &[]),
            Value::Chars(s) => (3, 0, s),
            Value::Str(s) => (4, 0, s),
            Value::Bytes(s) => (5, 0, s),
        };
        Self {
            kind,
            int,
            data: data.as_ptr(),
            len: data.len(),
            _borrow: PhantomData,
        }
    }

    /// The value again.
    pub fn value(&self) -> Value<'a> {
        // SAFETY: by the type invariant, `data` and `len` are a slice borrowed for `'a`.
        let data = unsafe { core::slice::from_raw_parts(self.data, self.len) };
        match self.kind {
            0 => Value::U(self.int),
            1 => Value::I(self.int as i64),
            2 => Value::Bool(self.int != 0),
            3 => Value::Chars(data),
            4 => Value::Str(data),
            _ => Value::Bytes(data),
        }
    }
}

/// One connected sink, as sites see it. `sink` is atomic because a disconnection that cannot
/// allocate a smaller array points it at [`NULL_SINK`] in place.
#[repr(C)]
pub struct SinkEntry {
    /// The sink; null ends the array.
    pub sink: AtomicPtr<RawSink>,
}

/// Room for one record, as a sink's `reserve` callback hands it out: where the record goes, and
/// the sink's own handle of the reservation, which `commit` takes back (so that a sink finds the
/// buffer a record was reserved in without searching for it).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct RawReservation {
    /// `len` writable bytes; null when the sink drops the record (it counts its own losses).
    pub record: *mut u8,
    /// Given back to `commit`.
    pub handle: usize,
}

impl RawReservation {
    /// No room: the record is dropped.
    pub const NONE: Self = Self {
        record: core::ptr::null_mut(),
        handle: 0,
    };
}

/// The callback that reserves room for a record of `len` bytes of marker `id`.
pub type ReserveFn =
    unsafe extern "C" fn(data: *const c_void, id: u32, len: usize) -> RawReservation;

/// The callback that commits the reservation whose handle is `handle`.
pub type CommitFn = unsafe extern "C" fn(data: *const c_void, handle: usize);

/// A sink, in static storage of the module that registers it (built by `raw_sink` in
/// rust/sink/sink.rs).
///
/// Sinks are called from any context a marker is emitted in, with preemption disabled:
/// `reserve` returns `len` writable bytes for a record of marker `id` (or a null record to drop
/// it); `commit` publishes the reservation whose handle it is given.
///
/// # Invariants
///
/// `name` is a NUL-terminated string in static storage. Called with preemption disabled and
/// `data`, `reserve(data, id, len)` returns a null record or `len` bytes that nothing else reads
/// or writes until `commit(data, handle)` is called with its handle on the same CPU;
/// reservations of one CPU (a task, and the interrupts nesting on it) may be committed last in,
/// first out.
#[repr(C)]
pub struct RawSink {
    name: *const c_char,
    data: *const c_void,
    reserve: ReserveFn,
    commit: CommitFn,
}

// SAFETY: plain pointers to static data and code; a sink's callbacks are callable from any CPU.
unsafe impl Sync for RawSink {}

impl RawSink {
    /// A sink named `name` whose callbacks are `reserve` and `commit`, given `data`.
    ///
    /// # Safety
    ///
    /// `reserve` and `commit`, given `data`, keep the promises of the type's invariants.
    pub const unsafe fn new(
        name: &'static CStr,
        data: *const c_void,
        reserve: ReserveFn,
        commit: CommitFn,
    ) -> Self {
        Self {
            name: name.as_ptr(),
            data,
            reserve,
            commit,
        }
    }

    /// The sink's name.
    pub fn name(&self) -> &CStr {
        // SAFETY: by the type invariant, a NUL-terminated static string.
        unsafe { CStr::from_ptr(self.name) }
    }

    /// Room for a `len`-byte record of marker `id`, or a null record.
    ///
    /// # Safety
    ///
    /// Preemption is disabled, and stays so until the reservation is committed.
    #[inline(always)]
    pub unsafe fn reserve(&self, id: u32, len: usize) -> RawReservation {
        // SAFETY: the callback and its data belong together (invariant); preemption is off.
        unsafe { (self.reserve)(self.data, id, len) }
    }

    /// Publishes the reservation of handle `handle`.
    ///
    /// # Safety
    ///
    /// `handle` is that of a reservation this sink's [`Self::reserve`] gave on this CPU, with a
    /// non-null record, not committed yet; every reservation taken after it on this CPU is
    /// committed; preemption is still disabled.
    #[inline(always)]
    pub unsafe fn commit(&self, handle: usize) {
        // SAFETY: as the caller promises.
        unsafe { (self.commit)(self.data, handle) }
    }
}

extern "C" fn drop_record(_data: *const c_void, _id: u32, _len: usize) -> RawReservation {
    RawReservation::NONE
}

extern "C" fn no_commit(_data: *const c_void, _handle: usize) {}

/// A sink that drops every record: stands in, in place, for a sink disconnected when memory for
/// a smaller array is lacking.
pub static NULL_SINK: RawSink = RawSink {
    name: c"-".as_ptr(),
    data: core::ptr::null(),
    reserve: drop_record,
    commit: no_commit,
};

/// Where a field lies in the records of a marker, as `rtrace_marker_field` tells it.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct FieldRef {
    /// The marker's id.
    pub id: u32,
    /// The field's offset in the record.
    pub offset: u16,
    /// Its type, as `FieldType::to_raw` gives it.
    pub kind: u8,
    /// Its size, for the kinds that have one.
    pub size: u16,
}

/// Declares the functions the rtrace cores export, each once: the modules that call them get
/// the `extern "C"` declarations, and the core that defines one gets its type in [`fn_types`],
/// which [`abi_export!`](crate::abi_export) checks the definition against before exporting it.
/// A definition whose type is not its declaration's does not build.
///
/// `use` names the items of this file that the signatures use: [`fn_types`] imports them (a glob
/// import would make rustc's messages name this file's types by longer paths).
macro_rules! exported_functions {
    (
        use {$($import:ident),* $(,)?};
        $(
            $(#[$attr:meta])*
            fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)?;
        )*
    ) => {
        // Module and dentry pointers are opaque here, never dereferenced (and `struct module`
        // holds types that are empty in some configurations).
        #[allow(improper_ctypes)]
        extern "C" {
            $($(#[$attr])* pub fn $name($($arg: $ty),*) $(-> $ret)?;)*
        }

        /// The type of each exported function, named after it: what its definition must be
        /// (checked by [`abi_export!`](crate::abi_export)).
        #[allow(non_camel_case_types)]
        pub mod fn_types {
            use super::{$($import),*};
            $(
                #[doc = concat!(
                    "The type of [`", stringify!($name), "`](super::", stringify!($name), ")."
                )]
                pub type $name = unsafe extern "C" fn($($ty),*) $(-> $ret)?;
            )*
        }
    };
}

exported_functions! {
    use {bindings, c_char, c_int, c_void, FieldRef, RawMarker, RawSink, RawTracepoint, RawValue};

    // Exported by the tracepoint core (rtrace_tracepoint.ko, tracepoint/exports.rs); the first
    // argument is the caller's `TRACEPOINT_ABI`.

    /// Registers `tp`, defined by `owner`: connects the probes already registered for its name.
    fn rtrace_tracepoint_define(
        abi: u32,
        tp: *const RawTracepoint,
        owner: *mut bindings::module,
    ) -> c_int;

    /// Removes `tp`: its probes go back to pending. Returns after a grace period, when no CPU
    /// runs any of its probes any more.
    fn rtrace_tracepoint_undefine(abi: u32, tp: *const RawTracepoint);

    /// Registers probe (`func`, `data`) at `prio` for the tracepoint of `tp`'s name, whose
    /// declaration (argument text and types) must be `tp`'s, whether that tracepoint is defined
    /// yet or not. `tp` is the caller's copy of the declaration.
    fn rtrace_probe_register(
        abi: u32,
        tp: *const RawTracepoint,
        func: *const c_void,
        data: *const c_void,
        prio: c_int,
        owner: *mut bindings::module,
    ) -> c_int;

    /// Removes the probe (`func`, `data`) from the tracepoint of `tp`'s name.
    fn rtrace_probe_unregister(
        abi: u32,
        tp: *const RawTracepoint,
        func: *const c_void,
        data: *const c_void,
    ) -> c_int;

    /// Waits until no CPU runs a probe that was unregistered before the call.
    fn rtrace_probe_synchronize(abi: u32);

    /// The debugfs directory `/sys/kernel/debug/rtrace/` (the other cores put theirs in it), or
    /// null when debugfs is not available.
    fn rtrace_debugfs_root(abi: u32) -> *mut bindings::dentry;

    // Exported by the marker core (rtrace_marker.ko, marker/exports.rs); the first argument is
    // the caller's `MARKER_ABI`.

    /// Registers `marker`, declared by `owner`: checks its declaration, gives it an id and its
    /// `format` file.
    fn rtrace_marker_register(
        abi: u32,
        marker: *const RawMarker,
        owner: *mut bindings::module,
    ) -> c_int;

    /// Removes `marker`.
    fn rtrace_marker_unregister(abi: u32, marker: *const RawMarker);

    /// Registers `sink`, of `owner`, under its name.
    fn rtrace_sink_register(abi: u32, sink: *const RawSink, owner: *mut bindings::module) -> c_int;

    /// Removes `sink` from every marker and waits until none of its callbacks runs.
    fn rtrace_sink_unregister(abi: u32, sink: *const RawSink);

    /// Connects the sink named `sink` to the marker `subsystem:event`; either may be registered
    /// later (the connection is armed until both are).
    fn rtrace_marker_connect(
        abi: u32,
        sink: *const c_char,
        subsystem: *const c_char,
        event: *const c_char,
    ) -> c_int;

    /// Removes that connection.
    fn rtrace_marker_disconnect(
        abi: u32,
        sink: *const c_char,
        subsystem: *const c_char,
        event: *const c_char,
    ) -> c_int;

    /// How many connections (made or armed) name the sink `sink`.
    fn rtrace_sink_connections(abi: u32, sink: *const c_char) -> c_int;

    /// The debugfs directory `/sys/kernel/debug/rtrace/sinks/`, where sinks put their own
    /// files (owned by the marker core), or null without debugfs.
    fn rtrace_sinks_debugfs_dir(abi: u32) -> *mut bindings::dentry;

    /// Writes `subsystem:event: field=value ...` for the record `payload` (`len` bytes) of the
    /// marker with id `id` into `out` (`out_len` bytes, cut if longer); returns the length
    /// written, or `-ENOENT` if no registered marker has that id.
    fn rtrace_marker_print(
        abi: u32,
        id: u32,
        payload: *const u8,
        len: usize,
        out: *mut c_char,
        out_len: usize,
    ) -> isize;

    /// Writes `subsystem:event` of the marker with id `id` into `out` (`out_len` bytes, cut if
    /// longer); returns the length written, or `-ENOENT` if no registered marker has that id.
    fn rtrace_marker_name(abi: u32, id: u32, out: *mut c_char, out_len: usize) -> isize;

    /// Whether the `n` `values` of an event of `marker` (one per field) pass its filter: true
    /// when it has none (or when `abi` is not the core's).
    ///
    /// Called with preemption disabled (an RCU-sched read side), which keeps the filter alive.
    fn rtrace_marker_filter_match(
        abi: u32,
        marker: *const RawMarker,
        values: *const RawValue<'_>,
        n: usize,
    ) -> bool;

    /// Describes field `field` of marker `subsystem:event` in `out`: `-ENOENT` if the marker
    /// is not registered or has no such field.
    fn rtrace_marker_field(
        abi: u32,
        subsystem: *const c_char,
        event: *const c_char,
        field: *const c_char,
        out: *mut FieldRef,
    ) -> c_int;
}

/// Exports `name`, a `#[no_mangle]` function of the calling module declared in
/// [`exported_functions!`], to other modules as `EXPORT_SYMBOL_GPL(name)` does in C, after
/// checking at compile time that its type is its declaration's ([`fn_types`]): a definition that
/// differs from the declaration the callers were compiled with does not build.
///
/// The export is the entry `EXPORT_SYMBOL_GPL` emits in 6.12 (`include/linux/export.h`): in
/// section `.export_symbol`, a label `__export_symbol_<name>`, the license `"GPL"` and an empty
/// namespace as NUL-terminated strings, then the symbol's address, aligned. modpost reads it
/// (`check_export_symbol()` in `scripts/mod/modpost.c`) and makes the module's `__ksymtab`
/// entry; the module's linker script discards the section.
///
/// ```ignore
/// #[no_mangle]
/// extern "C" fn rtrace_probe_synchronize(abi: u32) { /* ... */ }
/// crate::abi_export!(rtrace_probe_synchronize);
/// ```
#[macro_export]
macro_rules! abi_export {
    ($name:ident) => {
        const _: $crate::rtrace::abi::fn_types::$name = $name;

        #[cfg(target_pointer_width = "64")]
        ::core::arch::global_asm!(
            ".pushsection .export_symbol, \"a\"",
            concat!("__export_symbol_", stringify!($name), ":"),
            ".asciz \"GPL\"",
            ".asciz \"\"",
            ".balign 8",
            ".quad {f}",
            ".popsection",
            f = sym $name,
        );
        #[cfg(not(target_pointer_width = "64"))]
        ::core::arch::global_asm!(
            ".pushsection .export_symbol, \"a\"",
            concat!("__export_symbol_", stringify!($name), ":"),
            ".asciz \"GPL\"",
            ".asciz \"\"",
            ".balign 4",
            ".long {f}",
            ".popsection",
            f = sym $name,
        );
    };
}
