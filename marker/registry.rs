// SPDX-License-Identifier: GPL-2.0

//! The registry of markers: their declarations checked, their ids, their debugfs directories.
//!
//! A marker is registered by the probe module that declares it (`register_markers!`) and
//! removed when that module drops its `Markers` (or, as a safety net, when it goes). Its id is
//! unique among the markers registered since the core loaded and stays the same while it is
//! registered. Every function here runs under `rtrace_markers_mutex` (the [`Guard`] of
//! [`lock`]).

use core::sync::atomic::{AtomicPtr, Ordering};

use kernel::bindings;
use kernel::prelude::*;

use crate::debugfs;
use crate::rtrace::abi::{self, RawMarker, RawSink, NULL_SINK};
use crate::rtrace::kernel::debugfs::Dir;
use crate::rtrace::kernel::global_lock::{GlobalLock, Guard};
use crate::rtrace::kernel::kvec;
use crate::rtrace::kernel::module::name as module_name;
use crate::rtrace::kernel::rcu_array;
use crate::rtrace::marker::record::{self, Field, FieldType, RecordError, FIELDS_MAX};
use crate::rtrace::marker::text::Escaped;
use crate::rtrace::tracepoint::declaration::valid_name;

/// A registered marker.
pub(crate) struct Entry {
    pub(crate) raw: &'static RawMarker,
    pub(crate) owner: *mut bindings::module,
    pub(crate) id: u32,
    /// The text of the marker's filter (empty when none); the compiled filter is `raw.filter`.
    pub(crate) filter_text: KVec<u8>,
    /// `markers/<subsystem>/<event>/`, holding `format`, `id`, `enable` and `filter` (whose
    /// private data is this entry).
    dir: Option<Dir>,
}

/// What a marker's removal leaves to free once the registry's mutex is released: its files
/// and maybe its subsystem's directory. Their removal waits for the files' operations in
/// progress, and those (`enable`, `filter`) take the mutex. Dropped in field order: the
/// event's directory before its subsystem's.
#[must_use = "drop it after releasing the registry's mutex"]
pub(crate) struct Trash {
    entry: Option<KBox<Entry>>,
    subsystem: Option<Subsystem>,
}

impl Trash {
    pub(crate) fn none() -> Self {
        Self {
            entry: None,
            subsystem: None,
        }
    }
}

/// A `markers/<subsystem>/` directory and how many registered markers it holds.
pub(crate) struct Subsystem {
    name: KVec<u8>,
    dir: Option<Dir>,
    markers: usize,
}

/// A registered sink.
pub(crate) struct SinkEntry {
    pub(crate) raw: &'static RawSink,
    owner: *mut bindings::module,
}

/// A connection of a sink to a marker, both by name: *pending* (armed) until both are
/// registered.
pub(crate) struct Connection {
    pub(crate) sink: KVec<u8>,
    pub(crate) subsystem: KVec<u8>,
    pub(crate) event: KVec<u8>,
}

/// All markers, sinks and connections.
pub(crate) struct Registry {
    /// Boxed: the `format` files point to their entries.
    pub(crate) markers: KVec<KBox<Entry>>,
    subsystems: KVec<Subsystem>,
    pub(crate) sinks: KVec<SinkEntry>,
    /// Sorted by marker, then sink ([`Connection::key`]): a marker's connections are one run,
    /// found by binary search, so that neither a connection nor a marker's refresh scans them
    /// all.
    pub(crate) connections: KVec<Connection>,
    /// How many connections are pending: their sink or their marker is not registered.
    pending: usize,
    /// `markers/`, or null without debugfs. Set by the module's init, cleared by its exit.
    pub(crate) root: *mut bindings::dentry,
    last_id: u32,
}

// SAFETY: the raw pointers in the registry are to modules, tracepoints, markers, sinks and
// dentries that stay valid while registered, whichever task holds the registry's mutex.
unsafe impl Send for Registry {}

/// The registry. Protected by rtrace_markers_mutex.
static REGISTRY: GlobalLock<Registry> = {
    extern "C" {
        /// `DEFINE_MUTEX` in marker/marker_shim.c.
        static rtrace_markers_mutex: kernel::types::Opaque<bindings::mutex>;
    }
    // SAFETY: rtrace_markers_mutex is defined by `DEFINE_MUTEX` and protects nothing else.
    unsafe {
        GlobalLock::new(
            Registry {
                markers: KVec::new(),
                subsystems: KVec::new(),
                sinks: KVec::new(),
                connections: KVec::new(),
                pending: 0,
                root: core::ptr::null_mut(),
                last_id: 0,
            },
            &rtrace_markers_mutex,
        )
    }
};

/// Takes the registry mutex (sleeps).
pub(crate) fn lock() -> Guard<'static, Registry> {
    REGISTRY.lock()
}

/// Held across a marker's registration or removal, from before the registry's mutex until its
/// [`Trash`] is dropped: the files of a removal are gone before another registration can create
/// files of the same names. Taken before the registry's mutex, never inside it; file operations
/// take only the registry's.
static CHANGES: GlobalLock<()> = {
    extern "C" {
        /// `DEFINE_MUTEX` in marker/marker_shim.c.
        static rtrace_markers_change_mutex: kernel::types::Opaque<bindings::mutex>;
    }
    // SAFETY: rtrace_markers_change_mutex is defined by `DEFINE_MUTEX` and protects nothing else.
    unsafe { GlobalLock::new((), &rtrace_markers_change_mutex) }
};

/// Takes the mutex of marker registrations and removals (sleeps).
pub(crate) fn changing() -> Guard<'static, ()> {
    CHANGES.lock()
}

/// The subsystem, event and fields of `raw`, read into `fields`; returns the number of fields,
/// or what is wrong with the declaration.
pub(crate) fn read<'a>(
    raw: &'a RawMarker,
    fields: &mut [Field<'a>; FIELDS_MAX],
) -> core::result::Result<(&'a str, &'a str, usize), &'static str> {
    let subsystem = raw
        .subsystem()
        .to_str()
        .map_err(|_| "subsystem is not UTF-8")?;
    let event = raw.event().to_str().map_err(|_| "event is not UTF-8")?;
    let n = raw.fields().len();
    if n > FIELDS_MAX {
        return Err("too many fields (at most 32)");
    }
    for (field, rf) in fields.iter_mut().zip(raw.fields()) {
        field.name = rf.name().to_str().map_err(|_| "field name is not UTF-8")?;
        let (kind, size) = rf.raw_type();
        field.ty = FieldType::from_raw(kind, size).ok_or("unknown field type")?;
    }
    Ok((subsystem, event, n))
}

fn reason(e: RecordError) -> &'static str {
    match e {
        RecordError::BadName => "invalid name (1 to 64 of [A-Za-z0-9_], not starting with a digit)",
        RecordError::TooManyFields => "too many fields (at most 32)",
        RecordError::DuplicateField => "two fields have the same name",
        RecordError::BadSize => "an array or string size is 0 or more than 4096",
        RecordError::TooLarge => "its largest record is over 65535 bytes",
        _ => "invalid declaration",
    }
}

/// `subsystem:event` of the marker at `raw`, for messages.
pub(crate) fn label(raw: &RawMarker) -> (&str, &str) {
    let (s, e) = (raw.subsystem(), raw.event());
    (s.to_str().unwrap_or("?"), e.to_str().unwrap_or("?"))
}

pub(crate) fn sink_name(raw: &RawSink) -> &[u8] {
    raw.name().to_bytes()
}

pub(crate) fn copy(bytes: &[u8]) -> Result<KVec<u8>> {
    let mut v = KVec::with_capacity(bytes.len(), GFP_KERNEL)?;
    v.extend_from_slice(bytes, GFP_KERNEL)?;
    Ok(v)
}

pub(crate) fn text(bytes: &[u8]) -> &str {
    core::str::from_utf8(bytes).unwrap_or("?")
}

/// ` and N more are`, or ` is` for 0, for messages.
struct Plus(usize);

impl core::fmt::Display for Plus {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.0 {
            0 => write!(f, " is"),
            n => write!(f, " and {n} more are"),
        }
    }
}

/// `subsystem:event`, or `name` alone when the second part is empty, for messages.
struct Pair<'a>(&'a [u8], &'a [u8]);

impl core::fmt::Display for Pair<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        if self.1.is_empty() {
            write!(f, "{}", Escaped(self.0))
        } else {
            write!(f, "{}:{}", Escaped(self.0), Escaped(self.1))
        }
    }
}

/// Most pending connections, in all: a write that would make more is refused (`ENOSPC`).
pub(crate) const PENDING_MAX: usize = 1024;

impl Connection {
    /// The order of [`Registry::connections`]: marker, then sink.
    pub(crate) fn key(&self) -> (&[u8], &[u8], &[u8]) {
        (&self.subsystem, &self.event, &self.sink)
    }
}

impl Registry {
    /// Where the connection of `sink` to `subsystem:event` is (`Ok`), or would be inserted.
    fn find(
        &self,
        sink: &[u8],
        subsystem: &[u8],
        event: &[u8],
    ) -> core::result::Result<usize, usize> {
        self.connections
            .binary_search_by(|c| c.key().cmp(&(subsystem, event, sink)))
    }

    /// Whether sink `sink` is connected to `subsystem:event`, pending or not.
    pub(crate) fn has_connection(&self, sink: &[u8], subsystem: &[u8], event: &[u8]) -> bool {
        self.find(sink, subsystem, event).is_ok()
    }

    /// The connections of marker `subsystem:event`, by sink name.
    pub(crate) fn connections_to(&self, subsystem: &[u8], event: &[u8]) -> &[Connection] {
        let start = self
            .connections
            .partition_point(|c| (c.subsystem.as_slice(), c.event.as_slice()) < (subsystem, event));
        let len = self.connections[start..].partition_point(|c| {
            (c.subsystem.as_slice(), c.event.as_slice()) == (subsystem, event)
        });
        &self.connections[start..start + len]
    }

    /// Whether marker `subsystem:event` is registered.
    pub(crate) fn marker_registered(&self, subsystem: &[u8], event: &[u8]) -> bool {
        self.markers.iter().any(|m| {
            let (s, e) = label(m.raw);
            (s.as_bytes(), e.as_bytes()) == (subsystem, event)
        })
    }

    /// Whether sink `name` is registered.
    pub(crate) fn sink_registered(&self, name: &[u8]) -> bool {
        self.sinks.iter().any(|s| sink_name(s.raw) == name)
    }

    /// Whether a connection of `sink` to `subsystem:event` is (or would be) pending.
    pub(crate) fn is_pending(&self, sink: &[u8], subsystem: &[u8], event: &[u8]) -> bool {
        !self.sink_registered(sink) || !self.marker_registered(subsystem, event)
    }

    /// How many connections are pending.
    pub(crate) fn pending(&self) -> usize {
        self.pending
    }
}

impl Registry {
    /// The registered sinks connected to `marker`, by name.
    fn connected<'a>(
        &'a self,
        marker: &'a RawMarker,
    ) -> impl Iterator<Item = &'static RawSink> + 'a {
        let (subsystem, event) = label(marker);
        self.connections_to(subsystem.as_bytes(), event.as_bytes())
            .iter()
            .filter_map(|c| {
                self.sinks
                    .iter()
                    .find(|s| sink_name(s.raw) == c.sink.as_slice())
            })
            .map(|s| s.raw)
    }

    /// Whether a connection names sink `sink` and `marker` (registered or not).
    fn is_connected(&self, sink: &[u8], marker: &RawMarker) -> bool {
        let (subsystem, event) = label(marker);
        self.has_connection(sink, subsystem.as_bytes(), event.as_bytes())
    }

    /// Publishes `marker`'s connected sinks for its sites and switches its static key to match.
    /// On allocation failure nothing changes and `ENOMEM` is returned.
    fn refresh(&self, marker: &RawMarker) -> Result {
        let count = self.connected(marker).count();
        if count == 0 {
            // Off first, then the array: sites stop entering, then lose their sinks.
            // SAFETY: the core, under its mutex, switching the key with the array.
            unsafe { marker.key() }.disable();
        }
        let entries = self.connected(marker).map(|raw| abi::SinkEntry {
            sink: AtomicPtr::new((raw as *const RawSink).cast_mut()),
        });
        let terminator = abi::SinkEntry {
            sink: AtomicPtr::new(core::ptr::null_mut()),
        };
        // `connected` yields `count` sinks: an exact size for the array.
        // SAFETY: `marker.sinks()` is written only by the core, under its mutex; it starts
        // null and is stored to only by `rcu_array::publish`, here and in `remove`, under the
        // registry's mutex; the core calls `rcu::barrier()` before it unloads.
        unsafe { rcu_array::publish(marker.sinks(), Exact(entries, count), terminator) }?;
        if count != 0 {
            // The array is published before the key turns on.
            // SAFETY: the core, under its mutex, switching the key with the array.
            unsafe { marker.key() }.enable();
        }
        Ok(())
    }

    /// Like `refresh` after a removal, which must not fail: without memory for the new array,
    /// `gone` is replaced in place by a sink that drops everything.
    fn refresh_after_removal(&self, marker: &RawMarker, gone: &RawSink) {
        if self.refresh(marker).is_ok() {
            return;
        }
        // SAFETY: only read, and written below with a sink that stays (the null sink).
        let mut entry = unsafe { marker.sinks() }.load(Ordering::Relaxed);
        while !entry.is_null() {
            // SAFETY: the current array, which only this (mutex-holding) updater replaces or
            // frees, ended by a null sink where the walk stops.
            let e = unsafe { &*entry };
            let sink = e.sink.load(Ordering::Relaxed);
            if sink.is_null() {
                break;
            }
            if core::ptr::eq(sink, gone) {
                e.sink
                    .store((&NULL_SINK as *const RawSink).cast_mut(), Ordering::Relaxed);
            }
            // SAFETY: not the terminator, so the next element is in the array.
            entry = unsafe { entry.add(1) };
        }
    }

    /// Registers `raw`, declared by `owner`. On failure, what was created goes in `trash`.
    pub(crate) fn register(
        &mut self,
        raw: &'static RawMarker,
        owner: *mut bindings::module,
        trash: &mut Trash,
    ) -> Result {
        let mut fields = [Field {
            name: "",
            ty: FieldType::U8,
        }; FIELDS_MAX];
        let checked = read(raw, &mut fields).and_then(|(subsystem, event, n)| {
            record::check(subsystem, event, &fields[..n])
                .map(|()| (subsystem, event))
                .map_err(reason)
        });
        let (subsystem, event) = match checked {
            Ok(names) => names,
            Err(why) => {
                let (s, e) = label(raw);
                pr_err!(
                    "module {}: marker {}:{} refused: {}\n",
                    // SAFETY: `owner` is the calling module, loaded during the call.
                    unsafe { module_name(owner) },
                    s,
                    e,
                    why
                );
                return Err(EINVAL);
            }
        };
        if let Some(other) = self
            .markers
            .iter()
            .find(|m| label(m.raw) == (subsystem, event))
        {
            pr_err!(
                "module {}: marker {}:{} is already registered by module {}\n",
                // SAFETY: `owner` is the calling module, loaded during the call.
                unsafe { module_name(owner) },
                subsystem,
                event,
                // SAFETY: `other.owner` holds a registration, kept by the registry's mutex.
                unsafe { module_name(other.owner) }
            );
            return Err(EEXIST);
        }
        self.markers.reserve(1, GFP_KERNEL)?;
        let id = self.last_id.checked_add(1).ok_or(ENOSPC)?;
        let mut entry = KBox::new(
            Entry {
                raw,
                owner,
                id,
                filter_text: KVec::new(),
                dir: None,
            },
            GFP_KERNEL,
        )?;
        let s = self.subsystem(subsystem)?;
        if let Err(e) = self.create_files(s, event, &mut entry) {
            trash.entry = Some(entry);
            trash.subsystem = self.put_subsystem(s);
            return Err(e);
        }
        // The id is set before sinks can be published: an emit that finds a sink (acquire)
        // sees it.
        // SAFETY: the core, registering the marker, before it publishes sinks.
        unsafe { raw.set_id(id) };
        // Sinks connected before the marker was registered start receiving now.
        if let Err(e) = self.refresh(raw) {
            trash.entry = Some(entry);
            trash.subsystem = self.put_subsystem(s);
            return Err(e);
        }
        self.subsystems[s].markers += 1;
        self.last_id = id;
        // Cannot fail: the room is reserved.
        self.markers.push(entry, GFP_KERNEL)?;
        // Its connections to registered sinks are no longer pending.
        let made = self
            .connections_to(subsystem.as_bytes(), event.as_bytes())
            .iter()
            .filter(|c| self.sink_registered(&c.sink))
            .count();
        self.pending -= made;
        Ok(())
    }

    /// The index of subsystem `name`'s directory, created if needed.
    fn subsystem(&mut self, name: &str) -> Result<usize> {
        if let Some(i) = self
            .subsystems
            .iter()
            .position(|s| s.name.as_slice() == name.as_bytes())
        {
            return Ok(i);
        }
        let mut copy = KVec::with_capacity(name.len(), GFP_KERNEL)?;
        copy.extend_from_slice(name.as_bytes(), GFP_KERNEL)?;
        let dir = if self.root.is_null() {
            None
        } else {
            // SAFETY: `root` is the core's live `markers/` directory, which outlives the registry's
            // entries (the module's exit empties the registry before removing it).
            let root = unsafe { Dir::borrowed(self.root) };
            Some(Dir::with_name(name, &root)?)
        };
        self.subsystems.push(
            Subsystem {
                name: copy,
                dir,
                markers: 0,
            },
            GFP_KERNEL,
        )?;
        Ok(self.subsystems.len() - 1)
    }

    /// Removes subsystem `s` if it holds no marker; its directory goes with the result.
    fn put_subsystem(&mut self, s: usize) -> Option<Subsystem> {
        if self.subsystems[s].markers == 0 {
            return Some(kvec::swap_remove(&mut self.subsystems, s));
        }
        None
    }

    fn create_files(&mut self, s: usize, event: &str, entry: &mut KBox<Entry>) -> Result {
        let Some(parent) = &self.subsystems[s].dir else {
            return Ok(());
        };
        // The directory goes into the entry before the file that points to the entry exists:
        // once `format` can be opened, the entry is no longer written.
        entry.dir = Some(Dir::with_name(event, parent)?);
        let private: *const Entry = &**entry;
        match &entry.dir {
            Some(dir) => debugfs::create_format(dir, private.cast_mut())
                .and_then(|()| debugfs::create_marker_files(dir, private.cast_mut())),
            None => Ok(()),
        }
    }

    /// Removes `raw`; `Err(ENOENT)` if it is not registered.
    pub(crate) fn unregister(&mut self, raw: &RawMarker) -> Result<Trash> {
        let i = self
            .markers
            .iter()
            .position(|m| core::ptr::eq(m.raw, raw))
            .ok_or(ENOENT)?;
        Ok(self.remove(i))
    }

    fn remove(&mut self, i: usize) -> Trash {
        let entry = kvec::swap_remove(&mut self.markers, i);
        let (subsystem, event) = label(entry.raw);
        // Its connections to registered sinks are pending again.
        let armed = self
            .connections_to(subsystem.as_bytes(), event.as_bytes())
            .iter()
            .filter(|c| self.sink_registered(&c.sink))
            .count();
        self.pending += armed;
        // SAFETY: the core, under its mutex, switching the key with the array.
        unsafe { entry.raw.key() }.disable();
        // An empty list does not allocate. The marker's module frees its memory only after a
        // grace period (the module loader waits for one), when no site runs any more.
        // SAFETY: the core, under its mutex, publishes an empty array (as in `refresh`).
        let _ = unsafe {
            rcu_array::publish(
                entry.raw.sinks(),
                core::iter::empty(),
                abi::SinkEntry {
                    sink: AtomicPtr::new(core::ptr::null_mut()),
                },
            )
        };
        // Sites in flight may still evaluate the filter: freed after a grace period.
        drop(crate::control::filter(entry.raw).replace(None));
        // The id stays: emits still in flight commit their records under it.
        // Removing the directory waits for open files' operations, which read the entry: only
        // then is the entry freed, by the caller, once the mutex is released.
        let mut trash = Trash::none();
        if let Some(s) = self
            .subsystems
            .iter()
            .position(|s| s.name.as_slice() == subsystem.as_bytes())
        {
            self.subsystems[s].markers -= 1;
            trash.subsystem = self.put_subsystem(s);
        }
        trash.entry = Some(entry);
        trash
    }

    /// Frees the lists' memory when the core goes (no marker or sink is left by then).
    pub(crate) fn release(&mut self) {
        self.root = core::ptr::null_mut();
        drop(core::mem::take(&mut self.markers));
        drop(core::mem::take(&mut self.subsystems));
        drop(core::mem::take(&mut self.sinks));
        drop(core::mem::take(&mut self.connections));
        self.pending = 0;
    }

    /// Registers sink `raw` of `owner`; its connections made before take effect.
    pub(crate) fn register_sink(
        &mut self,
        raw: &'static RawSink,
        owner: *mut bindings::module,
    ) -> Result {
        let name = sink_name(raw);
        if !valid_name(name, record::NAME_MAX) {
            pr_err!(
                "module {}: sink name '{}' refused: 1 to 64 of [A-Za-z0-9_]\n",
                // SAFETY: `owner` is the calling module, loaded during the call.
                unsafe { module_name(owner) },
                text(name)
            );
            return Err(EINVAL);
        }
        if let Some(other) = self.sinks.iter().find(|s| sink_name(s.raw) == name) {
            pr_err!(
                "module {}: sink {} is already registered by module {}\n",
                // SAFETY: `owner` is the calling module, loaded during the call.
                unsafe { module_name(owner) },
                text(name),
                // SAFETY: `other.owner` holds a registration, kept by the registry's mutex.
                unsafe { module_name(other.owner) }
            );
            return Err(EEXIST);
        }
        self.sinks.push(SinkEntry { raw, owner }, GFP_KERNEL)?;
        let made = self
            .connections
            .iter()
            .filter(|c| c.sink.as_slice() == name && self.marker_registered(&c.subsystem, &c.event))
            .count();
        self.pending -= made;
        for m in self
            .markers
            .iter()
            .filter(|m| self.is_connected(name, m.raw))
        {
            if let Err(e) = self.refresh(m.raw) {
                self.unregister_sink(raw);
                return Err(e);
            }
        }
        Ok(())
    }

    /// Removes sink `raw` from the registry and from every marker. The caller waits for a grace
    /// period before the sink may go.
    pub(crate) fn unregister_sink(&mut self, raw: &RawSink) -> bool {
        let Some(i) = self.sinks.iter().position(|s| core::ptr::eq(s.raw, raw)) else {
            return false;
        };
        let _ = kvec::swap_remove(&mut self.sinks, i);
        let name = sink_name(raw);
        let armed = self
            .connections
            .iter()
            .filter(|c| c.sink.as_slice() == name && self.marker_registered(&c.subsystem, &c.event))
            .count();
        self.pending += armed;
        for m in self
            .markers
            .iter()
            .filter(|m| self.is_connected(name, m.raw))
        {
            self.refresh_after_removal(m.raw, raw);
        }
        true
    }

    /// Connects sink `sink` to marker `subsystem:event`, by name; returns whether the new
    /// connection is pending (its sink or its marker is not registered). There may be
    /// [`PENDING_MAX`] pending connections (`ENOSPC` beyond); the caller says in the kernel log
    /// that one is pending ([`Registry::log_pending`]).
    pub(crate) fn connect(&mut self, sink: &[u8], subsystem: &[u8], event: &[u8]) -> Result<bool> {
        for name in [sink, subsystem, event] {
            if !valid_name(name, record::NAME_MAX) {
                pr_err!("connect: invalid name '{}'\n", Escaped(name));
                return Err(EINVAL);
            }
        }
        let Err(at) = self.find(sink, subsystem, event) else {
            return Err(EEXIST);
        };
        let marker = self.markers.iter().find(|m| {
            let (s, e) = label(m.raw);
            (s.as_bytes(), e.as_bytes()) == (subsystem, event)
        });
        let pending = marker.is_none() || !self.sink_registered(sink);
        if pending && self.pending >= PENDING_MAX {
            pr_err!(
                "connect: {}:{}:{}: more than {} pending connections\n",
                text(sink),
                text(subsystem),
                text(event),
                PENDING_MAX
            );
            return Err(ENOSPC);
        }
        let connection = Connection {
            sink: copy(sink)?,
            subsystem: copy(subsystem)?,
            event: copy(event)?,
        };
        kvec::insert(&mut self.connections, at, connection, GFP_KERNEL)?;
        if let Some(m) = marker {
            if let Err(e) = self.refresh(m.raw) {
                drop(kvec::remove(&mut self.connections, at));
                return Err(e);
            }
        }
        if pending {
            self.pending += 1;
        }
        Ok(pending)
    }

    /// Says in the kernel log, for `file`, that `count` new connections are pending, the
    /// first `sink:subsystem:event`.
    pub(crate) fn log_pending(&self, file: &str, count: usize, first: [&[u8]; 3]) {
        let [sink, subsystem, event] = first;
        let (what, name) = if self.sink_registered(sink) {
            ("marker", Pair(subsystem, event))
        } else {
            ("sink", Pair(sink, b""))
        };
        pr_info!(
            "{}: {}:{}:{}{} pending: no {} {} is registered; connected when it is ({} pending in all)\n",
            file,
            Escaped(sink),
            Escaped(subsystem),
            Escaped(event),
            Plus(count.saturating_sub(1)),
            what,
            name,
            self.pending
        );
    }

    /// Removes the connection of `sink` to `subsystem:event`. The caller waits for a grace period
    /// if the sink must stop receiving the marker's records.
    pub(crate) fn disconnect(&mut self, sink: &[u8], subsystem: &[u8], event: &[u8]) -> Result {
        let i = self.find(sink, subsystem, event).map_err(|_| ENOENT)?;
        if self.is_pending(sink, subsystem, event) {
            self.pending -= 1;
        }
        drop(kvec::remove(&mut self.connections, i));
        let marker = self.markers.iter().find(|m| {
            let (s, e) = label(m.raw);
            (s.as_bytes(), e.as_bytes()) == (subsystem, event)
        });
        let gone = self.sinks.iter().find(|s| sink_name(s.raw) == sink);
        if let (Some(m), Some(gone)) = (marker, gone) {
            self.refresh_after_removal(m.raw, gone.raw);
        }
        Ok(())
    }

    /// Removes the sinks of a module that went without removing them; returns whether one was
    /// removed (the caller then waits for a grace period).
    pub(crate) fn module_going_sinks(&mut self, module: *mut bindings::module) -> bool {
        let mut sinks = false;
        while let Some(s) = self.sinks.iter().find(|s| s.owner == module).map(|s| s.raw) {
            pr_err!(
                "module {} went without unregistering its sink {}: removed\n",
                // SAFETY: `module` is going; it is freed only after the notifier returns.
                unsafe { module_name(module) },
                text(sink_name(s))
            );
            self.unregister_sink(s);
            sinks = true;
        }
        sinks
    }

    /// Removes one marker of a module that went without removing it, if any.
    pub(crate) fn module_going_marker(&mut self, module: *mut bindings::module) -> Option<Trash> {
        let i = self.markers.iter().position(|m| m.owner == module)?;
        let (s, e) = label(self.markers[i].raw);
        pr_err!(
            "module {} went without removing its marker {}:{}: removed\n",
            // SAFETY: `module` is going; it is freed only after the notifier returns.
            unsafe { module_name(module) },
            s,
            e
        );
        Some(self.remove(i))
    }
}

/// An iterator whose length is known in advance, for `rcu_array::publish`.
struct Exact<I>(I, usize);

impl<I: Iterator> Iterator for Exact<I> {
    type Item = I::Item;
    fn next(&mut self) -> Option<I::Item> {
        let item = self.0.next()?;
        self.1 = self.1.saturating_sub(1);
        Some(item)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.1, Some(self.1))
    }
}

impl<I: Iterator> ExactSizeIterator for Exact<I> {}
