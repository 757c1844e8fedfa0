// SPDX-License-Identifier: GPL-2.0

//! `rtrace export --format ctf`: a CTF 1.8 trace that babeltrace2 reads.
//!
//! The output directory holds a TSDL `metadata` file and one binary stream file per CPU
//! (`stream_N`) of packets of at most [`PACKET_MAX`] bytes (unless one event is larger). Every
//! integer type is declared with `align = 8`, so the binary layout is packed and little-endian:
//!
//! * packet header: `magic` (u32, 0xC1FC1FC1);
//! * packet context: `timestamp_begin`, `timestamp_end` (u64, clock `monotonic`),
//!   `content_size`, `packet_size` (u64, in bits), `events_discarded` (u64), `cpu_id` (u32);
//! * event header: `id` (u16, the marker id), `timestamp` (u64, clock `monotonic`);
//! * event context: `pid` (s32);
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
//! A CPU's timestamps can go slightly backwards: a record written by an interrupt that nests in
//! another writer's reservation can carry an earlier time than the record before it in the
//! stream. CTF readers reject a clock that decreases within a stream, so an event's CTF
//! timestamp is the largest of its CPU's so far (the report and the JSON export keep the real
//! values).

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use anyhow::{anyhow, Result};
use rtrace::record::{self, FieldType, Value};

use crate::error::ToolError;
use crate::formats::Catalog;
use crate::recording::{Event, Kind, Recording};

/// The largest packet, unless a single event needs more.
pub const PACKET_MAX: usize = 64 * 1024;

/// The CTF packet magic.
const MAGIC: u32 = 0xC1FC_1FC1;

/// Bytes of the packet header and context.
const PACKET_HEADER_LEN: usize = 4 + 5 * 8 + 4;

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

/// The TSDL metadata of a trace of `catalog`'s markers.
pub fn metadata(catalog: &Catalog, kernel_release: &str) -> String {
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
         trace {\n\
         \tmajor = 1;\n\
         \tminor = 8;\n\
         \tbyte_order = le;\n\
         \tpacket.header := struct {\n\
         \t\tuint32_t magic;\n\
         \t};\n\
         };\n\n",
    );
    let _ = write!(
        m,
        "env {{\n\ttracer_name = \"rtrace\";\n\tkernel_release = {};\n}};\n\n",
        quote(kernel_release)
    );
    m.push_str(
        "clock {\n\
         \tname = \"monotonic\";\n\
         \tdescription = \"local_clock() of the traced kernel\";\n\
         \tfreq = 1000000000;\n\
         \tprecision = 1;\n\
         \toffset_s = 0;\n\
         \toffset = 0;\n\
         \tabsolute = FALSE;\n\
         };\n\n\
         typealias integer { size = 64; align = 8; signed = false; \
         map = clock.monotonic.value; } := uint64_clock_monotonic_t;\n\n\
         stream {\n\
         \tpacket.context := struct {\n\
         \t\tuint64_clock_monotonic_t timestamp_begin;\n\
         \t\tuint64_clock_monotonic_t timestamp_end;\n\
         \t\tuint64_t content_size;\n\
         \t\tuint64_t packet_size;\n\
         \t\tuint64_t events_discarded;\n\
         \t\tuint32_t cpu_id;\n\
         \t};\n\
         \tevent.header := struct {\n\
         \t\tuint16_t id;\n\
         \t\tuint64_clock_monotonic_t timestamp;\n\
         \t};\n\
         \tevent.context := struct {\n\
         \t\tint32_t _pid;\n\
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
    out.extend(event.header.pid.to_le_bytes());
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

    /// Appends the packet to `out`.
    fn finish(&self, cpu: u32, out: &mut Vec<u8>) {
        let bits = ((PACKET_HEADER_LEN + self.events.len()) * 8) as u64;
        out.extend(MAGIC.to_le_bytes());
        out.extend(self.begin.to_le_bytes());
        out.extend(self.end.to_le_bytes());
        out.extend(bits.to_le_bytes());
        out.extend(bits.to_le_bytes());
        out.extend(self.discarded.to_le_bytes());
        out.extend(cpu.to_le_bytes());
        out.extend(&self.events);
    }
}

/// The stream file of one CPU's events (in stream order). Timestamps never decrease in it: an
/// event earlier than the one before it gets that one's timestamp.
pub fn stream(cpu: u32, events: &[Event<'_>]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut last = events.first().map_or(0, |e| e.header.ts);
    let mut packet = Packet::new(last, 0);
    let mut discarded = 0u64;
    let mut buf = Vec::new();
    for event in events {
        let ts = event.header.ts.max(last);
        last = ts;
        match event.kind {
            Kind::Lost(count) => {
                packet.finish(cpu, &mut out);
                discarded = discarded.saturating_add(count);
                packet = Packet::new(ts, discarded);
            }
            Kind::Marker { .. } => {
                buf.clear();
                write_event(&mut buf, event, ts)?;
                let full = PACKET_HEADER_LEN + packet.events.len() + buf.len() > PACKET_MAX;
                if full && !packet.events.is_empty() {
                    packet.finish(cpu, &mut out);
                    packet = Packet::new(ts, discarded);
                }
                packet.events.extend(&buf);
                packet.end = ts;
            }
        }
    }
    packet.finish(cpu, &mut out);
    Ok(out)
}

/// Writes the CTF export of the recording in `dir` to the new directory `out`.
pub fn run(dir: &Path, out: &Path) -> Result<()> {
    let rec = Recording::open(dir)?;
    let per_cpu = rec.all_cpu_events()?;
    if out.exists() {
        return Err(ToolError::OutputExists(out.to_owned()).into());
    }
    fs::create_dir(out).map_err(|e| ToolError::output(out, e))?;
    let write = |name: &str, bytes: &[u8]| -> Result<()> {
        let path = out.join(name);
        fs::write(&path, bytes).map_err(|e| ToolError::output(&path, e).into())
    };
    write(
        "metadata",
        metadata(&rec.catalog, &rec.meta.kernel_release).as_bytes(),
    )?;
    for (s, events) in rec.streams.iter().zip(&per_cpu) {
        write(&format!("stream_{}", s.cpu), &stream(s.cpu, events)?)?;
    }
    Ok(())
}
