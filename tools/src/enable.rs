// SPDX-License-Identifier: GPL-2.0

//! `rtrace enable` and `rtrace disable`: connections through `set_event`, filters through each
//! marker's `filter` file.

use anyhow::Result;

use crate::debugfs::Debugfs;
use crate::error::ToolError;
use crate::pattern;

/// Checks `patterns` against `available_markers` and `sink` against `available_sinks`;
/// returns the matched markers.
fn resolve(fs: &Debugfs, sink: &str, patterns: &[String]) -> Result<Vec<String>> {
    pattern::check(&format!("{sink}:x")).map_err(|_| ToolError::BadPattern(sink.to_owned()))?;
    let sinks = fs.read_lines("available_sinks")?;
    if !sinks.iter().any(|s| pattern::glob_match(sink, s)) {
        return Err(ToolError::UnknownSink(sink.to_owned()).into());
    }
    let markers = fs.read_lines("available_markers")?;
    let mut matched = Vec::new();
    for p in patterns {
        for m in pattern::expand(p, &markers)? {
            if !matched.iter().any(|x: &String| x == m) {
                matched.push(m.to_owned());
            }
        }
    }
    Ok(matched)
}

/// Connects `sink` to the markers of `patterns`, after writing `filter` (if any) to each
/// matched marker's `filter` file.
pub fn enable(fs: &Debugfs, sink: &str, filter: Option<&str>, patterns: &[String]) -> Result<()> {
    let matched = resolve(fs, sink, patterns)?;
    if let Some(filter) = filter {
        for m in &matched {
            let (sub, event) = m.split_once(':').unwrap_or((m, ""));
            fs.write(&format!("markers/{sub}/{event}/filter"), filter)?;
        }
    }
    let tokens: Vec<String> = patterns.iter().map(|p| format!("{sink}:{p}")).collect();
    fs.write("set_event", &tokens.join(" "))?;
    for m in &matched {
        eprintln!("enabled {sink}:{m}");
    }
    Ok(())
}

/// Clears the filters of the markers of `patterns` (writes `0` to each `filter`).
pub fn clear_filters(fs: &Debugfs, patterns: &[String]) -> Result<()> {
    let markers = fs.read_lines("available_markers")?;
    for p in patterns {
        for m in pattern::expand(p, &markers)? {
            let (sub, event) = m.split_once(':').unwrap_or((m, ""));
            fs.write(&format!("markers/{sub}/{event}/filter"), "0")?;
        }
    }
    Ok(())
}

/// Disconnects `sink` from the markers of `patterns`.
pub fn disable(fs: &Debugfs, sink: &str, patterns: &[String]) -> Result<()> {
    let matched = resolve(fs, sink, patterns)?;
    let tokens: Vec<String> = patterns.iter().map(|p| format!("!{sink}:{p}")).collect();
    fs.write("set_event", &tokens.join(" "))?;
    for m in &matched {
        eprintln!("disabled {sink}:{m}");
    }
    Ok(())
}
