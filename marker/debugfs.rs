// SPDX-License-Identifier: GPL-2.0

//! `/sys/kernel/debug/rtrace/markers/<subsystem>/<event>/format`: a marker's self-description,
//! modelled on ftrace's `format` files, in the layout of rust/marker/record.rs (`write_format`; the
//! field lines start with a tab and separate their items with tabs):
//!
//! ```text
//! name: sched_switch
//! ID: 1
//! format:
//!     field:char prev_comm[16];   offset:0;   size:16;    signed:0;
//!     field:s32 prev_pid; offset:16;  size:4; signed:1;
//! ```

use core::ffi::{c_char, c_void};
use core::fmt::Write;

use kernel::prelude::*;

use crate::filter::TEXT_MAX;
use crate::registry::{self, Entry};
use crate::rtrace::kernel::debugfs::{
    command_write, create_file, Dir, FileOps, SeqFile, ShowFile, WriteFile,
};
use crate::rtrace::marker::record::{write_format, Field, FieldType, FIELDS_MAX, NAME_MAX};
use crate::rtrace::marker::text::Escaped;
use crate::set_event::{self, Word};

/// Creates `format` in `dir` for `entry`, which must outlive the file (the file goes with `dir`,
/// which the entry owns).
pub(crate) fn create_format(dir: &Dir, entry: *mut Entry) -> Result {
    // SAFETY: `Format`'s data is a live `Entry`: `entry` outlives the file (see above).
    unsafe {
        create_file(
            c"format",
            0o400,
            dir,
            entry.cast(),
            &FileOps::<Format>::READ_ONLY,
        )
    }
    .map(|_| ())
}

/// `markers/<subsystem>/<event>/format`; its data is the marker's `Entry`, alive as long as the
/// file.
struct Format;

impl ShowFile for Format {
    fn show(out: &mut SeqFile, data: *mut c_void) -> Result {
        // No registry lock here: markers are removed with the lock held, and removing the file
        // waits for this callback, which would then wait for the lock. The entry and the
        // marker's module stay alive until the file is removed, which is what makes the reads
        // below safe.
        // SAFETY: `data` is the `Entry` the file was created for, alive as long as the file
        // (removing the file waits for this callback).
        let entry = unsafe { &*data.cast::<Entry>() };
        let mut fields = [Field {
            name: "",
            ty: FieldType::U8,
        }; FIELDS_MAX];
        // Checked at registration: cannot fail.
        let (subsystem, event, n) = registry::read(entry.raw, &mut fields).map_err(|_| EINVAL)?;
        let _ = write_format(out, subsystem, event, entry.id, &fields[..n]);
        Ok(())
    }
}

/// Creates `id`, `enable` and `filter` in `dir` for `entry`, which must outlive the files (they
/// go with `dir`, which the entry owns).
pub(crate) fn create_marker_files(dir: &Dir, entry: *mut Entry) -> Result {
    let data = entry.cast();
    // SAFETY: the files' data is a live `Entry` (see above).
    unsafe {
        create_file(c"id", 0o400, dir, data, &FileOps::<Id>::READ_ONLY)?;
        create_file(c"enable", 0o600, dir, data, &FileOps::<Enable>::READ_WRITE)?;
        create_file(c"filter", 0o600, dir, data, &FileOps::<Filter>::READ_WRITE)?;
    }
    Ok(())
}

/// Creates `available_markers`, `available_sinks` and `set_event` in `root` (a directory this
/// module does not own): they are removed when the result is dropped.
pub(crate) fn create_root_files(root: &Dir) -> Result<[Dir; 3]> {
    fn owned(d: Result<*mut kernel::bindings::dentry>) -> Result<Dir> {
        // SAFETY: just created, and owned by nobody else.
        Ok(unsafe { Dir::owned(d?) })
    }
    let none = core::ptr::null_mut();
    // SAFETY: these files' callbacks do not use their data.
    unsafe {
        Ok([
            owned(create_file(
                c"available_markers",
                0o400,
                root,
                none,
                &FileOps::<AvailableMarkers>::READ_ONLY,
            ))?,
            owned(create_file(
                c"available_sinks",
                0o400,
                root,
                none,
                &FileOps::<AvailableSinks>::READ_ONLY,
            ))?,
            owned(create_file(
                c"set_event",
                0o600,
                root,
                none,
                &FileOps::<SetEvent>::READ_WRITE,
            ))?,
        ])
    }
}

/// `set_event`.
struct SetEvent;
/// `available_markers`.
struct AvailableMarkers;
/// `available_sinks`.
struct AvailableSinks;
/// A marker's `id`; its data is the marker's `Entry`, alive as long as the file.
struct Id;
/// A marker's `enable`; its data is the marker's `Entry` (checked against the registry: the
/// marker may be going).
struct Enable;
/// A marker's `filter`; its data is as `enable`'s.
struct Filter;

/// What the files of a marker that is gone answer: `EIO`, as debugfs answers for every
/// operation on a file removed while open (`debugfs_file_get()`); the registry says so first,
/// while the marker's files are being removed.
const GONE: kernel::error::Error = EIO;

/// Longest write to `set_event` or `enable`.
const WORDS_MAX: usize = 4096;

/// Parses every word of `text` with `parse`, then applies them all or none.
fn apply_words<'a>(
    file: &str,
    text: &'a str,
    parse: impl Fn(&'a [u8]) -> core::result::Result<Word<'a>, &'static str>,
) -> Result {
    let mut words = KVec::new();
    // The grammar is ASCII, as ftrace's: words are separated by ASCII whitespace only, and any
    // other character (U+3000 included) is refused by `parse`.
    for w in text.split_ascii_whitespace() {
        match parse(w.as_bytes()) {
            Ok(word) => words.push(word, GFP_KERNEL)?,
            Err(why) => {
                pr_err!("{}: '{}': {}\n", file, Escaped(w.as_bytes()), why);
                return Err(EINVAL);
            }
        }
    }
    let result = registry::lock().apply(file, &words);
    // The sinks disconnected (or connected, then disconnected again by a failed write's undo)
    // receive none of the markers' records once this returns.
    if !matches!(result, Ok(false)) {
        crate::rtrace::kernel::rcu::synchronize();
    }
    result.map(|_| ())
}

impl ShowFile for SetEvent {
    fn show(out: &mut SeqFile, _data: *mut c_void) -> Result {
        registry::lock().write_connections(out);
        Ok(())
    }
}

impl WriteFile for SetEvent {
    fn write(_data: *mut c_void, buf: *const c_char, len: usize) -> isize {
        command_write::<WORDS_MAX>("set_event", buf, len, |text| {
            apply_words("set_event", text, set_event::parse)
        })
    }
}

impl ShowFile for AvailableMarkers {
    fn show(out: &mut SeqFile, _data: *mut c_void) -> Result {
        registry::lock().write_markers(out);
        Ok(())
    }
}

impl ShowFile for AvailableSinks {
    fn show(out: &mut SeqFile, _data: *mut c_void) -> Result {
        registry::lock().write_sinks(out);
        Ok(())
    }
}

impl ShowFile for Id {
    fn show(out: &mut SeqFile, data: *mut c_void) -> Result {
        // SAFETY: `data` is the `Entry` the file was created for, alive as long as the file
        // (removing the file waits for this callback); the id never changes.
        let id = unsafe { (*data.cast::<Entry>()).id };
        let _ = writeln!(out, "{id}");
        Ok(())
    }
}

impl ShowFile for Enable {
    fn show(out: &mut SeqFile, data: *mut c_void) -> Result {
        let entry = data.cast::<Entry>().cast_const();
        let registry = registry::lock();
        if !registry.holds(entry) {
            return Err(GONE);
        }
        // SAFETY: a registered entry is alive while the registry's mutex is held.
        registry.write_enable(unsafe { &*entry }, out);
        Ok(())
    }
}

impl WriteFile for Enable {
    fn write(data: *mut c_void, buf: *const c_char, len: usize) -> isize {
        let entry = data.cast::<Entry>().cast_const();
        command_write::<WORDS_MAX>("enable", buf, len, |text| {
            // The marker's names, copied under the mutex (the entry may go once it is released).
            let (mut subsystem, mut event) = ([0u8; NAME_MAX], [0u8; NAME_MAX]);
            let (sl, el) = {
                let registry = registry::lock();
                if !registry.holds(entry) {
                    return Err(GONE);
                }
                // SAFETY: a registered entry is alive while the registry's mutex is held.
                let (s, e) = registry::label(unsafe { (*entry).raw });
                subsystem[..s.len()].copy_from_slice(s.as_bytes());
                event[..e.len()].copy_from_slice(e.as_bytes());
                (s.len(), e.len())
            };
            let (subsystem, event) = (&subsystem[..sl], &event[..el]);
            apply_words("enable", text, |w| {
                set_event::parse_sink(w, subsystem, event)
            })
        })
    }
}

impl ShowFile for Filter {
    fn show(out: &mut SeqFile, data: *mut c_void) -> Result {
        let entry = data.cast::<Entry>().cast_const();
        let registry = registry::lock();
        if !registry.holds(entry) {
            return Err(GONE);
        }
        // SAFETY: a registered entry is alive while the registry's mutex is held.
        let text = unsafe { &(*entry).filter_text };
        if text.is_empty() {
            let _ = writeln!(out, "none");
        } else {
            let _ = writeln!(out, "{}", registry::text(text));
        }
        Ok(())
    }
}

impl WriteFile for Filter {
    fn write(data: *mut c_void, buf: *const c_char, len: usize) -> isize {
        let entry = data.cast::<Entry>().cast_const();
        command_write::<{ TEXT_MAX + 1 }>("filter", buf, len, |text| {
            let old = registry::lock().set_filter(entry, text)?;
            // Sites in flight may still evaluate the old filter: freed after a grace period, with
            // the registry's mutex released.
            drop(old);
            Ok(())
        })
    }
}
