// SPDX-License-Identifier: GPL-2.0

//! `rtrace report DIR`: a recording as the tracer's text lines, merged across CPUs by time.

use std::io::Write;
use std::path::Path;

use anyhow::Result;

use rtrace::text;

use crate::recording::{Event, Kind, Recording};

/// The text line of `event` (without the newline).
pub fn line(rec: &Recording, event: &Event<'_>) -> Result<String> {
    let mut line = String::new();
    let h = event.header;
    match event.kind {
        Kind::Lost(count) => text::write_lost(&mut line, event.cpu, count)?,
        Kind::Marker { format, payload } => {
            text::write_line_prefix(
                &mut line,
                rec.task_name_of_record(&h),
                h.pid,
                event.cpu,
                h.ts,
            )?;
            line.push_str(&format.name());
            line.push_str(": ");
            text::write_fields(&mut line, &format.field_list(), payload)?;
        }
    }
    Ok(line)
}

/// Writes the report of the recording in `dir` to `out`.
pub fn run(dir: &Path, out: &mut impl Write) -> Result<()> {
    let rec = Recording::open(dir)?;
    for event in rec.merged()? {
        writeln!(out, "{}", line(&rec, &event)?)?;
    }
    out.flush()?;
    Ok(())
}
