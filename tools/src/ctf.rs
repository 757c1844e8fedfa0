// SPDX-License-Identifier: GPL-2.0

//! `rtrace export --format ctf`: a CTF 1.8 trace that babeltrace2 reads.
//!
//! The output directory holds a TSDL `metadata` file and one binary stream file per CPU
//! (`stream_N`) of packets of at most [`PACKET_MAX`] bytes (unless one event is larger). Every
//! integer type is declared with `align = 8`, so the binary layout is packed and little-endian:
//!
//! * packet header: `magic` (u32, 0xC1FC1FC1), `uuid` (16 bytes, the trace's UUID);
//! * packet context: `timestamp_begin`, `timestamp_end` (u64, clock `local_clock`),
//!   `content_size`, `packet_size` (u64, in bits), `events_discarded` (u64), `cpu_id` (u32);
//! * event header: `id` (u16, the marker id), `timestamp` (u64, clock `local_clock`);
//! * event context: `tid` (s32, the running thread);
//! * payload, field by field: integers at their width, `bool` as a u8, `char[N]` as N bytes
//!   (an array of UTF-8 `uint8`, which babeltrace2 shows as a string), `str` as a NUL-terminated
//!   CTF `string` (cut at a NUL in the data), `bytes` as a u16 length then the bytes.
//!
//! Field names are written with a leading `_`, which CTF readers strip (it keeps names such as
//! `event` or `string` from clashing with TSDL keywords); a `bytes` field `x` has its length in
//! `_x_length` before it. A lost-events notice closes the packet; the next one's
//! `events_discarded`, a running count per CPU, is larger by the notice's count, which
//! babeltrace2 reports as discarded events.
//!
//! The clock `local_clock` counts the nanoseconds of the kernel's `local_clock()`; when the
//! recording holds the pair of clocks the kernel read together at its start, the clock's offset
//! makes it absolute (`babeltrace2 --clock-date` prints real dates). A CPU without records has
//! no stream file (an empty packet would start the trace at time 0). Each CPU's stream is written
//! packet by packet, as it is read.
//!
//! A CPU's timestamps can go slightly backwards: a record written by an interrupt that nests in
//! another writer's reservation can carry an earlier time than the record before it in the
//! stream. CTF readers reject a clock that decreases within a stream, so an event's CTF
//! timestamp is the largest of its CPU's so far (the report and the JSON export keep the real
//! values).

use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::{anyhow, Result};
use rtrace::marker::record::{self, FieldType, Value};

use crate::error::ToolError;
use crate::formats::Catalog;
use crate::recording::{ClockPair, Event, Kind, Meta, Recording};
use crate::sched;

/// The largest packet, unless a single event needs more.
pub const PACKET_MAX: usize = 64 * 1024;

/// The CTF packet magic.
const MAGIC: u32 = 0xC1FC_1FC1;

/// Bytes of the packet header and context.
const PACKET_HEADER_LEN: usize = 4 + 16 + 5 * 8 + 4;

/// Escapes a TSDL string literal.
fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The TSDL type of an integer field type.
fn int_type(ty: FieldType) -> &'static str {
    match ty {
        FieldType::U8 | FieldType::Bool => "uint8_t",
        FieldType::U16 => "uint16_t",
        FieldType::U32 => "uint32_t",
        FieldType::U64 => "uint64_t",
        FieldType::I8 => "int8_t",
        FieldType::I16 => "int16_t",
        FieldType::I32 => "int32_t",
        FieldType::I64 => "int64_t",
        FieldType::Chars(_) | FieldType::Str(_) | FieldType::Bytes(_) => "",
    }
}

/// What the metadata says about the trace besides its markers.
pub struct TraceInfo<'a> {
    /// The trace's UUID.
    pub uuid: uuid::Uuid,
    /// Its name.
    pub name: &'a str,
    /// `uname -r` of the traced kernel.
    pub kernel_release: &'a str,
    /// The trace clock beside real time, if known.
    pub clock: Option<ClockPair>,
}

/// The TSDL `clock` block: `local_clock`, absolute when the pair of clocks is known.
fn clock_block(clock: Option<ClockPair>) -> String {
    let (offset, absolute, description) = match clock {
        Some(pair) if pair.epoch_offset() >= 0 => (
            pair.epoch_offset(),
            "TRUE",
            "local_clock() of the traced kernel; offset from its reading beside CLOCK_REALTIME",
        ),
        _ => (
            0,
            "FALSE",
            "local_clock() of the traced kernel; its relation to real time is unknown",
        ),
    };
    format!(
        "clock {{\n\tname = \"local_clock\";\n\tdescription = \"{description}\";\n\
         \tfreq = 1000000000;\n\tprecision = 1;\n\toffset_s = {};\n\toffset = {};\n\
         \tabsolute = {absolute};\n}};\n\n",
        offset / 1_000_000_000,
        offset % 1_000_000_000
    )
}

/// The TSDL enumeration of `prev_state` values, named by ftrace's letters.
fn prev_state_enum(int_type: &str) -> String {
    let labels: Vec<String> = sched::PREV_STATES
        .iter()
        .map(|(v, letters)| format!("{} = {v}", quote(letters)))
        .collect();
    format!("enum : {int_type} {{ {} }}", labels.join(", "))
}

/// The TSDL metadata of a trace of `catalog`'s markers.
pub fn metadata(catalog: &Catalog, info: &TraceInfo<'_>) -> String {
    let mut m = String::from("/* CTF 1.8 */\n\n");
    for (bits, name) in [(8, "8"), (16, "16"), (32, "32"), (64, "64")] {
        let _ = writeln!(
            m,
            "typealias integer {{ size = {bits}; align = 8; signed = false; }} := uint{name}_t;"
        );
        let _ = writeln!(
            m,
            "typealias integer {{ size = {bits}; align = 8; signed = true; }} := int{name}_t;"
        );
    }
    m.push_str(
        "typealias integer { size = 8; align = 8; signed = false; encoding = UTF8; } \
         := rtrace_char_t;\n\
         typealias integer { size = 8; align = 8; signed = false; base = 16; } \
         := rtrace_byte_t;\n\n\
         \n",
    );
    let _ = write!(
        m,
        "trace {{\n\tmajor = 1;\n\tminor = 8;\n\tuuid = \"{}\";\n\tbyte_order = le;\n\
         \tpacket.header := struct {{\n\t\tuint32_t magic;\n\t\tuint8_t uuid[16];\n\t}};\n}};\n\n",
        info.uuid.hyphenated()
    );
    let _ = write!(
        m,
        "env {{\n\ttracer_name = \"rtrace\";\n\ttrace_name = {};\n\tkernel_release = {};\n}};\n\n",
        quote(info.name),
        quote(info.kernel_release)
    );
    m.push_str(&clock_block(info.clock));
    m.push_str(
        "typealias integer { size = 64; align = 8; signed = false; \
         map = clock.local_clock.value; } := uint64_clock_local_t;\n\n\
         stream {\n\
         \tpacket.context := struct {\n\
         \t\tuint64_clock_local_t timestamp_begin;\n\
         \t\tuint64_clock_local_t timestamp_end;\n\
         \t\tuint64_t content_size;\n\
         \t\tuint64_t packet_size;\n\
         \t\tuint64_t events_discarded;\n\
         \t\tuint32_t cpu_id;\n\
         \t};\n\
         \tevent.header := struct {\n\
         \t\tuint16_t id;\n\
         \t\tuint64_clock_local_t timestamp;\n\
         \t};\n\
         \tevent.context := struct {\n\
         \t\tint32_t _tid;\n\
         \t};\n\
         };\n",
    );
    for format in catalog.iter() {
        let _ = write!(
            m,
            "\nevent {{\n\tname = {};\n\tid = {};\n",
            quote(&format.name()),
            format.id
        );
        if !format.fields.is_empty() {
            m.push_str("\tfields := struct {\n");
            for (name, ty) in &format.fields {
                let _ = match *ty {
                    FieldType::Chars(n) => writeln!(m, "\t\trtrace_char_t _{name}[{n}];"),
                    FieldType::Str(_) => writeln!(m, "\t\tstring _{name};"),
                    FieldType::Bytes(_) => writeln!(
                        m,
                        "\t\tuint16_t _{name}_length;\n\t\trtrace_byte_t _{name}[_{name}_length];"
                    ),
                    ty if sched::is_prev_state(format, name) => {
                        writeln!(m, "\t\t{} _{name};", prev_state_enum(int_type(ty)))
                    }
                    ty => writeln!(m, "\t\t{} _{name};", int_type(ty)),
                };
            }
            m.push_str("\t};\n");
        }
        m.push_str("};\n");
    }
    m
}

/// Appends the CTF encoding of one marker event to `out`, with the timestamp `ts`.
fn write_event(out: &mut Vec<u8>, event: &Event<'_>, ts: u64) -> Result<()> {
    let Kind::Marker { format, payload } = event.kind else {
        return Ok(());
    };
    out.extend(event.header.id.to_le_bytes());
    out.extend(ts.to_le_bytes());
    out.extend(event.tid().to_le_bytes());
    let fields = format.field_list();
    for (i, field) in fields.iter().enumerate() {
        let v = record::decode(&fields, payload, i)
            .map_err(|e| anyhow!("{} record: {e:?}", format.name()))?;
        let size = field.ty.fixed_size();
        match (field.ty, v) {
            (_, Value::U(n)) => out.extend(&n.to_le_bytes()[..size]),
            (_, Value::I(n)) => out.extend(&n.to_le_bytes()[..size]),
            (_, Value::Bool(b)) => out.push(u8::from(b)),
            (FieldType::Chars(n), Value::Chars(s)) => {
                let start = out.len();
                out.extend(s);
                out.resize(start + usize::from(n), 0);
            }
            (_, Value::Str(s)) => {
                out.extend(s.iter().take_while(|&&c| c != 0));
                out.push(0);
            }
            (_, Value::Bytes(b)) => {
                // At most DYNAMIC_MAX (4096) bytes: fits.
                out.extend((b.len() as u16).to_le_bytes());
                out.extend(b);
            }
            (_, Value::Chars(_)) => unreachable!("decode gives Chars for Chars fields only"),
        }
    }
    Ok(())
}

/// A packet being built.
struct Packet {
    begin: u64,
    end: u64,
    discarded: u64,
    events: Vec<u8>,
}

impl Packet {
    fn new(begin: u64, discarded: u64) -> Self {
        Self {
            begin,
            end: begin,
            discarded,
            events: Vec::new(),
        }
    }

    /// Writes the packet to `out`.
    fn finish(&self, uuid: &uuid::Uuid, cpu: u32, out: &mut impl Write) -> std::io::Result<()> {
        let bits = ((PACKET_HEADER_LEN + self.events.len()) * 8) as u64;
        let mut header = Vec::with_capacity(PACKET_HEADER_LEN);
        header.extend(MAGIC.to_le_bytes());
        header.extend(uuid.as_bytes());
        header.extend(self.begin.to_le_bytes());
        header.extend(self.end.to_le_bytes());
        header.extend(bits.to_le_bytes());
        header.extend(bits.to_le_bytes());
        header.extend(self.discarded.to_le_bytes());
        header.extend(cpu.to_le_bytes());
        out.write_all(&header)?;
        out.write_all(&self.events)
    }
}

/// Writes one CPU's stream, packet by packet, from its events given in stream order.
/// Timestamps never decrease in it: an event earlier than the one before it gets that one's
/// timestamp.
struct StreamWriter<'a, W: Write> {
    uuid: &'a uuid::Uuid,
    cpu: u32,
    out: W,
    /// The packet being built, from the first event on.
    packet: Option<Packet>,
    last: u64,
    discarded: u64,
    buf: Vec<u8>,
}

impl<'a, W: Write> StreamWriter<'a, W> {
    fn new(uuid: &'a uuid::Uuid, cpu: u32, out: W) -> Self {
        Self {
            uuid,
            cpu,
            out,
            packet: None,
            last: 0,
            discarded: 0,
            buf: Vec::new(),
        }
    }

    fn push(&mut self, event: &Event<'_>) -> Result<()> {
        let ts = match self.packet {
            Some(_) => event.header.ts.max(self.last),
            None => event.header.ts,
        };
        self.last = ts;
        let packet = self.packet.get_or_insert_with(|| Packet::new(ts, 0));
        match event.kind {
            Kind::Lost(count) => {
                packet.finish(self.uuid, self.cpu, &mut self.out)?;
                self.discarded = self.discarded.saturating_add(count);
                *packet = Packet::new(ts, self.discarded);
            }
            Kind::Marker { .. } => {
                self.buf.clear();
                write_event(&mut self.buf, event, ts)?;
                let full = PACKET_HEADER_LEN + packet.events.len() + self.buf.len() > PACKET_MAX;
                if full && !packet.events.is_empty() {
                    packet.finish(self.uuid, self.cpu, &mut self.out)?;
                    *packet = Packet::new(ts, self.discarded);
                }
                packet.events.extend(&self.buf);
                packet.end = ts;
            }
        }
        Ok(())
    }

    /// Writes the last packet.
    fn finish(mut self) -> Result<()> {
        if let Some(packet) = &self.packet {
            packet.finish(self.uuid, self.cpu, &mut self.out)?;
        }
        self.out.flush()?;
        Ok(())
    }
}

/// Writes the trace of `rec` into the directory `out`: the metadata, then each CPU's stream
/// (those with records).
fn write_trace(rec: &Recording, dir: &Path, out: &Path, cpus: &[u32]) -> Result<()> {
    let info = TraceInfo {
        uuid: rec.meta.trace_uuid(),
        name: &Meta::trace_name(dir),
        kernel_release: &rec.meta.kernel_release,
        clock: rec.meta.clock,
    };
    let path = out.join("metadata");
    fs::write(&path, metadata(&rec.catalog, &info)).map_err(|e| ToolError::output(&path, e))?;
    for s in rec.streams.iter().filter(|s| cpus.contains(&s.cpu)) {
        let path = out.join(format!("stream_{}", s.cpu));
        let file = File::create_new(&path).map_err(|e| ToolError::output(&path, e))?;
        let mut w = StreamWriter::new(&info.uuid, s.cpu, BufWriter::new(file));
        rec.for_each_cpu_event(s, |e| w.push(e))
            .and_then(|_| w.finish())
            .map_err(|e| match e.downcast::<std::io::Error>() {
                Ok(io) => ToolError::output(&path, io).into(),
                Err(e) => e,
            })?;
    }
    Ok(())
}

/// Writes the CTF export of the recording in `dir` to the new directory `out`.
pub fn run(dir: &Path, out: &Path) -> Result<()> {
    let rec = Recording::open(dir)?;
    // Every record is checked before the output is created; a CPU without records gets no
    // stream.
    let cpus: Vec<u32> = rec
        .check()?
        .into_iter()
        .filter(|(_, s)| s.first_ts.is_some())
        .map(|(cpu, _)| cpu)
        .collect();
    if out.exists() {
        return Err(ToolError::OutputExists(out.to_owned()).into());
    }
    fs::create_dir(out).map_err(|e| ToolError::output(out, e))?;
    if let Err(e) = write_trace(&rec, dir, out, &cpus) {
        // Best effort: the error to report is the write's.
        let _ = fs::remove_dir_all(out);
        return Err(e);
    }
    Ok(())
}
