// SPDX-License-Identifier: GPL-2.0

//! The tracer's debugfs files, under `/sys/kernel/debug/rtrace/sinks/ring/` (see
//! Documentation/debugfs.rst): which files there are ([`Kind`], the one place their kind is
//! encoded into and decoded from the inode's private data) and their creation.
//!
//! What each file does is in its own file:
//!
//! - readers.rs: opening, reading, polling and releasing the readers (`trace`, `trace_pipe`,
//!   `per_cpu/cpuN/trace_pipe_raw`, `per_cpu/cpuN/snapshot_raw`), and their wait for data;
//! - text_reader.rs: the text of `trace` and `trace_pipe`;
//! - raw_reader.rs: the binary records of `trace_pipe_raw` (consuming) and `snapshot_raw` (not);
//! - control.rs: `buffer_size_kb`, `overwrite`, `reset`, `stats`, `clock`, `per_cpu/cpuN/stats`.

use core::ffi::{c_void, CStr};
use core::fmt::{self, Write};

use kernel::prelude::*;

use crate::control::Control;
use crate::readers::Readers;
use crate::rtrace::kernel::debugfs::{create_file, Dir, FileOps};

/// A file of the tracer, as its inode's private data says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `trace`: text, not consuming.
    Trace,
    /// `trace_pipe`: text, consuming.
    TracePipe,
    /// `per_cpu/cpuN/trace_pipe_raw`: CPU N's records, binary, consuming.
    TracePipeRaw(usize),
    /// `per_cpu/cpuN/snapshot_raw`: CPU N's records, binary, not consuming.
    SnapshotRaw(usize),
    /// `buffer_size_kb`.
    BufferSizeKb,
    /// `overwrite`.
    Overwrite,
    /// `reset`.
    Reset,
    /// `stats`: every CPU's counters summed.
    Stats,
    /// `clock`: the trace clock and the real time, read together.
    Clock,
    /// `per_cpu/cpuN/stats`.
    CpuStats(usize),
}

/// Bits of the encoded kind that say which file it is; the CPU is above them.
const TAG_BITS: u32 = 4;

impl Kind {
    /// The kind as the inode's private data: a number, never dereferenced.
    pub(crate) fn encode(self) -> *mut c_void {
        let (tag, cpu) = match self {
            Self::Trace => (1, 0),
            Self::TracePipe => (2, 0),
            Self::TracePipeRaw(cpu) => (3, cpu),
            Self::SnapshotRaw(cpu) => (4, cpu),
            Self::BufferSizeKb => (5, 0),
            Self::Overwrite => (6, 0),
            Self::Reset => (7, 0),
            Self::Stats => (8, 0),
            Self::Clock => (9, 0),
            Self::CpuStats(cpu) => (10, cpu),
        };
        ((cpu << TAG_BITS) | tag) as *mut c_void
    }

    /// The kind [`Self::encode`] gave `data`; `None` for any other value.
    pub(crate) fn decode(data: *mut c_void) -> Option<Self> {
        let value = data as usize;
        let cpu = value >> TAG_BITS;
        let kind = match value & ((1 << TAG_BITS) - 1) {
            1 => Self::Trace,
            2 => Self::TracePipe,
            3 => return Some(Self::TracePipeRaw(cpu)),
            4 => return Some(Self::SnapshotRaw(cpu)),
            5 => Self::BufferSizeKb,
            6 => Self::Overwrite,
            7 => Self::Reset,
            8 => Self::Stats,
            9 => Self::Clock,
            10 => return Some(Self::CpuStats(cpu)),
            _ => return None,
        };
        (cpu == 0).then_some(kind)
    }

    /// The file's name in its directory.
    pub(crate) fn name(self) -> &'static CStr {
        match self {
            Self::Trace => c"trace",
            Self::TracePipe => c"trace_pipe",
            Self::TracePipeRaw(_) => c"trace_pipe_raw",
            Self::SnapshotRaw(_) => c"snapshot_raw",
            Self::BufferSizeKb => c"buffer_size_kb",
            Self::Overwrite => c"overwrite",
            Self::Reset => c"reset",
            Self::Stats | Self::CpuStats(_) => c"stats",
            Self::Clock => c"clock",
        }
    }

    /// Its mode: root only, read, write or both as the file does.
    fn mode(self) -> u16 {
        match self {
            Self::BufferSizeKb | Self::Overwrite => 0o600,
            Self::Reset => 0o200,
            _ => 0o400,
        }
    }

    /// Whether it is a reader (readers.rs) rather than a control file (control.rs).
    fn is_reader(self) -> bool {
        matches!(
            self,
            Self::Trace | Self::TracePipe | Self::TracePipeRaw(_) | Self::SnapshotRaw(_)
        )
    }

    /// Whether reading it consumes the records (and waits for them).
    pub(crate) fn consumes(self) -> bool {
        matches!(self, Self::TracePipe | Self::TracePipeRaw(_))
    }
}

/// Creates the file of `kind` in `dir`.
fn create(dir: &Dir, kind: Kind) -> Result {
    let (name, mode, data) = (kind.name(), kind.mode(), kind.encode());
    // SAFETY: the readers' and the control files' callbacks take any data: they decode it as a
    // kind, refusing what `Kind::encode` does not give.
    unsafe {
        if kind.is_reader() {
            create_file(name, mode, dir, data, &FileOps::<Readers>::STREAM)?;
        } else {
            create_file(name, mode, dir, data, &FileOps::<Control>::READ_WRITE)?;
        }
    }
    Ok(())
}

/// The tracer's directory: its files, and `per_cpu/` (kept so that they go with it).
pub(crate) struct Files {
    _cpus: KVec<Dir>,
    _per_cpu: Dir,
    _dir: Dir,
}

impl Files {
    /// Creates every file in `dir` for `ncpu` CPUs.
    pub(crate) fn new(dir: Dir, ncpu: usize) -> Result<Self> {
        for kind in [
            Kind::Trace,
            Kind::TracePipe,
            Kind::BufferSizeKb,
            Kind::Overwrite,
            Kind::Reset,
            Kind::Stats,
            Kind::Clock,
        ] {
            create(&dir, kind)?;
        }
        let per_cpu = Dir::new(c"per_cpu", Some(&dir))?;
        let mut cpus = KVec::with_capacity(ncpu, GFP_KERNEL)?;
        for cpu in 0..ncpu {
            let mut name = [0u8; 16];
            let mut w = Buf::new(&mut name);
            let _ = write!(w, "cpu{cpu}");
            let len = w.len;
            let d = Dir::with_name(
                core::str::from_utf8(&name[..len]).map_err(|_| EINVAL)?,
                &per_cpu,
            )?;
            for kind in [
                Kind::TracePipeRaw(cpu),
                Kind::SnapshotRaw(cpu),
                Kind::CpuStats(cpu),
            ] {
                create(&d, kind)?;
            }
            cpus.push(d, GFP_KERNEL)?;
        }
        Ok(Self {
            _cpus: cpus,
            _per_cpu: per_cpu,
            _dir: dir,
        })
    }
}

/// A `fmt::Write` into a byte buffer; what does not fit is cut.
pub(crate) struct Buf<'a> {
    pub(crate) out: &'a mut [u8],
    pub(crate) len: usize,
}

impl<'a> Buf<'a> {
    pub(crate) fn new(out: &'a mut [u8]) -> Self {
        Self { out, len: 0 }
    }
}

impl Write for Buf<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let room = self.out.len() - self.len;
        let n = s.len().min(room);
        self.out[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        if n < s.len() {
            return Err(fmt::Error);
        }
        Ok(())
    }
}
