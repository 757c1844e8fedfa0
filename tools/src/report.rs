// SPDX-License-Identifier: GPL-2.0

//! `rtrace report DIR`: a recording as the tracer's text lines, merged across CPUs by time,
//! optionally only some CPUs and markers, with nanoseconds; or (`--stat`) the count of records
//! of each marker and of lost records on each CPU.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use anyhow::Result;

use rtrace::marker::record;
use rtrace::marker::text;

use crate::formats::MarkerFormat;
use crate::pattern;
use crate::recording::{Event, Kind, Recording};
use crate::sched;

/// What to report.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Timestamps with nanoseconds (`%5llu.%09llu`) instead of microseconds.
    pub ns: bool,
    /// Only these CPUs (all if empty).
    pub cpus: Vec<u32>,
    /// Only the markers matching one of these `subsystem:event` globs (all if empty); lost
    /// notices are kept.
    pub events: Vec<String>,
    /// Counts instead of lines.
    pub stat: bool,
}

impl Options {
    /// Whether `event` is reported.
    fn selects(&self, event: &Event<'_>) -> bool {
        if !self.cpus.is_empty() && !self.cpus.contains(&event.cpu) {
            return false;
        }
        match event.kind {
            Kind::Lost(_) => true,
            Kind::Marker { format, .. } => {
                self.events.is_empty()
                    || self
                        .events
                        .iter()
                        .any(|p| pattern::glob_match(p, &format.name()))
            }
        }
    }
}

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

/// The text line of `event` (without the newline), its time with nanoseconds if `ns`, the
/// task's name from its context record, else from `cmdlines`.
pub fn line(cmdlines: &BTreeMap<i32, String>, event: &Event<'_>, ns: bool) -> Result<String> {
    let mut line = String::new();
    let h = event.header;
    match event.kind {
        Kind::Lost(count) => text::write_lost(&mut line, event.cpu, count)?,
        Kind::Marker { format, payload } => {
            let tid = event.tid();
            // The name its context record gave the record's task (the name at that time, an
            // exec changes it), else the recording's last name of the task.
            let own = h.comm();
            let comm = if tid != 0 && !own.is_empty() {
                own
            } else {
                sched::task_name(tid, cmdlines.get(&tid).map(String::as_str)).as_bytes()
            };
            if ns {
                // The prefix with the microseconds, then the nanoseconds in their place.
                text::write_line_prefix(&mut line, comm, event.tid(), event.cpu, 0)?;
                let at = line.len() - "    0.000000: ".len();
                line.truncate(at);
                let (sec, nsec) = (h.ts / 1_000_000_000, h.ts % 1_000_000_000);
                write!(line, "{sec:5}.{nsec:09}: ")?;
            } else {
                text::write_line_prefix(&mut line, comm, event.tid(), event.cpu, h.ts)?;
            }
            line.push_str(&format.name());
            line.push_str(": ");
            write_fields(&mut line, format, payload)?;
        }
    }
    Ok(line)
}

/// Counts of the records reported.
#[derive(Debug, Default)]
struct Stat {
    by_marker: BTreeMap<String, u64>,
    /// (events, lost) by CPU.
    by_cpu: BTreeMap<u32, (u64, u64)>,
}

impl Stat {
    fn add(&mut self, e: &Event<'_>) {
        let cpu = self.by_cpu.entry(e.cpu).or_default();
        match e.kind {
            Kind::Lost(count) => cpu.1 += count,
            Kind::Marker { format, .. } => {
                cpu.0 += 1;
                *self.by_marker.entry(format.name()).or_default() += 1;
            }
        }
    }

    /// Writes the records per marker (by name), then events and lost records per CPU, then
    /// the totals.
    fn write(&self, out: &mut impl Write) -> Result<()> {
        writeln!(out, "{:<40} {:>12}", "EVENT", "COUNT")?;
        for (name, count) in &self.by_marker {
            writeln!(out, "{name:<40} {count:>12}")?;
        }
        writeln!(out, "\n{:<6} {:>12} {:>12}", "CPU", "EVENTS", "LOST")?;
        for (cpu, (n, lost)) in &self.by_cpu {
            writeln!(out, "{cpu:<6} {n:>12} {lost:>12}")?;
        }
        let (n, lost) = self
            .by_cpu
            .values()
            .fold((0, 0), |(a, b), (n, l)| (a + n, b + l));
        writeln!(out, "{:<6} {n:>12} {lost:>12}", "total")?;
        Ok(())
    }
}

/// Writes the report of the recording in `dir` to `out`, record by record.
pub fn run(dir: &Path, opts: &Options, out: &mut impl Write) -> Result<()> {
    let rec = Recording::open(dir)?;
    for p in &opts.events {
        pattern::check(p)?;
    }
    let mut stat = Stat::default();
    for s in &rec.streams {
        if opts.cpus.is_empty() || opts.cpus.contains(&s.cpu) {
            stat.by_cpu.insert(s.cpu, (0, 0));
        }
    }
    rec.for_each_merged(|event| {
        if !opts.selects(event) {
            return Ok(());
        }
        if opts.stat {
            stat.add(event);
        } else {
            writeln!(out, "{}", line(&rec.cmdlines, event, opts.ns)?)?;
        }
        Ok(())
    })?;
    if opts.stat {
        stat.write(out)?;
    }
    out.flush()?;
    Ok(())
}
