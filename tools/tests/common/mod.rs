// SPDX-License-Identifier: GPL-2.0

//! Helpers of the tool's integration tests: synthetic recordings and debugfs trees built with the
//! library's `record::write_format` and `record::encode`, an independent reader of recordings
//! (headers decoded here from the spec, payloads by `record::decode`), and running the binary.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rtrace::marker::record::{self, Field, FieldType, Value};

/// The built `rtrace` binary.
pub fn rtrace() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rtrace"));
    cmd.env_remove("RTRACE_DEBUGFS");
    cmd
}

/// Runs `cmd`, returning its output.
pub fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("running rtrace")
}

/// stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// Asserts success and returns stdout.
pub fn ok(cmd: &mut Command) -> String {
    let o = run(cmd);
    assert!(o.status.success(), "{cmd:?} failed: {}", stderr(&o));
    stdout(&o)
}

/// A marker of a synthetic tree.
#[derive(Debug, Clone)]
pub struct Marker {
    pub subsystem: &'static str,
    pub event: &'static str,
    pub id: u16,
    pub fields: Vec<Field<'static>>,
}

impl Marker {
    pub fn name(&self) -> String {
        format!("{}:{}", self.subsystem, self.event)
    }

    /// Writes `<dir>/<sub>/<event>/{format,id}`.
    pub fn write_files(&self, dir: &Path) {
        let d = dir.join(self.subsystem).join(self.event);
        fs::create_dir_all(&d).unwrap();
        let mut text = String::new();
        record::write_format(
            &mut text,
            self.subsystem,
            self.event,
            u32::from(self.id),
            &self.fields,
        )
        .unwrap();
        fs::write(d.join("format"), text).unwrap();
        fs::write(d.join("id"), format!("{}\n", self.id)).unwrap();
    }
}

const fn f(name: &'static str, ty: FieldType) -> Field<'static> {
    Field { name, ty }
}

/// The markers of the synthetic recordings.
pub fn markers() -> Vec<Marker> {
    use FieldType as T;
    vec![
        Marker {
            subsystem: "sched",
            event: "sched_switch",
            id: 1,
            fields: vec![
                f("prev_comm", T::Chars(16)),
                f("prev_pid", T::I32),
                f("prev_state", T::I64),
                f("next_comm", T::Chars(16)),
                f("next_pid", T::I32),
            ],
        },
        Marker {
            subsystem: "sample",
            event: "all_types",
            id: 2,
            fields: vec![
                f("a", T::U8),
                f("b", T::U16),
                f("c", T::U32),
                f("d", T::U64),
                f("e", T::I8),
                f("g", T::I16),
                f("h", T::I32),
                f("i", T::I64),
                f("flag", T::Bool),
                f("name", T::Chars(8)),
                f("path", T::Str(64)),
                f("data", T::Bytes(8)),
            ],
        },
        Marker {
            subsystem: "sample",
            event: "empty",
            id: 3,
            fields: vec![],
        },
    ]
}

/// Appends one raw record (8-byte header per the spec: id, length, low 32 bits of the time;
/// then payload, then padding to 4) to a stream.
pub fn push_raw(stream: &mut Vec<u8>, ts: u64, id: u16, payload: &[u8]) {
    stream.extend(id.to_le_bytes());
    stream.extend(u16::try_from(payload.len()).unwrap().to_le_bytes());
    stream.extend((ts as u32).to_le_bytes());
    stream.extend(payload);
    while !stream.len().is_multiple_of(4) {
        stream.push(0);
    }
}

/// Appends a context record (full time, pid, tgid, comm) to a stream.
pub fn push_context(stream: &mut Vec<u8>, ts: u64, pid: i32, comm: &[u8]) {
    let mut payload = Vec::new();
    payload.extend(ts.to_le_bytes());
    payload.extend(pid.to_le_bytes());
    payload.extend(pid.to_le_bytes());
    let mut name = [0u8; 16];
    name[..comm.len()].copy_from_slice(comm);
    payload.extend(name);
    push_raw(stream, ts, 0xffff, &payload);
}

/// Appends one marker record of task `pid` at time `ts`: a context record without a name (the
/// recording's saved_cmdlines names the task), then the record.
pub fn push_record(stream: &mut Vec<u8>, ts: u64, pid: i32, id: u16, payload: &[u8]) {
    push_context(stream, ts, pid, b"");
    push_raw(stream, ts, id, payload);
}

/// Appends a marker's record of `values`.
pub fn push_event(stream: &mut Vec<u8>, ts: u64, pid: i32, m: &Marker, values: &[Value<'_>]) {
    let mut buf = vec![0u8; record::max_size(&m.fields)];
    let len = record::encode(&m.fields, values, &mut buf).unwrap();
    push_record(stream, ts, pid, m.id, &buf[..len]);
}

/// Appends a lost-events notice (count and time).
pub fn push_lost(stream: &mut Vec<u8>, ts: u64, count: u64) {
    let mut payload = count.to_le_bytes().to_vec();
    payload.extend(ts.to_le_bytes());
    push_raw(stream, ts, 0, &payload);
}

/// Writes a recording directory: formats, `saved_cmdlines`, `cpuN.raw`, `meta.json`.
pub fn write_recording(dir: &Path, markers: &[Marker], cmdlines: &str, streams: &[Vec<u8>]) {
    fs::create_dir_all(dir.join("markers")).unwrap();
    for m in markers {
        m.write_files(&dir.join("markers"));
    }
    fs::write(dir.join("saved_cmdlines"), cmdlines).unwrap();
    for (cpu, s) in streams.iter().enumerate() {
        fs::write(dir.join(format!("cpu{cpu}.raw")), s).unwrap();
    }
    let meta = serde_json::json!({
        "format_version": 2,
        "kernel_release": "6.12.0-test",
        "cpus": (0..streams.len()).collect::<Vec<_>>(),
    });
    fs::write(dir.join("meta.json"), meta.to_string()).unwrap();
}

/// The synthetic recording's two CPU streams and its saved_cmdlines.
pub fn synthetic_streams() -> (Vec<Vec<u8>>, &'static str) {
    let m = markers();
    let (switch, all, empty) = (&m[0], &m[1], &m[2]);
    let mut cpu0 = Vec::new();
    let mut cpu1 = Vec::new();
    let sw = |prev: &'static [u8], pp, state, next: &'static [u8], np| {
        [
            Value::Chars(prev),
            Value::I(pp),
            Value::I(state),
            Value::Chars(next),
            Value::I(np),
        ]
    };
    push_event(
        &mut cpu0,
        1_000_000_500,
        42,
        switch,
        &sw(b"bash", 42, 1, b"swapper/0", 0),
    );
    push_event(
        &mut cpu0,
        1_000_002_000,
        0,
        all,
        &[
            Value::U(255),
            Value::U(65535),
            Value::U(4_000_000_000),
            Value::U(u64::MAX),
            Value::I(-128),
            Value::I(-2),
            Value::I(i64::from(i32::MIN)),
            Value::I(i64::MIN),
            Value::Bool(true),
            Value::Chars(b"seven77"),
            Value::Str(b"/usr/bin/env"),
            Value::Bytes(&[0x0a, 0xff]),
        ],
    );
    push_lost(&mut cpu0, 1_000_003_000, 3);
    push_event(&mut cpu0, 2_500_000_000, 7, empty, &[]);
    push_event(
        &mut cpu1,
        1_000_000_500,
        7,
        all,
        &[
            Value::U(0),
            Value::U(1),
            Value::U(2),
            Value::U(3),
            Value::I(4),
            Value::I(5),
            Value::I(6),
            Value::I(7),
            Value::Bool(false),
            Value::Chars(b"a much longer name"),
            Value::Str(b""),
            Value::Bytes(&[]),
        ],
    );
    push_event(
        &mut cpu1,
        1_000_001_000,
        7,
        switch,
        &sw(b"kworker/1:0", 7, 0, b"my prog", 1234),
    );
    push_lost(&mut cpu1, 1_000_001_100, 1);
    push_lost(&mut cpu1, 1_000_001_200, 2);
    push_event(
        &mut cpu1,
        123_000_000_000,
        1234,
        switch,
        &sw(b"my prog", 1234, -1, b"bash", 42),
    );
    (vec![cpu0, cpu1], "7 kworker/1:0\n42 bash\n1234 my prog\n")
}

/// A decoded value, for comparisons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum V {
    U(u64),
    I(i64),
    Bool(bool),
    Text(Vec<u8>),
    Bytes(Vec<u8>),
}

/// A record as the tests read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rec {
    pub cpu: u32,
    pub ts: u64,
    pub pid: i32,
    /// Its thread group, from its context record (0 for a notice).
    pub tgid: i32,
    /// The task's name its context record gives (empty if none).
    pub comm: Vec<u8>,
    /// `sub:event`, or `None` for a lost notice.
    pub name: Option<String>,
    /// The lost count of a notice.
    pub lost: u64,
    pub fields: Vec<(String, V)>,
}

/// A marker read back from a recording's `markers/` by the library's `parse_format_line`.
#[derive(Debug, Clone)]
pub struct Fmt {
    pub name: String,
    pub fields: Vec<(String, FieldType)>,
}

/// Reads the formats of a recording, by id.
pub fn read_formats(dir: &Path) -> BTreeMap<u16, Fmt> {
    let mut out = BTreeMap::new();
    for sub in fs::read_dir(dir.join("markers")).unwrap() {
        let sub = sub.unwrap();
        for ev in fs::read_dir(sub.path()).unwrap() {
            let ev = ev.unwrap();
            let text = fs::read_to_string(ev.path().join("format")).unwrap();
            let id: u16 = text
                .lines()
                .find_map(|l| l.strip_prefix("ID: "))
                .unwrap()
                .parse()
                .unwrap();
            let fields = text
                .lines()
                .filter_map(record::parse_format_line)
                .map(|(ty, name, _)| (name.to_owned(), ty))
                .collect();
            let name = format!(
                "{}:{}",
                sub.file_name().to_string_lossy(),
                ev.file_name().to_string_lossy()
            );
            out.insert(id, Fmt { name, fields });
        }
    }
    out
}

/// The CPUs of a recording (from its `cpuN.raw` files), ascending.
pub fn cpus(dir: &Path) -> Vec<u32> {
    let mut cpus: Vec<u32> = fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            name.strip_prefix("cpu")?.strip_suffix(".raw")?.parse().ok()
        })
        .collect();
    cpus.sort_unstable();
    cpus
}

/// Reads every CPU's records of a recording, in stream order.
pub fn read_recording(dir: &Path) -> Vec<Vec<Rec>> {
    let formats = read_formats(dir);
    cpus(dir)
        .into_iter()
        .map(|cpu| {
            let data = fs::read(dir.join(format!("cpu{cpu}.raw"))).unwrap();
            let mut at = 0;
            let mut recs = Vec::new();
            // What the context and time-extend records say: the full time, the task.
            let (mut full, mut pid, mut tgid, mut comm) = (0u64, -1i32, -1i32, Vec::new());
            let u64_at = |p: &[u8], i: usize| u64::from_le_bytes(p[i..i + 8].try_into().unwrap());
            while at < data.len() {
                let h = &data[at..at + 8];
                let id = u16::from_le_bytes(h[0..2].try_into().unwrap());
                let len = usize::from(u16::from_le_bytes(h[2..4].try_into().unwrap()));
                let lo = u64::from(u32::from_le_bytes(h[4..8].try_into().unwrap()));
                let payload = &data[at + 8..at + 8 + len];
                at += (8 + len).div_ceil(4) * 4;
                match id {
                    0xffff => {
                        assert_eq!(len, 32);
                        full = u64_at(payload, 0);
                        pid = i32::from_le_bytes(payload[8..12].try_into().unwrap());
                        tgid = i32::from_le_bytes(payload[12..16].try_into().unwrap());
                        let name = &payload[16..32];
                        comm = name[..name.iter().position(|&c| c == 0).unwrap_or(16)].to_vec();
                        continue;
                    }
                    0xfffe => {
                        assert_eq!(len, 8);
                        full = u64_at(payload, 0);
                        continue;
                    }
                    0 => {
                        assert_eq!(len, 16);
                        recs.push(Rec {
                            cpu,
                            ts: u64_at(payload, 8),
                            pid: 0,
                            tgid: 0,
                            comm: vec![],
                            name: None,
                            lost: u64_at(payload, 0),
                            fields: vec![],
                        });
                        continue;
                    }
                    _ => {}
                }
                let ts = (full & !0xffff_ffff) | lo;
                full = ts;
                let fmt = &formats[&id];
                let fields: Vec<Field<'_>> = fmt
                    .fields
                    .iter()
                    .map(|(name, ty)| Field { name, ty: *ty })
                    .collect();
                let values = (0..fields.len())
                    .map(|i| {
                        let v = match record::decode(&fields, payload, i).unwrap() {
                            Value::U(n) => V::U(n),
                            Value::I(n) => V::I(n),
                            Value::Bool(b) => V::Bool(b),
                            Value::Chars(s) | Value::Str(s) => V::Text(s.to_vec()),
                            Value::Bytes(b) => V::Bytes(b.to_vec()),
                        };
                        (fields[i].name.to_owned(), v)
                    })
                    .collect();
                recs.push(Rec {
                    cpu,
                    ts,
                    pid,
                    tgid,
                    comm: comm.clone(),
                    name: Some(fmt.name.clone()),
                    lost: 0,
                    fields: values,
                });
            }
            recs
        })
        .collect()
}

/// Merges per-CPU records by timestamp, keeping each CPU's order, lower CPU first on ties.
pub fn merge(per_cpu: &[Vec<Rec>]) -> Vec<Rec> {
    let mut idx = vec![0usize; per_cpu.len()];
    let mut out = Vec::new();
    loop {
        let next = (0..per_cpu.len())
            .filter(|&c| idx[c] < per_cpu[c].len())
            .min_by_key(|&c| (per_cpu[c][idx[c]].ts, c));
        let Some(c) = next else { break };
        out.push(per_cpu[c][idx[c]].clone());
        idx[c] += 1;
    }
    out
}

/// babeltrace2's path, or `None` when RTRACE_NO_BABELTRACE is set; missing otherwise fails.
pub fn babeltrace2() -> Option<PathBuf> {
    if std::env::var_os("RTRACE_NO_BABELTRACE").is_some() {
        return None;
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::split_paths(&path)
        .map(|d| d.join("babeltrace2"))
        .find(|p| p.is_file());
    assert!(
        found.is_some(),
        "babeltrace2 is not on PATH: install it (apt-get install babeltrace2; \
         scripts/bootstrap does) or set RTRACE_NO_BABELTRACE=1 to skip the CTF checks"
    );
    found
}

/// A Python that has Perfetto's schema (the `perfetto` and `protobuf` packages), or `None`
/// when RTRACE_NO_PERFETTO is set; one without it fails.
pub fn perfetto_python() -> Option<PathBuf> {
    if std::env::var_os("RTRACE_NO_PERFETTO").is_some() {
        return None;
    }
    let python = PathBuf::from(std::env::var_os("RTRACE_PYTHON").unwrap_or("python3".into()));
    let found = Command::new(&python)
        .args([
            "-c",
            "import perfetto.protos.perfetto.trace.perfetto_trace_pb2",
        ])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        found,
        "{} cannot import Perfetto's schema: `pip install perfetto protobuf` (scripts/bootstrap \
         does), point RTRACE_PYTHON at a Python that has them, or set RTRACE_NO_PERFETTO=1 to \
         skip the Perfetto checks",
        python.display()
    );
    Some(python)
}
