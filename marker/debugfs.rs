// SPDX-License-Identifier: GPL-2.0

//! `/sys/kernel/debug/rtrace/markers/<subsystem>/<event>/format`: a marker's self-description,
//! modelled on ftrace's `format` files, in the layout of rust/record.rs (`write_format`; the
//! field lines start with a tab and separate their items with tabs):
//!
//! ```text
//! name: sched_switch
//! ID: 1
//! format:
//!     field:char prev_comm[16];   offset:0;   size:16;    signed:0;
//!     field:s32 prev_pid; offset:16;  size:4; signed:1;
//! ```

use core::ffi::{c_char, c_int, c_void, CStr};
use core::fmt::Write;

use kernel::bindings;
use kernel::prelude::*;

use crate::registry::{self, Entry};
use crate::rtrace::debugfs::{command_write, Dir, SeqFile};
use crate::rtrace::filter::TEXT_MAX;
use crate::rtrace::record::{write_format, Field, FieldType, FIELDS_MAX, NAME_MAX};
use crate::rtrace::set_event::{self, Word};
use crate::rtrace::text::Escaped;

// The dentry pointers are opaque here, never dereferenced.
#[allow(improper_ctypes)]
extern "C" {
    fn rtrace_marker_create_format(
        dir: *mut bindings::dentry,
        entry: *mut c_void,
    ) -> *mut bindings::dentry;
}

/// Creates `format` in `dir` for `entry`, which must outlive the file (the file goes with `dir`,
/// which the entry owns).
pub(crate) fn create_format(dir: &Dir, entry: *mut Entry) -> Result {
    // SAFETY: `dir` is a live debugfs directory; `entry` outlives the file (see above).
    let file = unsafe { rtrace_marker_create_format(dir.as_ptr(), entry.cast()) };
    kernel::error::from_err_ptr(file).map(|_| ())
}

#[no_mangle]
extern "C" fn rtrace_marker_format_show(m: *mut bindings::seq_file, _v: *mut c_void) -> c_int {
    // No registry lock here: markers are removed with the lock held, and removing the file waits
    // for this callback, which would then wait for the lock. The entry and the marker's module
    // stay alive until the file is removed, which is what makes the reads below safe.
    // SAFETY: `m` is the seq_file of this show callback; `private` is the `Entry` the file was
    // created for, alive as long as the file (removing the file waits for this callback).
    let (mut out, entry) = unsafe { (SeqFile::from_raw(m), &*(*m).private.cast::<Entry>()) };
    let mut fields = [Field {
        name: "",
        ty: FieldType::U8,
    }; FIELDS_MAX];
    match registry::read(entry.raw, &mut fields) {
        Ok((subsystem, event, n)) => {
            let _ = write_format(&mut out, subsystem, event, entry.id, &fields[..n]);
            0
        }
        // Checked at registration: cannot happen.
        Err(_) => EINVAL.to_errno(),
    }
}

// The dentry pointers are opaque here, never dereferenced.
#[allow(improper_ctypes)]
extern "C" {
    fn rtrace_marker_create_file(
        name: *const c_char,
        mode: u16,
        dir: *mut bindings::dentry,
        entry: *mut c_void,
    ) -> *mut bindings::dentry;
}

/// Creates control file `name` in `dir`, for `entry` (null for the files at the root).
fn create(dir: &Dir, name: &CStr, mode: u16, entry: *mut Entry) -> Result {
    let (name, dir, entry) = (name.as_ptr(), dir.as_ptr(), entry.cast());
    // SAFETY: `dir` is a live debugfs directory, `name` NUL-terminated; `entry` outlives the
    // file (the file goes with `dir`, which the entry owns) or is null.
    let file = unsafe { rtrace_marker_create_file(name, mode, dir, entry) };
    kernel::error::from_err_ptr(file).map(|_| ())
}

/// Creates `id`, `enable` and `filter` in `dir` for `entry`.
pub(crate) fn create_marker_files(dir: &Dir, entry: *mut Entry) -> Result {
    create(dir, c"id", 0o400, entry)?;
    create(dir, c"enable", 0o600, entry)?;
    create(dir, c"filter", 0o600, entry)
}

/// Creates `available_markers`, `available_sinks` and `set_event` in `root` (a directory this
/// module does not own): they are removed when the result is dropped.
pub(crate) fn create_root_files(root: &Dir) -> Result<[Dir; 3]> {
    let file = |name: &CStr, mode| -> Result<Dir> {
        // SAFETY: as in `create`, with no entry.
        let d = unsafe {
            rtrace_marker_create_file(name.as_ptr(), mode, root.as_ptr(), core::ptr::null_mut())
        };
        let d = kernel::error::from_err_ptr(d)?;
        // SAFETY: just created, and owned by nobody else.
        Ok(unsafe { Dir::owned(d) })
    };
    Ok([
        file(c"available_markers", 0o400)?,
        file(c"available_sinks", 0o400)?,
        file(c"set_event", 0o600)?,
    ])
}

/// The `seq_file` and the entry (or null) of a `show` callback.
///
/// # Safety
///
/// `m` is the seq_file of a `show` callback of a file created by [`create`].
unsafe fn shown(m: *mut bindings::seq_file) -> (SeqFile, *const Entry) {
    // SAFETY: by the function's contract; `private` is the inode's, given at creation.
    unsafe {
        (
            SeqFile::from_raw(m),
            (*m).private.cast::<Entry>().cast_const(),
        )
    }
}

/// The entry (or null) of a file's `write`.
///
/// # Safety
///
/// `file` is open on a file created by [`create`] (a seq_file by `single_open`).
unsafe fn written(file: *mut bindings::file) -> *const Entry {
    // SAFETY: by the function's contract.
    unsafe {
        (*(*file).private_data.cast::<bindings::seq_file>())
            .private
            .cast::<Entry>()
    }
}

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
        crate::rtrace::rcu::synchronize();
    }
    result.map(|_| ())
}

#[no_mangle]
extern "C" fn rtrace_marker_set_event_show(m: *mut bindings::seq_file, _v: *mut c_void) -> c_int {
    // SAFETY: this is a show callback of a file created by `create`.
    let (mut out, _) = unsafe { shown(m) };
    registry::lock().write_connections(&mut out);
    0
}

#[no_mangle]
extern "C" fn rtrace_marker_set_event_write(
    _file: *mut bindings::file,
    buf: *const c_char,
    len: usize,
    _ppos: *mut bindings::loff_t,
) -> isize {
    command_write::<WORDS_MAX>("set_event", buf, len, |text| {
        apply_words("set_event", text, set_event::parse)
    })
}

#[no_mangle]
extern "C" fn rtrace_marker_available_markers_show(
    m: *mut bindings::seq_file,
    _v: *mut c_void,
) -> c_int {
    // SAFETY: this is a show callback of a file created by `create`.
    let (mut out, _) = unsafe { shown(m) };
    registry::lock().write_markers(&mut out);
    0
}

#[no_mangle]
extern "C" fn rtrace_marker_available_sinks_show(
    m: *mut bindings::seq_file,
    _v: *mut c_void,
) -> c_int {
    // SAFETY: this is a show callback of a file created by `create`.
    let (mut out, _) = unsafe { shown(m) };
    registry::lock().write_sinks(&mut out);
    0
}

#[no_mangle]
extern "C" fn rtrace_marker_id_show(m: *mut bindings::seq_file, _v: *mut c_void) -> c_int {
    // SAFETY: this is a show callback of a file created by `create`, for an entry, which lives
    // as long as the file (removing the file waits for this callback).
    let (mut out, entry) = unsafe { shown(m) };
    // SAFETY: as above; the id never changes.
    let id = unsafe { (*entry).id };
    let _ = writeln!(out, "{id}");
    0
}

#[no_mangle]
extern "C" fn rtrace_marker_enable_show(m: *mut bindings::seq_file, _v: *mut c_void) -> c_int {
    // SAFETY: this is a show callback of a file created by `create`.
    let (mut out, entry) = unsafe { shown(m) };
    let registry = registry::lock();
    if !registry.holds(entry) {
        return GONE.to_errno();
    }
    // SAFETY: a registered entry is alive while the registry's mutex is held.
    registry.write_enable(unsafe { &*entry }, &mut out);
    0
}

#[no_mangle]
extern "C" fn rtrace_marker_enable_write(
    file: *mut bindings::file,
    buf: *const c_char,
    len: usize,
    _ppos: *mut bindings::loff_t,
) -> isize {
    // SAFETY: `file` is open on a file created by `create`.
    let entry = unsafe { written(file) };
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

#[no_mangle]
extern "C" fn rtrace_marker_filter_show(m: *mut bindings::seq_file, _v: *mut c_void) -> c_int {
    // SAFETY: this is a show callback of a file created by `create`.
    let (mut out, entry) = unsafe { shown(m) };
    let registry = registry::lock();
    if !registry.holds(entry) {
        return GONE.to_errno();
    }
    // SAFETY: a registered entry is alive while the registry's mutex is held.
    let text = unsafe { &(*entry).filter_text };
    if text.is_empty() {
        let _ = writeln!(out, "none");
    } else {
        let _ = writeln!(out, "{}", registry::text(text));
    }
    0
}

#[no_mangle]
extern "C" fn rtrace_marker_filter_write(
    file: *mut bindings::file,
    buf: *const c_char,
    len: usize,
    _ppos: *mut bindings::loff_t,
) -> isize {
    // SAFETY: `file` is open on a file created by `create`.
    let entry = unsafe { written(file) };
    command_write::<{ TEXT_MAX + 1 }>("filter", buf, len, |text| {
        let old = registry::lock().set_filter(entry, text)?;
        // Sites in flight may still evaluate the old filter: freed after a grace period, with
        // the registry's mutex released.
        drop(old);
        Ok(())
    })
}
