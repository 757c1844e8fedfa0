// SPDX-License-Identifier: GPL-2.0

//! `rtrace report DIR`: a recording as the tracer's text lines, merged across CPUs by time.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use anyhow::Result;

use rtrace::record;
use rtrace::text;

use crate::formats::MarkerFormat;
use crate::recording::{Event, Kind, Recording};
use crate::sched;

/// Writes the fields of a record of `format` as `f1=v1 f2=v2 ...`, as the library's
/// [`text::write_fields`] does, except that a field ftrace shows symbolically (`prev_state`) is
/// written as ftrace prints it.
pub fn write_fields(out: &mut String, format: &MarkerFormat, payload: &[u8]) -> Result<()> {
    let fields = format.field_list();
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let Ok(value) = record::decode(&fields, payload, i) else {
            out.push_str(text::MALFORMED);
            break;
        };
        write!(out, "{}=", field.name)?;
        match sched::symbolic(format, field.name, &value) {
            Some(s) => out.push_str(&s),
            None => text::write_value(out, &value)?,
        }
    }
    Ok(())
}

/// The text line of `event` (without the newline).
pub fn line(rec: &Recording, event: &Event<'_>) -> Result<String> {
    let mut line = String::new();
    let h = event.header;
    match event.kind {
        Kind::Lost(count) => text::write_lost(&mut line, event.cpu, count)?,
        Kind::Marker { format, payload } => {
            text::write_line_prefix(
                &mut line,
                rec.comm(event.tid()).as_bytes(),
                event.tid(),
                event.cpu,
                h.ts,
            )?;
            line.push_str(&format.name());
            line.push_str(": ");
            write_fields(&mut line, format, payload)?;
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
