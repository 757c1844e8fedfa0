// SPDX-License-Identifier: GPL-2.0

//! The tracer's control files: `buffer_size_kb`, `overwrite` and `reset` (written and, but for
//! `reset`, shown), `stats`, `per_cpu/cpuN/stats` and `clock` (shown; writing is `EPERM`). They
//! are `seq_file`s whose private data is the file's [`Kind`].

use core::ffi::{c_char, c_int, c_void};
use core::fmt::Write;

use kernel::bindings;
use kernel::prelude::*;

use crate::files::Kind;
use crate::rtrace::abi::{self, MARKER_ABI};
use crate::rtrace::debugfs::{self, SeqFile};
use crate::rtrace::ring_buffer::Counters;
use crate::rtrace::text;
use crate::tracer::{self, Buffers, SIZE_KB_MAX, SIZE_KB_MIN};

extern "C" {
    fn rtrace_ring_clock_pair(trace: *mut u64, real: *mut u64);
}

/// Parses a decimal number.
fn number(text: &str) -> Result<usize> {
    text.trim().parse::<usize>().map_err(|_| EINVAL)
}

/// A write of `text` to the control file of `kind`.
fn control(kind: Kind, text: &str) -> Result {
    let mut state = tracer::state();
    match kind {
        Kind::BufferSizeKb => {
            let Ok(kb) = number(text) else {
                let shown = text::Escaped(text.trim().as_bytes());
                pr_err!("buffer_size_kb: '{}' is not a number of KiB\n", shown);
                return Err(EINVAL);
            };
            if !(SIZE_KB_MIN..=SIZE_KB_MAX).contains(&kb) || !kb.is_power_of_two() {
                pr_err!(
                    "buffer_size_kb: {} KiB: the size per CPU is a power of two from {} to {}\n",
                    kb,
                    SIZE_KB_MIN,
                    SIZE_KB_MAX
                );
                return Err(EINVAL);
            }
            // SAFETY: the sink's name is a NUL-terminated static string.
            let connected = unsafe {
                abi::rtrace_sink_connections(MARKER_ABI, crate::RAW_SINK.name().as_ptr())
            };
            if connected != 0 {
                pr_err!(
                    "buffer_size_kb: the tracer is connected to {} marker(s): disconnect it first\n",
                    connected
                );
                return Err(EBUSY);
            }
            let new = Buffers::new(kb, state.overwrite)?;
            state.replace(Some(new));
            Ok(())
        }
        Kind::Overwrite => {
            let on = match text.trim() {
                "0" => false,
                "1" => true,
                other => {
                    let shown = text::Escaped(other.as_bytes());
                    pr_err!("overwrite: '{}' is neither 0 nor 1\n", shown);
                    return Err(EINVAL);
                }
            };
            state.overwrite = on;
            if let Some(b) = state.buffers() {
                for c in b.cpus.iter() {
                    c.ring.set_overwrite(on);
                }
            }
            Ok(())
        }
        Kind::Reset => {
            if text.trim() != "1" {
                pr_err!("reset: write 1 to empty the buffers\n");
                return Err(EINVAL);
            }
            let kb = state
                .buffers()
                .map_or(tracer::SIZE_KB_DEFAULT, |b| b.size_kb);
            let new = Buffers::new(kb, state.overwrite)?;
            state.replace(Some(new));
            Ok(())
        }
        _ => Err(EPERM),
    }
}

#[no_mangle]
extern "C" fn rtrace_ring_control_write(
    file: *mut bindings::file,
    buf: *const c_char,
    len: usize,
    _ppos: *mut bindings::loff_t,
) -> isize {
    // SAFETY: a control file is a seq_file (single_open), whose private data is the kind.
    let kind = unsafe { (*(*file).private_data.cast::<bindings::seq_file>()).private } as usize;
    match Kind::decode(kind) {
        Some(kind @ (Kind::BufferSizeKb | Kind::Overwrite | Kind::Reset)) => {
            // The file's name, for the kernel log, is a static ASCII string.
            let name = kind.name().to_str().unwrap_or("ring");
            debugfs::command_write::<160>(name, buf, len, |text| control(kind, text))
        }
        // Read-only files (root may still open them for writing): every write is refused the
        // same way, an empty one too.
        _ => EPERM.to_errno() as isize,
    }
}

fn write_counters(out: &mut SeqFile, c: &Counters) {
    let _ = writeln!(out, "entries: {}", c.entries);
    let _ = writeln!(out, "read: {}", c.read);
    let _ = writeln!(out, "lost: {}", c.lost());
    let _ = writeln!(out, "dropped: {}", c.dropped);
    let _ = writeln!(out, "overrun: {}", c.overrun);
    let _ = writeln!(out, "in_buffer: {}", c.in_buffer());
}

#[no_mangle]
extern "C" fn rtrace_ring_control_show(m: *mut bindings::seq_file, _v: *mut c_void) -> c_int {
    // SAFETY: `m` is the seq_file of this show callback; its private data is the file's kind.
    let (mut out, kind) = unsafe { (SeqFile::from_raw(m), (*m).private as usize) };
    let state = tracer::state();
    let buffers = state.buffers();
    match (Kind::decode(kind), buffers) {
        (Some(Kind::BufferSizeKb), Some(b)) => {
            let _ = writeln!(out, "{}", b.size_kb);
        }
        (Some(Kind::Overwrite), _) => {
            let _ = writeln!(out, "{}", state.overwrite as u8);
        }
        (Some(Kind::Stats), Some(b)) => write_counters(&mut out, &b.counters()),
        (Some(Kind::Clock), _) => {
            let (mut trace, mut real) = (0u64, 0u64);
            // SAFETY: two `u64`s to write.
            unsafe { rtrace_ring_clock_pair(&mut trace, &mut real) };
            let _ = writeln!(out, "{trace} {real}");
        }
        (Some(Kind::CpuStats(cpu)), Some(b)) => {
            if let Some(c) = b.cpus.get(cpu) {
                write_counters(&mut out, &c.ring.counters());
            }
        }
        _ => {}
    }
    0
}
