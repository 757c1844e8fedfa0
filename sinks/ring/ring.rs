// SPDX-License-Identifier: GPL-2.0

//! rtrace_ring: the ring-buffer tracer, a sink named `ring`.
//!
//! Per-CPU lockless buffers (sinks/ring/ring_buffer.rs) that keep every record connected markers
//! emit, with exact loss accounting, read as text (`trace`, `trace_pipe`) or binary
//! (`per_cpu/cpuN/trace_pipe_raw`, and `per_cpu/cpuN/snapshot_raw` without consuming) under
//! `/sys/kernel/debug/rtrace/sinks/ring/`. See Documentation/sinks.rst.
//!
//! - tracer.rs: the buffers and the sink's reserve and commit;
//! - files.rs: the debugfs files, what kinds there are, their creation;
//! - readers.rs, text_reader.rs, raw_reader.rs: the readers' file operations, text and binary;
//! - control.rs: the control files.

use kernel::prelude::*;

#[path = "../../rust/rtrace.rs"]
mod rtrace;

mod control;
mod files;
mod raw_reader;
mod readers;
#[allow(
    unreachable_pub,
    reason = "pub for the host crate (rust/lib.rs): the benchmark on the host writes this buffer"
)]
mod ring_buffer;
#[allow(
    unreachable_pub,
    reason = "pub for the host crate (rust/lib.rs): the rtrace tool decodes this record stream"
)]
mod ring_record;
mod text_reader;
mod tracer;

use rtrace::abi::{rtrace_sinks_debugfs_dir, RawSink, MARKER_ABI};
use rtrace::kernel::debugfs::Dir;
use rtrace::sink::{self, Registration};

module! {
    type: Ring,
    name: "rtrace_ring",
    author: "rtrace developers",
    description: "rtrace ring-buffer tracer sink",
    license: "GPL",
}

pub(crate) static RAW_SINK: RawSink = sink::raw_sink(c"ring", &tracer::TRACER);

extern "C" {
    fn rtrace_ring_sync();
}

struct Ring {
    _files: Option<files::Files>,
    _sink: Option<Registration>,
}

impl kernel::Module for Ring {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let buffers = tracer::Buffers::new(tracer::SIZE_KB_DEFAULT, false)?;
        let ncpu = buffers.cpus.len();
        tracer::state().replace(Some(buffers));
        let mut ring = Self {
            _files: None,
            _sink: None,
        };
        // SAFETY: no precondition; the marker core, on which this module depends, owns the
        // directory and outlives this module.
        let sinks = unsafe { rtrace_sinks_debugfs_dir(MARKER_ABI) };
        if !sinks.is_null() {
            // SAFETY: `sinks` is live for as long as this module (see above).
            let sinks = unsafe { Dir::borrowed(sinks) };
            ring._files = Some(files::Files::new(Dir::new(c"ring", Some(&sinks))?, ncpu)?);
        }
        ring._sink = Some(Registration::new(&RAW_SINK, &crate::THIS_MODULE)?);
        pr_info!(
            "sink ring registered: {} CPUs x {} KiB\n",
            ncpu,
            tracer::SIZE_KB_DEFAULT
        );
        Ok(ring)
    }
}

impl Drop for Ring {
    fn drop(&mut self) {
        // Unregistering waits until no callback of the sink runs; then no reader is left (an
        // open file holds the module) and the files go.
        self._sink = None;
        self._files = None;
        tracer::state().replace(None);
        // SAFETY: no precondition; no commit queues the irq_work any more.
        unsafe { rtrace_ring_sync() };
    }
}
