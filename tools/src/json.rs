// SPDX-License-Identifier: GPL-2.0

//! `rtrace export --format json`: the Chrome/Perfetto trace-event JSON format.
//!
//! One instant event (`"ph": "i"`, thread scope) per record, in merged order, named
//! `subsystem:event`, with `ts` in microseconds (a float with nanosecond precision), `pid` the
//! thread group, `tid` the thread, and `args` the fields in declaration order (`prev_state` as
//! ftrace's letters). Lost-events notices are `rtrace:lost` instant events on their CPU's track:
//! a process named `CPUs` with one thread per CPU, numbered above the kernel's largest pid so
//! that they cannot meet a real one. `"M"` metadata events name threads (from `saved_cmdlines`,
//! the idle task `<idle>`) and the CPUs' tracks. `otherData` says the clock: `local_clock`, and
//! the real time (ns since the Unix epoch, as a string) at its 0, or `unknown`. Events are
//! written one by one as they are merged.

use std::collections::BTreeSet;
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::Result;
use rtrace::marker::record::{self, Value};
use serde::Serialize;
use serde_json::{json, Map};

use crate::recording::{self, Kind, Recording};
use crate::sched;

/// `PID_MAX_LIMIT` (4 Mi): no task has this pid or a larger one, so the CPUs' tracks use them.
pub const CPU_PID: i32 = 1 << 22;

/// The track of `cpu` in the process [`CPU_PID`].
fn cpu_tid(cpu: u32) -> i32 {
    CPU_PID + 1 + cpu as i32
}

/// One trace event.
#[derive(Debug, Serialize)]
struct TraceEvent<'a> {
    name: &'a str,
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

/// Text as a JSON string: UTF-8 kept, other bytes as the text line writes them.
fn text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => {
            let mut s = String::new();
            // Writing to a String cannot fail.
            let _ = rtrace::marker::text::write_escaped(&mut s, bytes);
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

/// Writes the events of `rec`, merged, to `w` as a trace-event JSON document.
fn write(rec: &Recording, w: &mut impl Write) -> Result<()> {
    w.write_all(b"{\"traceEvents\":[")?;
    let mut first = true;
    let mut emit = |w: &mut dyn Write, e: &TraceEvent<'_>| -> Result<()> {
        if !first {
            w.write_all(b",\n")?;
        }
        first = false;
        serde_json::to_writer(&mut *w, e)?;
        Ok(())
    };
    let mut threads = BTreeSet::new();
    rec.for_each_merged(|e| {
        let h = e.header;
        let event = match e.kind {
            Kind::Lost(count) => {
                let mut args = Map::new();
                args.insert("count".into(), json!(count));
                args.insert("cpu".into(), json!(e.cpu));
                TraceEvent {
                    name: "rtrace:lost",
                    ph: "i",
                    s: Some("t"),
                    ts: Some(micros(h.ts)),
                    pid: CPU_PID,
                    tid: cpu_tid(e.cpu),
                    cat: Some("rtrace"),
                    args,
                }
            }
            Kind::Marker { format, payload } => {
                threads.insert((e.tgid(), e.tid()));
                let fields = format.field_list();
                let mut args = Map::new();
                for (i, field) in fields.iter().enumerate() {
                    let v = record::decode(&fields, payload, i)
                        .map_err(|err| anyhow::anyhow!("{}: {err:?}", format.name()))?;
                    let v = match sched::symbolic(format, field.name, &v) {
                        Some(s) => json!(s),
                        None => value(&v),
                    };
                    args.insert(field.name.to_owned(), v);
                }
                let name = format.name();
                emit(
                    w,
                    &TraceEvent {
                        name: &name,
                        ph: "i",
                        s: Some("t"),
                        ts: Some(micros(h.ts)),
                        pid: e.tgid(),
                        tid: e.tid(),
                        cat: Some("rtrace"),
                        args,
                    },
                )?;
                return Ok(());
            }
        };
        emit(w, &event)
    })?;
    let meta = |name: &'static str, pid: i32, tid: i32, value: &str| {
        let mut args = Map::new();
        args.insert("name".into(), json!(value));
        TraceEvent {
            name,
            ph: "M",
            s: None,
            ts: None,
            pid,
            tid,
            cat: None,
            args,
        }
    };
    for &(tgid, tid) in &threads {
        emit(w, &meta("thread_name", tgid, tid, rec.comm(tid)))?;
    }
    emit(w, &meta("process_name", CPU_PID, CPU_PID, "CPUs"))?;
    for s in &rec.streams {
        let tid = cpu_tid(s.cpu);
        emit(
            w,
            &meta("thread_name", CPU_PID, tid, &format!("CPU {}", s.cpu)),
        )?;
    }
    // What the times are: the trace clock, and where it stands in real time if known.
    let clock = match rec.meta.clock {
        Some(pair) => json!({
            "trace_clock": "local_clock",
            "realtime_ns_at_trace_ns_0": pair.epoch_offset().to_string(),
        }),
        None => json!({
            "trace_clock": "local_clock",
            "realtime_ns_at_trace_ns_0": "unknown",
        }),
    };
    w.write_all(b"],\n\"displayTimeUnit\":\"ns\",\n\"otherData\":")?;
    serde_json::to_writer(&mut *w, &clock)?;
    w.write_all(b"}\n")?;
    Ok(())
}

/// Writes the JSON export of the recording in `dir` to the new file `out`.
pub fn run(dir: &Path, out: &Path) -> Result<()> {
    let rec = Recording::open(dir)?;
    // Every record is checked before the output is created.
    rec.check()?;
    let file = recording::create_output(out)?;
    let mut w = BufWriter::new(file);
    let written = write(&rec, &mut w).and_then(|()| w.flush().map_err(Into::into));
    if let Err(e) = written {
        drop(w);
        return Err(recording::discard_output(out, e));
    }
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
