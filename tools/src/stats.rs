// SPDX-License-Identifier: GPL-2.0

//! `rtrace stats`: the ring's and the stats sink's counters, passed through under headings.

use std::io::Write;

use anyhow::Result;

use crate::debugfs::Debugfs;
use crate::error::ToolError;

/// The files shown, relative to `rtrace/`, in order.
const FILES: [&str; 3] = ["sinks/ring/stats", "sinks/stats/counts", "sinks/stats/hist"];

/// Prints each present file under a `== rtrace/<file> ==` heading; fails if none is.
pub fn run(fs: &Debugfs, out: &mut impl Write) -> Result<()> {
    let mut shown = 0;
    for rel in FILES {
        if !fs.exists(rel) {
            continue;
        }
        let text = fs.read(rel)?;
        if shown > 0 {
            writeln!(out)?;
        }
        writeln!(out, "== rtrace/{rel} ==")?;
        write!(out, "{text}")?;
        if !text.is_empty() && !text.ends_with('\n') {
            writeln!(out)?;
        }
        shown += 1;
    }
    out.flush()?;
    if shown == 0 {
        return Err(ToolError::NotLoaded {
            path: fs.path(FILES[0]),
            module: "rtrace_ring.ko (the ring sink)",
        }
        .into());
    }
    Ok(())
}
