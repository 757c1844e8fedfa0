// SPDX-License-Identifier: GPL-2.0

//! `rtrace export --format json`: the Chrome/Perfetto trace-event JSON format.
//!
//! One instant event (`"ph": "i"`, thread scope) per record, named `subsystem:event`, with `ts`
//! in microseconds (a float with nanosecond precision), `pid` and `tid` the record's pid and
//! `args` its fields; `rtrace:lost` instant events for lost-events notices; `"M"` metadata
//! events naming threads from `saved_cmdlines`.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result};
use rtrace::record::{self, Value};
use serde::Serialize;
use serde_json::{json, Map};

use crate::error::ToolError;
use crate::recording::{Kind, Recording};

/// One trace event.
#[derive(Debug, Serialize)]
struct TraceEvent {
    name: String,
    ph: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    s: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ts: Option<f64>,
    pid: i32,
    tid: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    cat: Option<&'static str>,
    args: Map<String, serde_json::Value>,
}

/// The file.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Trace {
    trace_events: Vec<TraceEvent>,
    display_time_unit: &'static str,
}

/// Text as a JSON string: UTF-8 kept, other bytes as the text line writes them.
fn text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => {
            let mut s = String::new();
            // Writing to a String cannot fail.
            let _ = rtrace::text::write_escaped(&mut s, bytes);
            s
        }
    }
}

/// A field value as JSON: numbers, booleans, strings, bytes as an array of numbers.
fn value(v: &Value<'_>) -> serde_json::Value {
    match *v {
        Value::U(n) => json!(n),
        Value::I(n) => json!(n),
        Value::Bool(b) => json!(b),
        Value::Chars(s) | Value::Str(s) => json!(text(s)),
        Value::Bytes(b) => json!(b),
    }
}

/// Nanoseconds as microseconds.
fn micros(ns: u64) -> f64 {
    // Exact while ns < 2^53 (104 days); then within a nanosecond's rounding.
    (ns / 1000) as f64 + (ns % 1000) as f64 / 1000.0
}

/// The trace-event document of `rec`.
fn build(rec: &Recording) -> Result<Trace> {
    let mut events = Vec::new();
    let mut pids = BTreeSet::new();
    for e in rec.merged()? {
        let h = e.header;
        pids.insert(h.pid);
        let (name, args) = match e.kind {
            Kind::Lost(count) => {
                let mut args = Map::new();
                args.insert("count".into(), json!(count));
                args.insert("cpu".into(), json!(e.cpu));
                ("rtrace:lost".to_owned(), args)
            }
            Kind::Marker { format, payload } => {
                let fields = format.field_list();
                let mut args = Map::new();
                for (i, field) in fields.iter().enumerate() {
                    let v = record::decode(&fields, payload, i)
                        .map_err(|err| anyhow::anyhow!("{}: {err:?}", format.name()))?;
                    args.insert(field.name.to_owned(), value(&v));
                }
                (format.name(), args)
            }
        };
        events.push(TraceEvent {
            name,
            ph: "i",
            s: Some("t"),
            ts: Some(micros(h.ts)),
            pid: h.pid,
            tid: h.pid,
            cat: Some("rtrace"),
            args,
        });
    }
    for (&pid, comm) in &rec.cmdlines {
        if !pids.contains(&pid) {
            continue;
        }
        let mut args = Map::new();
        args.insert("name".into(), json!(comm));
        events.push(TraceEvent {
            name: "thread_name".into(),
            ph: "M",
            s: None,
            ts: None,
            pid,
            tid: pid,
            cat: None,
            args,
        });
    }
    Ok(Trace {
        trace_events: events,
        display_time_unit: "ns",
    })
}

/// Writes the JSON export of the recording in `dir` to the new file `out`.
pub fn run(dir: &Path, out: &Path) -> Result<()> {
    let rec = Recording::open(dir)?;
    let trace = build(&rec)?;
    if out.exists() {
        return Err(ToolError::OutputExists(out.to_owned()).into());
    }
    let file = File::create_new(out).map_err(|e| ToolError::output(out, e))?;
    let mut w = BufWriter::new(file);
    serde_json::to_writer(&mut w, &trace).context("writing JSON")?;
    w.write_all(b"\n").map_err(|e| ToolError::output(out, e))?;
    w.flush().map_err(|e| ToolError::output(out, e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn micros_keep_nanoseconds() {
        assert_eq!(micros(1_234_567), 1234.567);
        assert_eq!(micros(5), 0.005);
    }
}
