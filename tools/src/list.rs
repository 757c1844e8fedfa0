// SPDX-License-Identifier: GPL-2.0

//! `rtrace list [tracepoints|markers|sinks|connections]`.

use std::io::Write;

use anyhow::Result;
use clap::ValueEnum;

use crate::debugfs::Debugfs;
use crate::formats::{type_name, Catalog};

/// What to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum What {
    /// Tracepoints and their probes (`rtrace/tracepoints`).
    Tracepoints,
    /// Markers with their ids and fields (`rtrace/markers/*/*/format`).
    Markers,
    /// Registered sinks (`rtrace/available_sinks`).
    Sinks,
    /// Sink-to-marker connections (`rtrace/set_event`).
    Connections,
}

/// Reads the markers' formats from debugfs.
pub fn catalog(fs: &Debugfs) -> Result<Catalog> {
    let dir = fs.require("markers")?;
    Catalog::load(&dir, &|p| {
        let rel = p.strip_prefix(fs.path("")).unwrap_or(p);
        fs.read(&rel.to_string_lossy())
    })
}

/// The lines of one section.
fn section(fs: &Debugfs, what: What) -> Result<Vec<String>> {
    Ok(match what {
        What::Tracepoints => fs.read("tracepoints")?.lines().map(str::to_owned).collect(),
        What::Markers => catalog(fs)?
            .iter()
            .map(|m| {
                let fields: Vec<String> = m
                    .fields
                    .iter()
                    .map(|(name, ty)| format!("{name}:{}", type_name(*ty)))
                    .collect();
                format!("{} id={} {}", m.name(), m.id, fields.join(" "))
                    .trim_end()
                    .to_owned()
            })
            .collect(),
        What::Sinks => fs.read_lines("available_sinks")?,
        What::Connections => fs.read_lines("set_event")?,
    })
}

/// Prints `what`, or every section under a heading if `None`.
pub fn run(fs: &Debugfs, what: Option<What>, out: &mut impl Write) -> Result<()> {
    match what {
        Some(what) => {
            for line in section(fs, what)? {
                writeln!(out, "{line}")?;
            }
        }
        None => {
            for (i, what) in What::value_variants().iter().enumerate() {
                if i > 0 {
                    writeln!(out)?;
                }
                let name = what.to_possible_value().map(|v| v.get_name().to_owned());
                writeln!(out, "{}:", name.unwrap_or_default())?;
                for line in section(fs, *what)? {
                    writeln!(out, "  {line}")?;
                }
            }
        }
    }
    out.flush()?;
    Ok(())
}
