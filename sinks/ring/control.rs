// SPDX-License-Identifier: GPL-2.0

//! The tracer's control files: `buffer_size_kb`, `overwrite` and `reset` (written and, but for
//! `reset`, shown), `stats`, `per_cpu/cpuN/stats` and `clock` (shown; writing is `EPERM`).
//! Their private data is the file's [`Kind`].

use core::ffi::{c_char, c_void};
use core::fmt::Write;

use kernel::prelude::*;

use crate::files::Kind;
use crate::ring_buffer::Counters;
use crate::rtrace::abi::{self, MARKER_ABI};
use crate::rtrace::kernel::debugfs::{self, SeqFile, ShowFile, WriteFile};
use crate::rtrace::marker::text;
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
            state.reset()
        }
        _ => Err(EPERM),
    }
}

/// The control files' operations (`debugfs::FileOps::<Control>::READ_WRITE`).
pub(crate) struct Control;

impl WriteFile for Control {
    fn write(data: *mut c_void, buf: *const c_char, len: usize) -> isize {
        match Kind::decode(data) {
            Some(kind @ (Kind::BufferSizeKb | Kind::Overwrite | Kind::Reset)) => {
                // The file's name, for the kernel log, is a static ASCII string.
                let name = kind.name().to_str().unwrap_or("ring");
                debugfs::command_write::<160>(name, buf, len, |text| control(kind, text))
            }
            // Read-only files (root may still open them for writing): every write is refused
            // the same way, an empty one too.
            _ => EPERM.to_errno() as isize,
        }
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

impl ShowFile for Control {
    fn show(out: &mut SeqFile, data: *mut c_void) -> Result {
        let state = tracer::state();
        let buffers = state.buffers();
        match (Kind::decode(data), buffers) {
            (Some(Kind::BufferSizeKb), Some(b)) => {
                let _ = writeln!(out, "{}", b.size_kb);
            }
            (Some(Kind::Overwrite), _) => {
                let _ = writeln!(out, "{}", state.overwrite as u8);
            }
            (Some(Kind::Stats), Some(b)) => write_counters(out, &b.counters()),
            (Some(Kind::Clock), _) => {
                let (mut trace, mut real) = (0u64, 0u64);
                // SAFETY: two `u64`s to write.
                unsafe { rtrace_ring_clock_pair(&mut trace, &mut real) };
                let _ = writeln!(out, "{trace} {real}");
            }
            (Some(Kind::CpuStats(cpu)), Some(b)) => {
                if let Some(c) = b.cpus.get(cpu) {
                    write_counters(out, &c.ring.counters());
                }
            }
            _ => {}
        }
        Ok(())
    }
}
