// SPDX-License-Identifier: GPL-2.0

//! The recording directory that `rtrace record` writes and the other commands read:
//!
//! ```text
//! DIR/meta.json                       Meta: cpus, times, kernel release, counts
//! DIR/markers/<sub>/<event>/format    every marker's format file, as debugfs shows it
//! DIR/markers/<sub>/<event>/id        and its id
//! DIR/saved_cmdlines                  `pid comm` lines (optional; older kernels' tracer)
//! DIR/cpuN.raw                        CPU N's trace_pipe_raw stream, byte for byte
//! ```
//!
//! The streams are sinks/ring/ring_record.rs's format: each record's task (pid, tgid, comm) and full
//! time come from the context and time-extend records before it, decoded by the library's
//! `Records` (carried from one chunk of a file to the next by its `Decoder`).

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, VecDeque};
use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::decode::{self, Entry, Header, Records};
use crate::error::ToolError;
use crate::formats::{Catalog, MarkerFormat};
use rtrace::ring_record::Decoder;

/// The version of the layout that [`Meta::format_version`] names.
pub const FORMAT_VERSION: u32 = 2;

/// The name of the metadata file.
pub const META: &str = "meta.json";

/// The directory of marker formats.
pub const MARKERS: &str = "markers";

/// The saved command lines.
pub const CMDLINES: &str = "saved_cmdlines";

/// The stream file of `cpu`.
pub fn cpu_file(cpu: u32) -> String {
    format!("cpu{cpu}.raw")
}

/// The trace clock (the kernel's `local_clock()`) and the wall clock (`CLOCK_REALTIME`), read
/// together by the kernel (the ring's `clock` file) when the recording started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockPair {
    /// Nanoseconds of the trace clock, the records' timestamps.
    pub trace_ns: u64,
    /// Nanoseconds since the Unix epoch at the same instant.
    pub realtime_ns: u64,
}

impl ClockPair {
    /// Parses the ring's `clock` file: `<trace_ns> <realtime_ns>`.
    pub fn parse(text: &str) -> Option<Self> {
        let mut words = text.split_whitespace();
        let pair = Self {
            trace_ns: words.next()?.parse().ok()?,
            realtime_ns: words.next()?.parse().ok()?,
        };
        words.next().is_none().then_some(pair)
    }

    /// The trace clock's reading at the Unix epoch: the offset that turns trace-clock times
    /// into wall-clock times (negative when the trace clock is ahead, which it is not on a
    /// machine whose clock is set).
    pub fn epoch_offset(&self) -> i128 {
        i128::from(self.realtime_ns) - i128::from(self.trace_ns)
    }
}

/// Counts of one CPU's stream.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CpuCounts {
    /// The CPU.
    pub cpu: u32,
    /// Records of markers.
    pub events: u64,
    /// Records lost, summed over the lost-events notices.
    pub lost: u64,
    /// Bytes of the stream.
    pub bytes: u64,
}

/// `meta.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    /// [`FORMAT_VERSION`].
    pub format_version: u32,
    /// The version of the tool that recorded.
    #[serde(default)]
    pub tool_version: String,
    /// `uname -r` of the recording machine.
    #[serde(default)]
    pub kernel_release: String,
    /// The CPUs with a stream file, ascending.
    pub cpus: Vec<u32>,
    /// Wall-clock start, nanoseconds since the Unix epoch.
    #[serde(default)]
    pub start_unix_ns: u64,
    /// Wall-clock end, nanoseconds since the Unix epoch.
    #[serde(default)]
    pub end_unix_ns: u64,
    /// The patterns `-e` enabled for the recording.
    #[serde(default)]
    pub patterns: Vec<String>,
    /// Marker records, all CPUs.
    #[serde(default)]
    pub events: u64,
    /// Lost records, all CPUs.
    #[serde(default)]
    pub lost: u64,
    /// Per CPU.
    #[serde(default)]
    pub per_cpu: Vec<CpuCounts>,
    /// The clocks at the start, when the kernel gave them (`None`: the trace clock's relation to
    /// real time is unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock: Option<ClockPair>,
    /// The recording's UUID (`None` in recordings older than the field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
}

impl Meta {
    /// The recording's UUID: the recorded one, else one derived from what identifies the
    /// recording (so that every export of it names the same trace).
    pub fn trace_uuid(&self) -> uuid::Uuid {
        if let Some(u) = self
            .uuid
            .as_deref()
            .and_then(|u| uuid::Uuid::parse_str(u).ok())
        {
            return u;
        }
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.start_unix_ns.to_le_bytes());
        bytes[8..].copy_from_slice(&self.end_unix_ns.to_le_bytes());
        uuid::Builder::from_custom_bytes(bytes).into_uuid()
    }

    /// A name for the trace: the recording directory's name.
    pub fn trace_name(dir: &Path) -> String {
        match dir.file_name() {
            Some(name) => name.to_string_lossy().into_owned(),
            None => "rtrace".to_owned(),
        }
    }
}

/// What a record is.
#[derive(Debug, Clone, Copy)]
pub enum Kind<'a> {
    /// A marker's record.
    Marker {
        /// The marker.
        format: &'a MarkerFormat,
        /// Its record.
        payload: &'a [u8],
    },
    /// A lost-events notice with its count.
    Lost(u64),
}

/// A record of a recording, checked to decode.
#[derive(Debug, Clone, Copy)]
pub struct Event<'a> {
    /// The CPU it was recorded on.
    pub cpu: u32,
    /// Its header.
    pub header: Header,
    /// What it is.
    pub kind: Kind<'a>,
}

impl Event<'_> {
    /// The thread (kernel `pid`) that was running when the record was written.
    pub fn tid(&self) -> i32 {
        self.header.pid
    }

    /// Its thread group (the process, kernel `tgid`), from the stream's context records; the
    /// thread stands for its group where none told it (a notice, a stream's start).
    pub fn tgid(&self) -> i32 {
        if self.header.tgid > 0 {
            self.header.tgid
        } else {
            self.header.pid
        }
    }
}

/// One CPU's stream file, read as it is used (never whole).
#[derive(Debug, Clone)]
pub struct CpuStream {
    /// The CPU.
    pub cpu: u32,
    /// The file.
    pub path: PathBuf,
}

/// A record read from a stream, with its own copy of the payload.
#[derive(Debug, Clone)]
pub struct OwnedEvent<'r> {
    cpu: u32,
    header: Header,
    /// The marker, `None` for a lost-events notice.
    format: Option<&'r MarkerFormat>,
    /// The payload, or the lost count of a notice.
    payload: Vec<u8>,
    lost: u64,
}

impl OwnedEvent<'_> {
    /// The record as the readers take it.
    pub fn event(&self) -> Event<'_> {
        Event {
            cpu: self.cpu,
            header: self.header,
            kind: match self.format {
                Some(format) => Kind::Marker {
                    format,
                    payload: &self.payload,
                },
                None => Kind::Lost(self.lost),
            },
        }
    }
}

/// Bytes read from a stream file at a time: what a reader holds, with the records decoded from
/// one read (their payloads copied), whatever the file's size.
pub const READ_CHUNK: usize = 256 * 1024;

/// Reads one CPU's stream file in chunks, checking each record (a known id whose payload
/// decodes), in stream order.
pub struct CpuReader<'r> {
    rec: &'r Recording,
    stream: &'r CpuStream,
    file: File,
    /// Bytes read and not yet decoded; `buf[0]` is at `offset` in the file.
    buf: Vec<u8>,
    offset: u64,
    eof: bool,
    /// Records decoded and not yet taken.
    queue: VecDeque<OwnedEvent<'r>>,
    /// The time and task that the records decoded so far leave for the next chunk.
    decoder: Decoder,
}

impl<'r> CpuReader<'r> {
    /// Opens the stream of `stream`, a stream of `rec`.
    pub fn new(rec: &'r Recording, stream: &'r CpuStream) -> Result<Self> {
        let file = File::open(&stream.path)
            .map_err(|e| ToolError::malformed(&stream.path, e.to_string()))?;
        Ok(Self {
            rec,
            stream,
            file,
            buf: Vec::new(),
            offset: 0,
            eof: false,
            queue: VecDeque::new(),
            decoder: Decoder::new(),
        })
    }

    /// The next record, `None` at the end of the stream.
    pub fn next_event(&mut self) -> Result<Option<OwnedEvent<'r>>> {
        loop {
            if let Some(e) = self.queue.pop_front() {
                return Ok(Some(e));
            }
            if self.eof && self.buf.is_empty() {
                return Ok(None);
            }
            self.fill()?;
        }
    }

    /// Reads a chunk more and decodes the whole records it completes.
    fn fill(&mut self) -> Result<()> {
        let path = &self.stream.path;
        if !self.eof {
            let start = self.buf.len();
            self.buf.resize(start + READ_CHUNK, 0);
            let n = loop {
                match self.file.read(&mut self.buf[start..]) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(ToolError::malformed(path, e.to_string()).into()),
                }
            };
            self.buf.truncate(start + n);
            self.eof = n == 0;
        }
        let mut records = Records::with_decoder(&self.buf, self.decoder);
        loop {
            let at = self.offset + records.consumed() as u64;
            let bad =
                |reason: String| ToolError::malformed(path, format!("at byte {at}: {reason}"));
            let Some((header, payload)) = records.next() else {
                match records.error() {
                    // The rest of the record is in the next chunk.
                    Some(decode::StreamError::Truncated) if !self.eof => break,
                    Some(e) => return Err(bad(decode::reason(e).to_owned()).into()),
                    None => break,
                }
            };
            let entry = Entry::new(header, payload);
            let header = entry.header();
            let event = match entry {
                Entry::Lost { count, .. } => OwnedEvent {
                    cpu: self.stream.cpu,
                    header,
                    format: None,
                    payload: Vec::new(),
                    lost: count,
                },
                Entry::Event { payload, .. } => {
                    let format = self
                        .rec
                        .catalog
                        .get(u32::from(header.id))
                        .ok_or_else(|| bad(format!("unknown marker id {}", header.id)))?;
                    let fields = format.field_list();
                    for i in 0..fields.len() {
                        rtrace::marker::record::decode(&fields, payload, i).map_err(|e| {
                            bad(format!("{} record does not decode: {e:?}", format.name()))
                        })?;
                    }
                    OwnedEvent {
                        cpu: self.stream.cpu,
                        header,
                        format: Some(format),
                        payload: payload.to_vec(),
                        lost: 0,
                    }
                }
            };
            self.queue.push_back(event);
        }
        let consumed = records.consumed();
        self.decoder = records.decoder();
        self.buf.drain(..consumed);
        self.offset += consumed as u64;
        Ok(())
    }
}

/// What a pass over a CPU's records found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CpuSummary {
    /// Marker records.
    pub events: u64,
    /// Records lost, summed over the notices.
    pub lost: u64,
    /// The first and the last timestamp, of any record (`None` for an empty stream).
    pub first_ts: Option<u64>,
    /// The last.
    pub last_ts: Option<u64>,
}

/// A recording: its metadata and markers in memory, its streams read as they are used.
#[derive(Debug, Clone)]
pub struct Recording {
    /// `meta.json`.
    pub meta: Meta,
    /// The markers.
    pub catalog: Catalog,
    /// Command names by pid: `saved_cmdlines` if the recording has it, and the last name the
    /// streams' context records give each pid.
    pub cmdlines: BTreeMap<i32, String>,
    /// The streams, by ascending CPU.
    pub streams: Vec<CpuStream>,
}

/// Parses `saved_cmdlines` text: `pid comm` lines; others are ignored.
pub fn parse_cmdlines(text: &str) -> BTreeMap<i32, String> {
    text.lines()
        .filter_map(|line| {
            let (pid, comm) = line.trim_start().split_once(' ')?;
            Some((pid.parse().ok()?, comm.trim_end().to_owned()))
        })
        .collect()
}

impl Recording {
    /// Reads the recording in `dir`; anything not as `rtrace record` writes it is
    /// [`ToolError::Malformed`].
    pub fn open(dir: &Path) -> Result<Self> {
        if !dir.is_dir() {
            return Err(ToolError::malformed(dir, "not a directory").into());
        }
        let meta_path = dir.join(META);
        let text = fs::read_to_string(&meta_path).map_err(|e| {
            ToolError::malformed(&meta_path, format!("{e} (not made by `rtrace record`?)"))
        })?;
        let meta: Meta = serde_json::from_str(&text)
            .map_err(|e| ToolError::malformed(&meta_path, e.to_string()))?;
        if meta.format_version != FORMAT_VERSION {
            return Err(ToolError::malformed(
                &meta_path,
                format!(
                    "format_version {} (this tool reads {FORMAT_VERSION})",
                    meta.format_version
                ),
            )
            .into());
        }
        let markers = dir.join(MARKERS);
        let read = |p: &Path| -> Result<String> {
            fs::read_to_string(p).map_err(|e| ToolError::malformed(p, e.to_string()).into())
        };
        let catalog =
            Catalog::load(&markers, &read).map_err(|e| match e.downcast::<ToolError>() {
                Ok(t) => t,
                Err(e) => ToolError::malformed(&markers, format!("{e:#}")),
            })?;
        let cmdlines = match fs::read_to_string(dir.join(CMDLINES)) {
            Ok(text) => parse_cmdlines(&text),
            Err(_) => BTreeMap::new(),
        };
        let mut cpus = meta.cpus.clone();
        cpus.sort_unstable();
        cpus.dedup();
        let mut streams = Vec::new();
        for cpu in cpus {
            let path = dir.join(cpu_file(cpu));
            fs::metadata(&path).map_err(|e| ToolError::malformed(&path, e.to_string()))?;
            streams.push(CpuStream { cpu, path });
        }
        let mut rec = Self {
            meta,
            catalog,
            cmdlines,
            streams,
        };
        rec.cmdlines.extend(rec.context_names());
        Ok(rec)
    }

    /// The last name the streams' context records give each task (read chunk by chunk; a stream
    /// that does not decode is reported by the commands that read its records).
    fn context_names(&self) -> BTreeMap<i32, String> {
        let mut names = BTreeMap::new();
        for stream in &self.streams {
            let Ok(mut reader) = CpuReader::new(self, stream) else {
                continue;
            };
            while let Ok(Some(e)) = reader.next_event() {
                let comm = e.header.comm();
                if e.header.pid > 0 && !comm.is_empty() {
                    names.insert(e.header.pid, String::from_utf8_lossy(comm).into_owned());
                }
            }
        }
        names
    }

    /// Calls `f` with each record of `stream`, in stream order, each checked.
    pub fn for_each_cpu_event(
        &self,
        stream: &CpuStream,
        mut f: impl FnMut(&Event<'_>) -> Result<()>,
    ) -> Result<CpuSummary> {
        let mut reader = CpuReader::new(self, stream)?;
        let mut summary = CpuSummary::default();
        while let Some(owned) = reader.next_event()? {
            let event = owned.event();
            summary.add(&event);
            f(&event)?;
        }
        Ok(summary)
    }

    /// Reads every record once, checking it: the summary of each CPU's stream, by CPU. Exports
    /// call it before they create their output.
    pub fn check(&self) -> Result<BTreeMap<u32, CpuSummary>> {
        self.streams
            .iter()
            .map(|s| Ok((s.cpu, self.for_each_cpu_event(s, |_| Ok(()))?)))
            .collect()
    }

    /// Calls `f` with every record, all CPUs merged by timestamp: each CPU's order is kept, and
    /// of records with equal timestamps on different CPUs the lower CPU's comes first. One
    /// record per CPU is held at a time.
    pub fn for_each_merged(&self, mut f: impl FnMut(&Event<'_>) -> Result<()>) -> Result<()> {
        let mut readers = self
            .streams
            .iter()
            .map(|s| CpuReader::new(self, s))
            .collect::<Result<Vec<_>>>()?;
        let mut heads = Vec::with_capacity(readers.len());
        // (timestamp, index of the stream): ties go to the lower index, the lower CPU.
        let mut heap = BinaryHeap::new();
        for (i, r) in readers.iter_mut().enumerate() {
            let head = r.next_event()?;
            if let Some(e) = &head {
                heap.push(Reverse((e.header.ts, i)));
            }
            heads.push(head);
        }
        while let Some(Reverse((_, i))) = heap.pop() {
            if let Some(e) = heads[i].take() {
                f(&e.event())?;
            }
            heads[i] = readers[i].next_event()?;
            if let Some(e) = &heads[i] {
                heap.push(Reverse((e.header.ts, i)));
            }
        }
        Ok(())
    }

    /// The command name of `pid` as ftrace writes it: `<idle>` for pid 0 (every CPU's idle
    /// task), else from `saved_cmdlines`, else `<...>`.
    pub fn comm(&self, pid: i32) -> &str {
        crate::sched::task_name(pid, self.cmdlines.get(&pid).map(String::as_str))
    }
}

impl CpuSummary {
    /// Counts `event`.
    fn add(&mut self, event: &Event<'_>) {
        match event.kind {
            Kind::Lost(count) => self.lost = self.lost.saturating_add(count),
            Kind::Marker { .. } => self.events += 1,
        }
        let ts = event.header.ts;
        self.first_ts.get_or_insert(ts);
        self.last_ts = Some(self.last_ts.map_or(ts, |t| t.max(ts)));
    }
}

/// Creates the export file `out`, which must not exist yet.
pub fn create_output(out: &Path) -> Result<File> {
    File::create_new(out).map_err(|e| {
        match e.kind() {
            std::io::ErrorKind::AlreadyExists => ToolError::OutputExists(out.to_owned()),
            _ => ToolError::output(out, e),
        }
        .into()
    })
}

/// Removes the export file `out` after a failed write, and gives the write's error (as an output
/// error where it is an I/O one).
pub fn discard_output(out: &Path, e: anyhow::Error) -> anyhow::Error {
    // Best effort: the error to report is the write's.
    let _ = fs::remove_file(out);
    match e.downcast::<std::io::Error>() {
        Ok(io) => ToolError::output(out, io).into(),
        Err(e) => e,
    }
}

/// Creates the output directory `dir`, which must not exist yet (its parent must).
pub fn create_output_dir(dir: &Path) -> Result<()> {
    if dir.exists() {
        return Err(ToolError::OutputExists(dir.to_owned()).into());
    }
    fs::create_dir(dir).map_err(|e| ToolError::output(dir, e))?;
    Ok(())
}

/// Writes `meta` as `DIR/meta.json`.
pub fn write_meta(dir: &Path, meta: &Meta) -> Result<()> {
    let path = dir.join(META);
    let text = serde_json::to_string_pretty(meta).context("serializing meta.json")?;
    fs::write(&path, text + "\n").map_err(|e| ToolError::output(&path, e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    use rtrace::ring_record::{
        write_context, write_lost, write_record, Context, CONTEXT_RECORD, HEADER_LEN,
    };

    /// A recording of `streams` (records of marker 1, without fields, or lost notices) in a
    /// new directory.
    fn recording(dir: &Path, streams: &[Vec<u8>]) -> Recording {
        let sub = dir.join(MARKERS).join("s").join("e");
        fs::create_dir_all(&sub).unwrap();
        fs::write(sub.join("format"), "name: e\nID: 1\nformat:\n").unwrap();
        let cpus: Vec<u32> = (0..streams.len() as u32).collect();
        for (cpu, s) in cpus.iter().zip(streams) {
            fs::write(dir.join(cpu_file(*cpu)), s).unwrap();
        }
        let meta = Meta {
            format_version: FORMAT_VERSION,
            cpus,
            ..Default::default()
        };
        write_meta(dir, &meta).unwrap();
        Recording::open(dir).unwrap()
    }

    /// A stream of records of marker 1 at `(ts, pid)`, a lost notice where pid is -1.
    fn stream(records: &[(u64, i32)]) -> Vec<u8> {
        let mut s = vec![0u8; 64 * records.len()];
        let mut at = 0;
        for &(ts, pid) in records {
            at += match pid {
                -1 => write_lost(&mut s[at..], ts, 7).unwrap(),
                pid => {
                    let ctx = Context {
                        pid,
                        tgid: pid,
                        comm: [0; 16],
                    };
                    let c = write_context(&mut s[at..], ts, &ctx);
                    c + write_record(&mut s[at + c..], ts, 1, b"").unwrap()
                }
            };
        }
        s.truncate(at);
        s
    }

    #[test]
    fn merge_is_stable() {
        let tmp = tempfile::tempdir().unwrap();
        let tmp = tmp.path();
        let rec = recording(
            tmp,
            &[
                stream(&[(5, 1), (5, 2), (9, 3)]),
                stream(&[(1, 4), (5, 5), (3, 6), (4, -1)]),
            ],
        );
        let mut pids = Vec::new();
        rec.for_each_merged(|e| {
            pids.push(e.tid());
            Ok(())
        })
        .unwrap();
        // CPU 1's 3 after its 5: each CPU's order is kept.
        assert_eq!(pids, [4, 1, 2, 5, 6, 0, 3]);
        let summary = rec.check().unwrap();
        assert_eq!(
            summary[&1],
            CpuSummary {
                events: 3,
                lost: 7,
                first_ts: Some(1),
                last_ts: Some(5)
            }
        );
    }

    #[test]
    fn records_across_chunks() {
        // More than two chunks of records, each of 48 bytes (a context record of 40, the
        // marker's of 8): records straddle the chunks, and the task crosses them in the decoder.
        let per = CONTEXT_RECORD + HEADER_LEN;
        let n = 3 * READ_CHUNK / per + 5;
        let records: Vec<(u64, i32)> = (0..n as u64).map(|i| (i, (i % 1000) as i32)).collect();
        let tmp = tempfile::tempdir().unwrap();
        let tmp = tmp.path();
        let mut s = stream(&records);
        // A cut record at the end is an error, with its offset.
        s.extend_from_slice(&[1, 2, 3]);
        let rec = recording(tmp, &[s]);
        let mut got = Vec::new();
        let err = rec
            .for_each_cpu_event(&rec.streams[0], |e| {
                got.push((e.header.ts, e.tid()));
                Ok(())
            })
            .unwrap_err();
        assert_eq!(got, records);
        assert!(
            format!("{err:#}").contains(&format!("at byte {}: truncated record", per * n)),
            "{err:#}"
        );
    }

    #[test]
    fn cmdlines_parse() {
        let map = parse_cmdlines("1 init\n42 my prog\nbad\n");
        assert_eq!(map.get(&42).map(String::as_str), Some("my prog"));
        assert_eq!(map.len(), 2);
    }
}
