// SPDX-License-Identifier: GPL-2.0

//! rtrace_stats: the statistics sink, named `stats`.
//!
//! Counts the records of every marker connected to it, per CPU, and keeps log2 histograms of
//! integer fields on demand. Its files are in `/sys/kernel/debug/rtrace/sinks/stats/` (see
//! Documentation/sinks.rst):
//!
//! - `counts` (r): `# marker total cpu0 cpu1 ...`, then `subsystem:event TOTAL N0 N1 ...` for
//!   each marker with records, and `other TOTAL ...` for the ids beyond [`IDS`];
//! - `hist` (rw): write `subsystem:event field` to set up a histogram of an integer field (at
//!   most 8), `!subsystem:event field` to remove it; read: `# subsystem:event field`, then
//!   `[LO, HI) COUNT` per non-empty bucket (`< 0 COUNT` for negative values), `total N`; last,
//!   `hist_missed N`;
//! - `reset` (w): `1` zeroes the counts and the histograms.
//!
//! The sink's callbacks run in any context, preemption disabled, and nest on a CPU (last
//! reserved, first committed): they take no lock and allocate nothing. Each CPU has a table of
//! counters indexed by marker id, allocated at load. `reserve` counts every record it is
//! offered and writes none, unless a histogram needs the record's field values: then it hands
//! out one of the CPU's scratch areas, one per nesting level, and `commit` reads the fields
//! there. Histograms are set up and removed from process context under the module's mutex and
//! reach the callbacks through an RCU-published snapshot.
//!
//! - tables.rs: the per-CPU counters and scratch areas;
//! - sink.rs: the sink's callbacks;
//! - hists.rs: the histograms and their snapshot;
//! - files.rs: the debugfs files.

use kernel::prelude::*;

#[path = "../../rust/rtrace.rs"]
mod rtrace;

mod files;
mod histogram;
mod hists;
mod sink;
mod tables;

use rtrace::abi::{self, MARKER_ABI};
use rtrace::kernel::debugfs::Dir;
use rtrace::sink::Registration;

module! {
    type: StatsModule,
    name: "rtrace_stats",
    author: "rtrace developers",
    description: "rtrace statistics sink: per-marker counts and log2 histograms",
    license: "GPL",
}

/// Marker ids counted one by one: 1 to `IDS`. Records of markers with larger ids (a core that
/// has registered more markers since it loaded) are counted together on the `other` line.
const IDS: usize = 4096;

/// Counters of one CPU: `other` at index 0, then one per id.
const SLOTS: usize = IDS + 1;

/// Scratch areas per CPU, one per nesting level (task, softirq, hardirq, NMI, as ftrace's
/// contexts); a record that nests deeper is counted but not added to histograms.
const LEVELS: usize = 4;

/// Bytes of a scratch area; a longer record is counted but not added to histograms.
const SCRATCH: usize = 4096;

/// The same, in the `u64` words the areas are allocated as.
const SCRATCH_WORDS: usize = SCRATCH / 8;

struct StatsModule {
    dir: Option<Dir>,
    sink: Option<Registration>,
}

impl kernel::Module for StatsModule {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let tables = tables::Tables::new()?;
        let ncpu = tables.ncpu;
        // Nothing was published before: no grace period to wait for (dropping `None`).
        drop(tables::TABLES.replace(Some(tables)));
        // From here on, a failure drops `this`, which frees what was set up.
        let mut this = Self {
            dir: None,
            sink: None,
        };
        // SAFETY: no precondition; the marker core, on which this module depends, owns the
        // directory and outlives this module.
        let sinks = unsafe { abi::rtrace_sinks_debugfs_dir(MARKER_ABI) };
        if sinks.is_null() {
            pr_warn!("no debugfs: /sys/kernel/debug/rtrace/sinks/stats not created\n");
        } else {
            // SAFETY: `sinks` is live for as long as this module (see above).
            let sinks = unsafe { Dir::borrowed(sinks) };
            let dir = Dir::new(c"stats", Some(&sinks))?;
            files::create(&dir)?;
            this.dir = Some(dir);
        }
        this.sink = Some(Registration::new(&sink::RAW, &crate::THIS_MODULE)?);
        pr_info!(
            "sink stats registered: {} CPUs, marker ids 1 to {} counted by id\n",
            ncpu,
            IDS
        );
        Ok(this)
    }
}

impl Drop for StatsModule {
    fn drop(&mut self) {
        // Unregistering returns once no callback runs; removing the files waits for their
        // callbacks. Then nothing uses the histograms or the tables any more.
        self.sink = None;
        self.dir = None;
        // No user is left; the grace periods the retired values wait for are short.
        drop(hists::SNAPSHOT.replace(None));
        drop(core::mem::take(&mut hists::CONTROL.lock().hists));
        drop(tables::TABLES.replace(None));
    }
}
