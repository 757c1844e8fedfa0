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

use core::ffi::{c_int, c_void};

use kernel::bindings;
use kernel::prelude::*;

use crate::registry::{self, Entry};
use crate::rtrace::debugfs::{Dir, SeqFile};
use crate::rtrace::record::{write_format, Field, FieldType, FIELDS_MAX};

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
