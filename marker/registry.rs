// SPDX-License-Identifier: GPL-2.0

//! The registry of markers: their declarations checked, their ids, their debugfs directories.
//!
//! A marker is registered by the probe module that declares it (`register_markers!`) and
//! removed when that module drops its `Markers` (or, as a safety net, when it goes). Its id is
//! unique among the markers registered since the core loaded and stays the same while it is
//! registered. Every function here runs under `rtrace_markers_mutex` (the [`Guard`] of
//! [`lock`]).

use core::cell::UnsafeCell;
use core::ffi::CStr;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};
use core::sync::atomic::Ordering;

use kernel::bindings;
use kernel::prelude::*;

use crate::debugfs;
use crate::rtrace::abi::RawMarker;
use crate::rtrace::debugfs::Dir;
use crate::rtrace::kvec;
use crate::rtrace::module::name as module_name;
use crate::rtrace::record::{self, Field, FieldType, RecordError, FIELDS_MAX};

/// A registered marker.
pub(crate) struct Entry {
    pub(crate) raw: &'static RawMarker,
    pub(crate) owner: *mut bindings::module,
    pub(crate) id: u32,
    /// `markers/<subsystem>/<event>/`, holding `format` (whose private data is this entry).
    dir: Option<Dir>,
}

/// A `markers/<subsystem>/` directory and how many registered markers it holds.
struct Subsystem {
    name: KVec<u8>,
    dir: Option<Dir>,
    markers: usize,
}

/// All markers.
pub(crate) struct Registry {
    /// Boxed: the `format` files point to their entries.
    pub(crate) markers: KVec<KBox<Entry>>,
    subsystems: KVec<Subsystem>,
    /// `markers/`, or null without debugfs. Set by the module's init, cleared by its exit.
    pub(crate) root: *mut bindings::dentry,
    last_id: u32,
}

/// The registry. Protected by rtrace_markers_mutex.
struct Global(UnsafeCell<Registry>);

// SAFETY: the registry is only reached through `lock()`, which holds the mutex.
unsafe impl Sync for Global {}

static REGISTRY: Global = Global(UnsafeCell::new(Registry {
    markers: KVec::new(),
    subsystems: KVec::new(),
    root: core::ptr::null_mut(),
    last_id: 0,
}));

extern "C" {
    fn rtrace_markers_lock();
    fn rtrace_markers_unlock();
}

/// Holds `rtrace_markers_mutex`, and with it the registry. Not `Send`: a mutex is released by
/// the task that took it.
pub(crate) struct Guard(PhantomData<*mut ()>);

/// Takes the registry mutex (sleeps).
pub(crate) fn lock() -> Guard {
    // SAFETY: plain mutex_lock of a static mutex from process context; `Guard` unlocks it.
    unsafe { rtrace_markers_lock() };
    Guard(PhantomData)
}

impl Drop for Guard {
    fn drop(&mut self) {
        // SAFETY: the guard's existence means this thread holds the mutex.
        unsafe { rtrace_markers_unlock() };
    }
}

impl Deref for Guard {
    type Target = Registry;
    fn deref(&self) -> &Registry {
        // SAFETY: the mutex is held for the guard's lifetime, so nothing else accesses it.
        unsafe { &*REGISTRY.0.get() }
    }
}

impl DerefMut for Guard {
    fn deref_mut(&mut self) -> &mut Registry {
        // SAFETY: as in `deref`; `&mut self` makes this the only reference.
        unsafe { &mut *REGISTRY.0.get() }
    }
}

/// The subsystem, event and fields of `raw`, read into `fields`; returns the number of fields,
/// or what is wrong with the declaration.
pub(crate) fn read<'a>(
    raw: &'a RawMarker,
    fields: &mut [Field<'a>; FIELDS_MAX],
) -> core::result::Result<(&'a str, &'a str, usize), &'static str> {
    // SAFETY: by the type invariant of `RawMarker`, NUL-terminated strings in static storage of
    // the module that registered it, which is loaded while the marker is registered.
    let (subsystem, event) = unsafe { (CStr::from_ptr(raw.subsystem), CStr::from_ptr(raw.event)) };
    let subsystem = subsystem.to_str().map_err(|_| "subsystem is not UTF-8")?;
    let event = event.to_str().map_err(|_| "event is not UTF-8")?;
    let n = raw.nfields as usize;
    if n > FIELDS_MAX {
        return Err("too many fields (at most 32)");
    }
    for (i, field) in fields.iter_mut().take(n).enumerate() {
        // SAFETY: by the type invariant, `fields` points to `nfields` entries in static storage.
        let rf = unsafe { &*raw.fields.add(i) };
        // SAFETY: as above, the name is a NUL-terminated static string.
        let name = unsafe { CStr::from_ptr(rf.name) };
        field.name = name.to_str().map_err(|_| "field name is not UTF-8")?;
        field.ty = FieldType::from_raw(rf.kind, rf.size).ok_or("unknown field type")?;
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
fn label(raw: &RawMarker) -> (&str, &str) {
    // SAFETY: as in `read`.
    let (s, e) = unsafe { (CStr::from_ptr(raw.subsystem), CStr::from_ptr(raw.event)) };
    (s.to_str().unwrap_or("?"), e.to_str().unwrap_or("?"))
}

impl Registry {
    /// Registers `raw`, declared by `owner`.
    pub(crate) fn register(
        &mut self,
        raw: &'static RawMarker,
        owner: *mut bindings::module,
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
                    module_name(owner),
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
                module_name(owner),
                subsystem,
                event,
                module_name(other.owner)
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
                dir: None,
            },
            GFP_KERNEL,
        )?;
        let s = self.subsystem(subsystem)?;
        if let Err(e) = self.create_files(s, event, &mut entry) {
            self.put_subsystem(s);
            return Err(e);
        }
        self.subsystems[s].markers += 1;
        self.last_id = id;
        raw.id.store(id, Ordering::Relaxed);
        self.markers.push(entry, GFP_KERNEL)?;
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

    /// Drops subsystem `s`'s directory if it holds no marker.
    fn put_subsystem(&mut self, s: usize) {
        if self.subsystems[s].markers == 0 {
            drop(kvec::swap_remove(&mut self.subsystems, s));
        }
    }

    fn create_files(&mut self, s: usize, event: &str, entry: &mut KBox<Entry>) -> Result {
        let Some(parent) = &self.subsystems[s].dir else {
            return Ok(());
        };
        let dir = Dir::with_name(event, parent)?;
        let private: *mut Entry = &mut **entry;
        debugfs::create_format(&dir, private)?;
        entry.dir = Some(dir);
        Ok(())
    }

    /// Removes `raw`; `Err(ENOENT)` if it is not registered.
    pub(crate) fn unregister(&mut self, raw: &RawMarker) -> Result {
        let i = self
            .markers
            .iter()
            .position(|m| core::ptr::eq(m.raw, raw))
            .ok_or(ENOENT)?;
        self.remove(i);
        Ok(())
    }

    fn remove(&mut self, i: usize) {
        let entry = kvec::swap_remove(&mut self.markers, i);
        let (subsystem, _) = label(entry.raw);
        entry.raw.id.store(0, Ordering::Relaxed);
        // Removing the directory waits for open `format` files' operations, which read the
        // entry: only then is the entry freed.
        drop(entry);
        if let Some(s) = self
            .subsystems
            .iter()
            .position(|s| s.name.as_slice() == subsystem.as_bytes())
        {
            self.subsystems[s].markers -= 1;
            self.put_subsystem(s);
        }
    }

    /// Frees the (empty) lists' memory when the core goes.
    pub(crate) fn release(&mut self) {
        self.root = core::ptr::null_mut();
        drop(core::mem::take(&mut self.markers));
        drop(core::mem::take(&mut self.subsystems));
    }

    /// Removes the markers of a module that went without removing them.
    pub(crate) fn module_going(&mut self, module: *mut bindings::module) {
        while let Some(i) = self.markers.iter().position(|m| m.owner == module) {
            let (s, e) = label(self.markers[i].raw);
            pr_err!(
                "module {} went without removing its marker {}:{}: removed\n",
                module_name(module),
                s,
                e
            );
            self.remove(i);
        }
    }
}
