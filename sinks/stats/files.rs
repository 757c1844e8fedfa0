// SPDX-License-Identifier: GPL-2.0

//! The statistics sink's debugfs files, under `/sys/kernel/debug/rtrace/sinks/stats/`:
//! `counts` (read), `hist` (read and write), `reset` (write), each a type whose callbacks
//! `debugfs::FileOps` turns into the file's operations.

use core::ffi::{c_char, c_void};
use core::fmt::Write;
use core::sync::atomic::Ordering;

use kernel::prelude::*;

use crate::histogram::{self, BUCKETS, COMMAND_MAX};
use crate::hists::{hist_command, CONTROL};
use crate::rtrace;
use crate::rtrace::abi::{self, MARKER_ABI};
use crate::rtrace::kernel::debugfs::{
    command_write, create_file, Dir, FileOps, SeqFile, ShowFile, WriteFile,
};
use crate::tables::{sum, tables};
use crate::SLOTS;

/// Longest write to `reset`, as for the ring tracer's control files.
const RESET_MAX: usize = 160;

/// Creates `counts`, `hist` and `reset` in `dir`; they go with it.
pub(crate) fn create(dir: &Dir) -> Result {
    let none = core::ptr::null_mut();
    // SAFETY: the files' callbacks do not use their data.
    unsafe {
        create_file(c"counts", 0o400, dir, none, &FileOps::<Counts>::READ_ONLY)?;
        create_file(c"hist", 0o600, dir, none, &FileOps::<Hists>::READ_WRITE)?;
        create_file(c"reset", 0o200, dir, none, &FileOps::<Reset>::WRITE_ONLY)?;
    }
    Ok(())
}

/// `counts`.
struct Counts;

/// `hist`.
struct Hists;

/// `reset`.
struct Reset;

impl WriteFile for Hists {
    fn write(_data: *mut c_void, buf: *const c_char, len: usize) -> isize {
        command_write::<COMMAND_MAX>("hist", buf, len, hist_command)
    }
}

/// A write to `reset`, past the checks every control file makes.
fn reset_command(text: &str) -> Result {
    if text.trim_matches(|c: char| c.is_ascii_whitespace()) != "1" {
        pr_err!("reset: write 1 to zero the counts and histograms\n");
        return Err(EINVAL);
    }
    // SAFETY: a callback of this module's debugfs file, which its removal waits for.
    if let Some(t) = unsafe { tables() } {
        t.reset();
    }
    for h in CONTROL.lock().hists.iter() {
        for c in h.buckets.iter() {
            c.store(0, Ordering::Relaxed);
        }
    }
    Ok(())
}

impl WriteFile for Reset {
    fn write(_data: *mut c_void, buf: *const c_char, len: usize) -> isize {
        command_write::<RESET_MAX>("reset", buf, len, reset_command)
    }
}

/// Writes the name of the marker with id `id`: `subsystem:event`, or `id:N` if none has it.
fn write_marker_name(out: &mut SeqFile, id: u32) {
    let mut name = [0u8; 2 * rtrace::marker::record::NAME_MAX + 1];
    let (at, len) = (name.as_mut_ptr().cast(), name.len());
    // SAFETY: `name` is valid for writes of its length for the call.
    let n = unsafe { abi::rtrace_marker_name(MARKER_ABI, id, at, len) };
    let text = usize::try_from(n)
        .ok()
        .filter(|&n| n > 0)
        .and_then(|n| name.get(..n))
        .and_then(|bytes| core::str::from_utf8(bytes).ok());
    let _ = match text {
        Some(text) => out.write_str(text),
        None => write!(out, "id:{id}"),
    };
}

impl ShowFile for Counts {
    fn show(out: &mut SeqFile, _data: *mut c_void) -> Result {
        // SAFETY: a callback of this module's debugfs file, which its removal waits for.
        let Some(t) = (unsafe { tables() }) else {
            return Ok(());
        };
        // Each counter is read once: the columns of a line add up to its total.
        let mut row = KVec::from_elem(0u64, t.ncpu, GFP_KERNEL)?;
        let _ = write!(out, "# marker total");
        for cpu in 0..t.ncpu {
            let _ = write!(out, " cpu{cpu}");
        }
        let _ = writeln!(out);
        // Ids in order, then `other`.
        for slot in Iterator::chain(1..SLOTS, core::iter::once(0)) {
            let mut total = 0u64;
            for (cpu, value) in row.iter_mut().enumerate() {
                *value = t
                    .counts
                    .get(cpu * SLOTS + slot)
                    .map_or(0, |c| c.load(Ordering::Relaxed));
                total = total.wrapping_add(*value);
            }
            if total == 0 {
                continue;
            }
            if slot == 0 {
                let _ = out.write_str("other");
            } else {
                write_marker_name(out, slot as u32);
            }
            let _ = write!(out, " {total}");
            for value in row.iter() {
                let _ = write!(out, " {value}");
            }
            let _ = writeln!(out);
        }
        Ok(())
    }
}

impl ShowFile for Hists {
    fn show(out: &mut SeqFile, _data: *mut c_void) -> Result {
        // SAFETY: a callback of this module's debugfs file, which its removal waits for.
        let Some(t) = (unsafe { tables() }) else {
            return Ok(());
        };
        let control = CONTROL.lock();
        for h in control.hists.iter() {
            let _ = writeln!(out, "# {}", h.name());
            let mut total = 0u64;
            for k in histogram::display_order() {
                let count = sum(&h.buckets, t.ncpu, BUCKETS, k);
                if count != 0 {
                    let _ = histogram::write_bucket(out, k, count);
                    total = total.wrapping_add(count);
                }
            }
            let _ = writeln!(out, "total {total}");
        }
        let _ = writeln!(out, "hist_missed {}", t.missed());
        Ok(())
    }
}
