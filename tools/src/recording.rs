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
//! The streams are rust/ring_record.rs's format: each record's task (pid, tgid, comm) and full
//! time come from the context and time-extend records before it, decoded by the library's
//! `Records`.
//!
//! ```text
//! ```

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::decode::{self, Entry, Header, Records};
use crate::error::ToolError;
use crate::formats::{Catalog, MarkerFormat};

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

/// One CPU's stream file.
#[derive(Debug, Clone)]
pub struct CpuStream {
    /// The CPU.
    pub cpu: u32,
    /// The file.
    pub path: PathBuf,
    /// Its bytes.
    pub data: Vec<u8>,
}

/// A recording read into memory.
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
        let mut cmdlines = match fs::read_to_string(dir.join(CMDLINES)) {
            Ok(text) => parse_cmdlines(&text),
            Err(_) => BTreeMap::new(),
        };
        let mut cpus = meta.cpus.clone();
        cpus.sort_unstable();
        cpus.dedup();
        let mut streams = Vec::new();
        for cpu in cpus {
            let path = dir.join(cpu_file(cpu));
            let data = fs::read(&path).map_err(|e| ToolError::malformed(&path, e.to_string()))?;
            // The names the context records give (a stream that does not decode is reported by
            // the commands that read its records).
            for (header, _) in Records::new(&data) {
                if header.pid > 0 && !header.comm().is_empty() {
                    let comm = String::from_utf8_lossy(header.comm()).into_owned();
                    cmdlines.insert(header.pid, comm);
                }
            }
            streams.push(CpuStream { cpu, path, data });
        }
        Ok(Self {
            meta,
            catalog,
            cmdlines,
            streams,
        })
    }

    /// The records of `stream`, in stream order, each checked: a known id whose payload
    /// decodes.
    pub fn cpu_events<'a>(&'a self, stream: &'a CpuStream) -> Result<Vec<Event<'a>>> {
        let mut events = Vec::new();
        let mut records = Records::new(&stream.data);
        loop {
            let offset = records.consumed();
            let bad = |reason: String| {
                ToolError::malformed(&stream.path, format!("at byte {offset}: {reason}"))
            };
            let Some((header, payload)) = records.next() else {
                match records.error() {
                    Some(e) => return Err(bad(decode::reason(e).to_owned()).into()),
                    None => break,
                }
            };
            let entry = Entry::new(header, payload);
            let kind = match entry {
                Entry::Lost { count, .. } => Kind::Lost(count),
                Entry::Event { header, payload } => {
                    let format = self
                        .catalog
                        .get(u32::from(header.id))
                        .ok_or_else(|| bad(format!("unknown marker id {}", header.id)))?;
                    let fields = format.field_list();
                    for i in 0..fields.len() {
                        rtrace::record::decode(&fields, payload, i).map_err(|e| {
                            bad(format!("{} record does not decode: {e:?}", format.name()))
                        })?;
                    }
                    Kind::Marker { format, payload }
                }
            };
            events.push(Event {
                cpu: stream.cpu,
                header: entry.header(),
                kind,
            });
        }
        Ok(events)
    }

    /// Every CPU's records, by CPU.
    pub fn all_cpu_events(&self) -> Result<Vec<Vec<Event<'_>>>> {
        self.streams.iter().map(|s| self.cpu_events(s)).collect()
    }

    /// All records merged by timestamp: each CPU's order is kept, and of records with equal
    /// timestamps on different CPUs the lower CPU's comes first.
    pub fn merged(&self) -> Result<Vec<Event<'_>>> {
        Ok(merge(self.all_cpu_events()?))
    }

    /// The command name of `pid`: from [`Self::cmdlines`], else `<idle>` for pid 0 and
    /// `<...>` as ftrace writes.
    pub fn comm(&self, pid: i32) -> &str {
        match self.cmdlines.get(&pid) {
            Some(comm) => comm,
            None if pid == 0 => "<idle>",
            None => "<...>",
        }
    }

    /// The command name of the task of a record, as the tracer's text shows it: `<idle>` for
    /// pid 0 (every CPU's idle task), else the name its context record gave, else
    /// [`Self::comm`] of its pid.
    pub fn task_name_of_record<'a>(&'a self, header: &'a Header) -> &'a [u8] {
        match (header.pid, header.comm()) {
            (0, _) => b"<idle>",
            (pid, b"") => self.comm(pid).as_bytes(),
            (_, comm) => comm,
        }
    }
}

/// Merges per-CPU sequences (given by ascending CPU) by timestamp, stably.
pub fn merge(per_cpu: Vec<Vec<Event<'_>>>) -> Vec<Event<'_>> {
    let total = per_cpu.iter().map(Vec::len).sum();
    let mut out = Vec::with_capacity(total);
    let mut iters: Vec<_> = per_cpu
        .into_iter()
        .map(|v| v.into_iter().peekable())
        .collect();
    // (timestamp, index of the sequence): ties go to the lower index, the lower CPU.
    let mut heap = BinaryHeap::new();
    for (i, it) in iters.iter_mut().enumerate() {
        if let Some(e) = it.peek() {
            heap.push(Reverse((e.header.ts, i)));
        }
    }
    while let Some(Reverse((_, i))) = heap.pop() {
        if let Some(e) = iters[i].next() {
            out.push(e);
        }
        if let Some(e) = iters[i].peek() {
            heap.push(Reverse((e.header.ts, i)));
        }
    }
    out
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

    fn ev(cpu: u32, ts: u64, pid: i32) -> Event<'static> {
        Event {
            cpu,
            header: Header {
                ts,
                pid,
                tgid: pid,
                comm: [0; 16],
                id: 0,
                len: 16,
            },
            kind: Kind::Lost(0),
        }
    }

    #[test]
    fn merge_is_stable() {
        let merged = merge(vec![
            vec![ev(0, 5, 1), ev(0, 5, 2), ev(0, 9, 3)],
            vec![ev(1, 1, 4), ev(1, 5, 5), ev(1, 3, 6)],
        ]);
        let pids: Vec<i32> = merged.iter().map(|e| e.header.pid).collect();
        // CPU 1's 3 after its 5: each CPU's order is kept.
        assert_eq!(pids, [4, 1, 2, 5, 6, 3]);
    }

    #[test]
    fn cmdlines_parse() {
        let map = parse_cmdlines("1 init\n42 my prog\nbad\n");
        assert_eq!(map.get(&42).map(String::as_str), Some("my prog"));
        assert_eq!(map.len(), 2);
    }
}
