// SPDX-License-Identifier: GPL-2.0

//! `rtrace export --format perfetto`: a Perfetto protobuf trace, which ui.perfetto.dev and
//! Perfetto's trace processor open as a kernel trace: CPU scheduling tracks with thread states,
//! wakeups, IRQs, processes and threads.
//!
//! The file is a sequence of `TracePacket`s (messages of [`crate::perfetto_proto`]), written
//! one by one:
//!
//! * the trace's UUID and the system (`uname` release, which tells Perfetto how to read
//!   `prev_state`, and the number of CPUs);
//! * when the recording holds the clocks read together at its start, a clock snapshot tying
//!   the trace clock (the records' timestamps, given as Perfetto's default ftrace clock) to
//!   `CLOCK_REALTIME`;
//! * ftrace statistics at the start (zero) and at the end (per CPU: the records, and the lost
//!   ones as `overrun`, which Perfetto reports as data losses);
//! * each CPU's records as ftrace event bundles of at most [`BUNDLE_MAX`] events, in stream
//!   order: `sched:sched_switch`, `sched_waking` (from which Perfetto draws its wakeup arrows),
//!   `sched_wakeup`, `sched_wakeup_new`, `sched_migrate_task`, `sched_process_fork`,
//!   `sched_process_exit`, `irq:irq_handler_entry`, `irq_handler_exit`, `softirq_entry` and
//!   `softirq_exit` as Perfetto's typed
//!   ftrace events (the fields of the same names; `prev_state` as ftrace records it), every
//!   other marker as a generic ftrace event `subsystem:event` with its fields. A lost-events
//!   notice starts a bundle marked `lost_events`;
//! * the process tree: every thread that ran, with its name and thread group.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::{anyhow, Result};
use rtrace::marker::record::{self, Value};

use crate::formats::MarkerFormat;
use crate::perfetto_proto as pb;
use crate::recording::{self, CpuStream, CpuSummary, Kind, Recording};

/// The most events of one bundle: what is held in memory per CPU while writing.
pub const BUNDLE_MAX: usize = 1024;

/// The packet sequence of every packet (one writer).
const SEQUENCE_ID: u32 = 1;

/// A record's fields by name.
struct Fields<'a>(Vec<(&'a str, Value<'a>)>);

impl<'a> Fields<'a> {
    /// Decodes every field of a record of `format`.
    fn decode(format: &'a MarkerFormat, payload: &'a [u8]) -> Result<Self> {
        let list = format.field_list();
        let mut values = Vec::with_capacity(list.len());
        for (i, (name, _)) in format.fields.iter().enumerate() {
            let v = record::decode(&list, payload, i)
                .map_err(|e| anyhow!("{} record: {e:?}", format.name()))?;
            values.push((name.as_str(), v));
        }
        Ok(Self(values))
    }

    fn get(&self, name: &str) -> Option<&Value<'a>> {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// An integer field that fits an `i32`.
    fn i32(&self, name: &str) -> Option<i32> {
        match *self.get(name)? {
            Value::I(v) => i32::try_from(v).ok(),
            Value::U(v) => i32::try_from(v).ok(),
            _ => None,
        }
    }

    /// An integer field that fits a `u32`.
    fn u32(&self, name: &str) -> Option<u32> {
        match *self.get(name)? {
            Value::I(v) => u32::try_from(v).ok(),
            Value::U(v) => u32::try_from(v).ok(),
            _ => None,
        }
    }

    /// An integer field as an `i64` (an unsigned one reinterpreted).
    fn i64(&self, name: &str) -> Option<i64> {
        match *self.get(name)? {
            Value::I(v) => Some(v),
            Value::U(v) => Some(v as i64),
            _ => None,
        }
    }

    /// A text field.
    fn text(&self, name: &str) -> Option<String> {
        match *self.get(name)? {
            Value::Chars(s) | Value::Str(s) => Some(text(s)),
            _ => None,
        }
    }
}

/// Text as a protobuf string (UTF-8): cut at the first NUL, as a C string; bytes that are not
/// UTF-8 written as the text line writes them (`\xNN`).
fn text(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&c| c == 0).unwrap_or(bytes.len());
    let bytes = &bytes[..end];
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

/// A field of a generic event.
fn generic_field(name: &str, v: &Value<'_>) -> pb::GenericField {
    let mut f = pb::GenericField {
        name: Some(name.to_owned()),
        ..Default::default()
    };
    match *v {
        Value::U(n) => f.uint_value = Some(n),
        Value::I(n) => f.int_value = Some(n),
        Value::Bool(b) => f.uint_value = Some(u64::from(b)),
        Value::Chars(s) | Value::Str(s) => f.str_value = Some(text(s)),
        Value::Bytes(b) => {
            let mut s = String::new();
            // Writing to a String cannot fail.
            let _ = rtrace::marker::text::write_value(&mut s, &Value::Bytes(b));
            f.str_value = Some(s);
        }
    }
    f
}

/// The Perfetto event of a marker's record: a typed ftrace event where Perfetto has one of
/// that name, else a generic one.
fn event(format: &MarkerFormat, payload: &[u8], tgid: i32) -> Result<pb::Event> {
    let f = Fields::decode(format, payload)?;
    let wakeup = || pb::SchedWakeup {
        comm: f.text("comm"),
        pid: f.i32("pid"),
        prio: f.i32("prio"),
        target_cpu: f.i32("target_cpu"),
    };
    Ok(match (format.subsystem.as_str(), format.event.as_str()) {
        ("sched", "sched_switch") => pb::Event::SchedSwitch(pb::SchedSwitch {
            prev_comm: f.text("prev_comm"),
            prev_pid: f.i32("prev_pid"),
            prev_prio: f.i32("prev_prio"),
            prev_state: f.i64("prev_state"),
            next_comm: f.text("next_comm"),
            next_pid: f.i32("next_pid"),
            next_prio: f.i32("next_prio"),
        }),
        ("sched", "sched_waking") => pb::Event::SchedWaking(wakeup()),
        ("sched", "sched_wakeup") => pb::Event::SchedWakeup(wakeup()),
        ("sched", "sched_wakeup_new") => pb::Event::SchedWakeupNew(wakeup()),
        ("sched", "sched_process_fork") => pb::Event::SchedProcessFork(pb::SchedProcessFork {
            parent_comm: f.text("parent_comm"),
            parent_pid: f.i32("parent_pid"),
            child_comm: f.text("child_comm"),
            child_pid: f.i32("child_pid"),
        }),
        // The exiting task is the one running.
        ("sched", "sched_process_exit") => pb::Event::SchedProcessExit(pb::SchedProcessExit {
            comm: f.text("comm"),
            pid: f.i32("pid"),
            tgid: Some(tgid),
            prio: f.i32("prio"),
        }),
        ("sched", "sched_migrate_task") => pb::Event::SchedMigrateTask(pb::SchedMigrateTask {
            comm: f.text("comm"),
            pid: f.i32("pid"),
            prio: f.i32("prio"),
            orig_cpu: f.i32("orig_cpu"),
            dest_cpu: f.i32("dest_cpu"),
        }),
        ("irq", "softirq_entry") => pb::Event::SoftirqEntry(pb::Softirq { vec: f.u32("vec") }),
        ("irq", "softirq_exit") => pb::Event::SoftirqExit(pb::Softirq { vec: f.u32("vec") }),
        ("irq", "irq_handler_entry") => {
            pb::Event::IrqHandlerEntry(pb::IrqHandlerEntry { irq: f.i32("irq") })
        }
        ("irq", "irq_handler_exit") => pb::Event::IrqHandlerExit(pb::IrqHandlerExit {
            irq: f.i32("irq"),
            ret: f.i32("ret"),
        }),
        _ => pb::Event::Generic(pb::Generic {
            event_name: Some(format.name()),
            field: f.0.iter().map(|(n, v)| generic_field(n, v)).collect(),
        }),
    })
}

/// Writes packets as a `Trace` message's repeated field 1, one at a time.
struct PacketWriter<W: Write> {
    out: W,
    buf: Vec<u8>,
}

impl<W: Write> PacketWriter<W> {
    fn write(&mut self, mut packet: pb::TracePacket) -> Result<()> {
        packet.trusted_packet_sequence_id = Some(SEQUENCE_ID);
        self.buf.clear();
        // Field 1 of `Trace`, length-delimited: the encoding of `Trace { packet: [packet] }`.
        prost::encoding::message::encode(1, &packet, &mut self.buf);
        self.out.write_all(&self.buf)?;
        Ok(())
    }
}

/// Writes the bundles of the events of the stream of `cpu`; returns (records, lost).
fn write_cpu<W: Write>(
    w: &mut PacketWriter<W>,
    rec: &Recording,
    stream: &CpuStream,
    threads: &mut BTreeSet<(i32, i32)>,
) -> Result<(u64, u64)> {
    let cpu = stream.cpu;
    let (mut records, mut lost) = (0u64, 0u64);
    let mut bundle = pb::FtraceEventBundle {
        cpu: Some(cpu),
        ..Default::default()
    };
    let flush = |w: &mut PacketWriter<W>, bundle: &mut pb::FtraceEventBundle| -> Result<()> {
        if bundle.event.is_empty() && bundle.lost_events.is_none() {
            return Ok(());
        }
        let next = pb::FtraceEventBundle {
            cpu: Some(cpu),
            ..Default::default()
        };
        w.write(pb::TracePacket {
            ftrace_events: Some(std::mem::replace(bundle, next)),
            ..Default::default()
        })
    };
    rec.for_each_cpu_event(stream, |e| {
        match e.kind {
            Kind::Lost(count) => {
                flush(w, &mut bundle)?;
                bundle.lost_events = Some(true);
                lost += count;
            }
            Kind::Marker { format, payload } => {
                records += 1;
                threads.insert((e.tid(), e.tgid()));
                bundle.event.push(pb::FtraceEvent {
                    timestamp: Some(e.header.ts),
                    // Perfetto's pid is a u32; the idle task is 0, every other pid positive.
                    pid: Some(e.tid().max(0) as u32),
                    event: Some(event(format, payload, e.tgid())?),
                });
                if bundle.event.len() >= BUNDLE_MAX {
                    flush(w, &mut bundle)?;
                }
            }
        }
        Ok(())
    })?;
    flush(w, &mut bundle)?;
    Ok((records, lost))
}

/// Writes the whole trace of `rec` (whose records were checked, with the summary `cpus`) to
/// `out`.
fn write(rec: &Recording, cpus: &BTreeMap<u32, CpuSummary>, out: impl Write) -> Result<()> {
    let mut w = PacketWriter {
        out,
        buf: Vec::new(),
    };
    let meta = &rec.meta;
    let (msb, lsb) = rec.meta.trace_uuid().as_u64_pair();
    w.write(pb::TracePacket {
        first_packet_on_sequence: Some(true),
        sequence_flags: Some(pb::SEQ_INCREMENTAL_STATE_CLEARED),
        trace_uuid: Some(pb::TraceUuid {
            msb: Some(msb as i64),
            lsb: Some(lsb as i64),
        }),
        ..Default::default()
    })?;
    w.write(pb::TracePacket {
        system_info: Some(pb::SystemInfo {
            utsname: Some(pb::Utsname {
                sysname: Some("Linux".to_owned()),
                release: (!meta.kernel_release.is_empty()).then(|| meta.kernel_release.clone()),
            }),
            num_cpus: Some(rec.streams.iter().map(|s| s.cpu + 1).max().unwrap_or(0)),
        }),
        ..Default::default()
    })?;
    let first_ts = cpus.values().filter_map(|s| s.first_ts).min();
    if let Some(pair) = meta.clock {
        w.write(pb::TracePacket {
            timestamp: Some(pair.trace_ns),
            clock_snapshot: Some(pb::ClockSnapshot {
                clocks: vec![
                    pb::Clock {
                        clock_id: Some(pb::BUILTIN_CLOCK_BOOTTIME),
                        timestamp: Some(pair.trace_ns),
                    },
                    pb::Clock {
                        clock_id: Some(pb::BUILTIN_CLOCK_REALTIME),
                        timestamp: Some(pair.realtime_ns),
                    },
                ],
                primary_trace_clock: Some(pb::BUILTIN_CLOCK_BOOTTIME as i32),
            }),
            ..Default::default()
        })?;
    }
    let stats = |phase, counts: &BTreeMap<u32, (u64, u64)>, ts| pb::TracePacket {
        timestamp: ts,
        ftrace_stats: Some(pb::FtraceStats {
            phase: Some(phase),
            cpu_stats: counts
                .iter()
                .map(|(&cpu, &(records, lost))| pb::FtraceCpuStats {
                    cpu: Some(u64::from(cpu)),
                    entries: Some(records),
                    overrun: Some(lost),
                    bytes_read: None,
                    read_events: Some(records),
                })
                .collect(),
        }),
        ..Default::default()
    };
    let zero: BTreeMap<u32, (u64, u64)> = rec.streams.iter().map(|s| (s.cpu, (0, 0))).collect();
    w.write(stats(pb::PHASE_START_OF_TRACE, &zero, first_ts))?;
    let mut threads = BTreeSet::new();
    let mut counts = BTreeMap::new();
    for s in &rec.streams {
        counts.insert(s.cpu, write_cpu(&mut w, rec, s, &mut threads)?);
    }
    let last_ts = cpus.values().filter_map(|s| s.last_ts).max();
    w.write(stats(pb::PHASE_END_OF_TRACE, &counts, last_ts))?;

    // The threads that ran, with their names, and their processes. The idle task is Perfetto's
    // own (pid 0 on every CPU) and is left out.
    let mut tree = pb::ProcessTree::default();
    let mut groups = BTreeSet::new();
    for &(tid, tgid) in threads.iter().filter(|(tid, _)| *tid > 0) {
        let name = rec.cmdlines.get(&tid).cloned();
        tree.threads.push(pb::Thread {
            tid: Some(tid),
            name: name.clone(),
            tgid: Some(tgid),
        });
        if groups.insert(tgid) {
            let comm = rec.cmdlines.get(&tgid).cloned();
            tree.processes.push(pb::Process {
                pid: Some(tgid),
                cmdline: comm.into_iter().collect(),
                cmdline_is_comm: Some(true),
            });
        }
    }
    w.write(pb::TracePacket {
        timestamp: last_ts,
        process_tree: Some(tree),
        ..Default::default()
    })?;
    w.out.flush()?;
    Ok(())
}

/// Writes the Perfetto export of the recording in `dir` to the new file `out`.
pub fn run(dir: &Path, out: &Path) -> Result<()> {
    let rec = Recording::open(dir)?;
    // Every record is checked before the output is created.
    let cpus = rec.check()?;
    let file = recording::create_output(out)?;
    if let Err(e) = write(&rec, &cpus, BufWriter::new(file)) {
        return Err(recording::discard_output(out, e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    #[test]
    fn packets_concatenate_into_a_trace() {
        let packet = pb::TracePacket {
            timestamp: Some(5),
            ..Default::default()
        };
        let mut w = PacketWriter {
            out: Vec::new(),
            buf: Vec::new(),
        };
        w.write(packet.clone()).unwrap();
        w.write(packet.clone()).unwrap();
        let trace = pb::Trace::decode(w.out.as_slice()).unwrap();
        assert_eq!(trace.packet.len(), 2);
        assert_eq!(trace.packet[1].timestamp, Some(5));
        assert_eq!(
            trace.packet[1].trusted_packet_sequence_id,
            Some(SEQUENCE_ID)
        );
    }

    #[test]
    fn text_stops_at_nul_and_stays_utf8() {
        assert_eq!(text(b"sh\0\0junk"), "sh");
        assert_eq!(text(b"a\xffb"), "a\\xffb");
    }
}
