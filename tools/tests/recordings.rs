// SPDX-License-Identifier: GPL-2.0

//! Report, JSON and CTF export of recordings through the built binary: a synthetic recording
//! (exact report text), and every recording directory under tools/tests/data/ (recordings from
//! the real kernel), each checked against the test's own reading of the streams.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use rtrace::record::{FieldType, Value};

/// Text as the tracer line writes it: bytes that are not printable ASCII, and `\`, as `\xNN`.
fn line_text(b: &[u8]) -> String {
    b.iter()
        .map(|&c| {
            if (0x20..=0x7e).contains(&c) && c != b'\\' {
                char::from(c).to_string()
            } else {
                format!("\\x{c:02x}")
            }
        })
        .collect()
}

/// The spec's text line of a record.
fn expected_line(r: &Rec, cmdlines: &BTreeMap<i32, String>) -> String {
    let Some(name) = &r.name else {
        return format!("CPU:{} [LOST {} EVENTS]", r.cpu, r.lost);
    };
    // As the tracer: `<idle>` for pid 0, the context record's name, the saved name.
    let comm = match cmdlines.get(&r.pid) {
        _ if r.pid == 0 => "<idle>".into(),
        _ if !r.comm.is_empty() => line_text(&r.comm),
        Some(c) => line_text(c.as_bytes()),
        None => "<...>".into(),
    };
    let fields: Vec<String> = r
        .fields
        .iter()
        .map(|(n, v)| {
            let v = match v {
                V::U(x) => x.to_string(),
                V::I(x) => x.to_string(),
                V::Bool(b) => u8::from(*b).to_string(),
                V::Text(t) => line_text(t),
                V::Bytes(b) => {
                    let hex: Vec<String> = b.iter().map(|c| format!("{c:02x}")).collect();
                    format!("{{{}}}", hex.join(","))
                }
            };
            format!("{n}={v}")
        })
        .collect();
    format!(
        "{comm:>16}-{:<7} [{:03}] {:5}.{:06}: {name}: {}",
        r.pid,
        r.cpu,
        r.ts / 1_000_000_000,
        r.ts % 1_000_000_000 / 1000,
        fields.join(" ")
    )
}

/// A string as babeltrace2's pretty output quotes it.
fn bt_string(b: &[u8]) -> String {
    let s = String::from_utf8_lossy(b);
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_ascii_control() => out.push_str(&format!("\\x{:02x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// babeltrace2's `--clock-cycles --no-delta` line of a marker record, without the `[ts] `.
fn expected_bt_line(r: &Rec) -> String {
    let name = r.name.as_ref().unwrap();
    let mut fields = Vec::new();
    for (n, v) in &r.fields {
        match v {
            V::U(x) => fields.push(format!("{n} = {x}")),
            V::I(x) => fields.push(format!("{n} = {x}")),
            V::Bool(b) => fields.push(format!("{n} = {}", u8::from(*b))),
            // CTF strings end at a NUL, as char arrays do already.
            V::Text(t) => {
                let end = t.iter().position(|&c| c == 0).unwrap_or(t.len());
                fields.push(format!("{n} = {}", bt_string(&t[..end])));
            }
            V::Bytes(b) => {
                fields.push(format!("{n}_length = {}", b.len()));
                let items: Vec<String> = b
                    .iter()
                    .enumerate()
                    .map(|(i, c)| format!("[{i}] = 0x{c:X}"))
                    .collect();
                if items.is_empty() {
                    fields.push(format!("{n} = [ ]"));
                } else {
                    fields.push(format!("{n} = [ {} ]", items.join(", ")));
                }
            }
        }
    }
    let mut line = format!("{name}: {{ cpu_id = {} }}, {{ pid = {} }}", r.cpu, r.pid);
    if !fields.is_empty() {
        line.push_str(&format!(", {{ {} }}", fields.join(", ")));
    }
    line
}

/// Parses a `[00000000001000000500] rest` line.
fn split_bt_line(line: &str) -> (u64, &str) {
    let (ts, rest) = line
        .strip_prefix('[')
        .and_then(|l| l.split_once("] "))
        .unwrap_or_else(|| panic!("babeltrace2 line {line:?}"));
    (ts.parse().unwrap(), rest)
}

/// The cpu_id of a babeltrace2 line.
fn bt_cpu(rest: &str) -> u32 {
    let at = rest.find("{ cpu_id = ").unwrap() + "{ cpu_id = ".len();
    rest[at..].split(' ').next().unwrap().parse().unwrap()
}

/// Checks the report against the test's own rendering; returns the report.
fn check_report(dir: &Path, merged: &[Rec]) -> String {
    let text = ok(rtrace().arg("report").arg(dir));
    let cmdlines = fs::read_to_string(dir.join("saved_cmdlines"))
        .map(|t| {
            t.lines()
                .filter_map(|l| {
                    let (p, c) = l.trim_start().split_once(' ')?;
                    Some((p.parse().ok()?, c.trim_end().to_owned()))
                })
                .collect()
        })
        .unwrap_or_default();
    let expected: String = merged
        .iter()
        .map(|r| expected_line(r, &cmdlines) + "\n")
        .collect();
    assert_eq!(text, expected, "report of {}", dir.display());
    text
}

/// Checks the JSON export: one instant event per record, in merged order, right ts/pid/args.
fn check_json(dir: &Path, out: &Path, merged: &[Rec]) {
    ok(rtrace()
        .args(["export", "--format", "json", "-o"])
        .arg(out)
        .arg(dir));
    let doc: serde_json::Value = serde_json::from_str(&fs::read_to_string(out).unwrap()).unwrap();
    assert_eq!(doc["displayTimeUnit"], "ns");
    let events = doc["traceEvents"].as_array().unwrap();
    let instants: Vec<&serde_json::Value> = events.iter().filter(|e| e["ph"] == "i").collect();
    assert_eq!(instants.len(), merged.len());
    for (e, r) in instants.iter().zip(merged) {
        assert_eq!(e["s"], "t");
        assert_eq!(e["pid"], r.pid);
        assert_eq!(e["tid"], r.pid);
        let ts = e["ts"].as_f64().unwrap();
        assert_eq!((ts * 1000.0).round() as u64, r.ts, "{e}");
        match &r.name {
            None => {
                assert_eq!(e["name"], "rtrace:lost");
                assert_eq!(e["args"]["count"], r.lost);
            }
            Some(name) => {
                assert_eq!(e["name"], name.as_str());
                let args = e["args"].as_object().unwrap();
                assert_eq!(args.len(), r.fields.len());
                for (n, v) in &r.fields {
                    let got = &args[n];
                    match v {
                        V::U(x) => assert_eq!(got.as_u64(), Some(*x)),
                        V::I(x) => assert_eq!(got.as_i64(), Some(*x)),
                        V::Bool(b) => assert_eq!(got.as_bool(), Some(*b)),
                        V::Text(t) => {
                            if let Ok(s) = std::str::from_utf8(t) {
                                assert_eq!(got.as_str(), Some(s));
                            }
                        }
                        V::Bytes(b) => {
                            let got: Vec<u8> = got
                                .as_array()
                                .unwrap()
                                .iter()
                                .map(|x| x.as_u64().unwrap() as u8)
                                .collect();
                            assert_eq!(&got, b);
                        }
                    }
                }
            }
        }
    }
    let pids: Vec<i32> = merged.iter().map(|r| r.pid).collect();
    for m in events.iter().filter(|e| e["ph"] == "M") {
        assert_eq!(m["name"], "thread_name");
        assert!(pids.contains(&(m["pid"].as_i64().unwrap() as i32)));
        assert!(m["args"]["name"].is_string());
    }
}

/// Checks the CTF export with babeltrace2: every marker record, with its fields, in each CPU's
/// order; the lost counts as discarded events.
fn check_ctf(dir: &Path, out: &Path, per_cpu: &[Vec<Rec>]) {
    ok(rtrace()
        .args(["export", "--format", "ctf", "-o"])
        .arg(out)
        .arg(dir));
    let meta = fs::read_to_string(out.join("metadata")).unwrap();
    assert!(meta.starts_with("/* CTF 1.8 */\n"));
    let Some(bt) = babeltrace2() else { return };
    let o = run(Command::new(bt)
        .args(["--clock-cycles", "--no-delta"])
        .arg(out));
    assert!(o.status.success(), "babeltrace2: {}", stderr(&o));
    let text = stdout(&o);
    let mut got: BTreeMap<u32, Vec<(u64, String)>> = BTreeMap::new();
    for line in text.lines() {
        let (ts, rest) = split_bt_line(line);
        got.entry(bt_cpu(rest))
            .or_default()
            .push((ts, rest.to_owned()));
    }
    let mut discarded: BTreeMap<u32, u64> = BTreeMap::new();
    for line in stderr(&o).lines() {
        let Some(rest) = line.split("Tracer discarded ").nth(1) else {
            continue;
        };
        let count: u64 = rest.split(' ').next().unwrap().parse().unwrap();
        let cpu: u32 = line
            .split("/stream_")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        *discarded.entry(cpu).or_default() += count;
    }
    let cpus = cpus(dir);
    for (cpu, recs) in cpus.iter().zip(per_cpu) {
        // The CTF clock of a CPU never goes back: an earlier record gets the time before it.
        let mut last = 0;
        let expected: Vec<(u64, String)> = recs
            .iter()
            .map(|r| {
                last = r.ts.max(last);
                (last, r)
            })
            .filter(|(_, r)| r.name.is_some())
            .map(|(ts, r)| (ts, expected_bt_line(r)))
            .collect();
        let got = got.remove(cpu).unwrap_or_default();
        if let Some(i) = (0..got.len().max(expected.len())).find(|&i| got.get(i) != expected.get(i))
        {
            panic!(
                "CPU {cpu} of {}: babeltrace2 event {i} of {} is\n{:?}\nexpected {} events, event {i} is\n{:?}",
                dir.display(),
                got.len(),
                got.get(i),
                expected.len(),
                expected.get(i)
            );
        }
        let lost: u64 = recs.iter().map(|r| r.lost).sum();
        assert_eq!(discarded.get(cpu).copied().unwrap_or(0), lost, "CPU {cpu}");
    }
    assert!(got.is_empty(), "events of unknown CPUs: {got:?}");
}

/// Every check of one recording directory; returns the report text.
fn check_recording(dir: &Path, scratch: &Path) -> String {
    let per_cpu = read_recording(dir);
    let merged = merge(&per_cpu);
    let report = check_report(dir, &merged);
    check_json(dir, &scratch.join("trace.json"), &merged);
    check_ctf(dir, &scratch.join("ctf"), &per_cpu);
    report
}

#[test]
fn synthetic_recording_reports_and_exports() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("rec");
    let (streams, cmdlines) = synthetic_streams();
    write_recording(&dir, &markers(), cmdlines, &streams);
    let report = check_recording(&dir, tmp.path());
    assert_eq!(
        report,
        "            bash-42      [000]     1.000000: sched:sched_switch: prev_comm=bash \
         prev_pid=42 prev_state=1 next_comm=swapper/0 next_pid=0\n     kworker/1:0-7       \
         [001]     1.000000: sample:all_types: a=0 b=1 c=2 d=3 e=4 g=5 h=6 i=7 flag=0 \
         name=a much  path= data={}\n     kworker/1:0-7       [001]     1.000001: \
         sched:sched_switch: prev_comm=kworker/1:0 prev_pid=7 prev_state=0 next_comm=my prog \
         next_pid=1234\nCPU:1 [LOST 1 EVENTS]\nCPU:1 [LOST 2 EVENTS]\n          <idle>-0       \
         [000]     1.000002: sample:all_types: a=255 b=65535 c=4000000000 \
         d=18446744073709551615 e=-128 g=-2 h=-2147483648 i=-9223372036854775808 flag=1 \
         name=seven77 path=/usr/bin/env data={0a,ff}\nCPU:0 [LOST 3 EVENTS]\n     \
         kworker/1:0-7       [000]     2.500000: sample:empty: \n         my prog-1234    \
         [001]   123.000000: sched:sched_switch: prev_comm=my prog prev_pid=1234 \
         prev_state=-1 next_comm=bash next_pid=42\n"
    );
}

#[test]
fn many_events_span_packets_and_odd_text_survives() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("rec");
    let m = markers();
    let path_marker = Marker {
        subsystem: "fs",
        event: "open",
        id: 9,
        fields: vec![
            rtrace::record::Field {
                name: "path",
                ty: FieldType::Str(4096),
            },
            rtrace::record::Field {
                name: "flags",
                ty: FieldType::U32,
            },
        ],
    };
    let mut cpu0 = Vec::new();
    let long = vec![b'x'; 400];
    for i in 0..200u64 {
        let path: &[u8] = if i % 50 == 7 {
            b"tab\there \"quoted\" back\\slash \x01"
        } else {
            &long
        };
        push_event(
            &mut cpu0,
            10_000 + i * 1000,
            i as i32,
            &path_marker,
            &[Value::Str(path), Value::U(i)],
        );
        if i % 60 == 59 {
            push_lost(&mut cpu0, 10_000 + i * 1000 + 500, i);
        }
    }
    // CPU 1 recorded nothing; CPU 2 only a lost notice.
    let mut cpu2 = Vec::new();
    push_lost(&mut cpu2, 5, 11);
    let mut all = m.clone();
    all.push(path_marker);
    write_recording(&dir, &all, "", &[cpu0, Vec::new(), cpu2]);
    check_recording(&dir, tmp.path());
    // 200 events of over 400 bytes cannot fit one 64 KiB packet.
    let stream = fs::read(tmp.path().join("ctf/stream_0")).unwrap();
    assert!(stream.len() > 65536);
}

/// A record written by an interrupt nesting in another writer's reservation can be earlier
/// than the record before it on its CPU: the report keeps the real times, the CTF export (whose
/// reader rejects a decreasing clock) clamps it to the time before.
#[test]
fn timestamps_going_back_on_a_cpu() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("rec");
    let m = markers();
    let empty = &m[2];
    let mut cpu0 = Vec::new();
    for (ts, pid) in [
        (2_000_000, 1),
        (1_500_000, 2),
        (1_900_000, 3),
        (3_000_000, 4),
    ] {
        push_event(&mut cpu0, ts, pid, empty, &[]);
    }
    push_lost(&mut cpu0, 2_500_000, 1);
    write_recording(&dir, &m, "", &[cpu0]);
    let report = check_recording(&dir, tmp.path());
    assert!(report.contains("-2       [000]     0.001500: sample:empty: \n"));
    let Some(bt) = babeltrace2() else { return };
    let o = run(Command::new(bt)
        .args(["--clock-cycles", "--no-delta"])
        .arg(tmp.path().join("ctf")));
    let times: Vec<u64> = stdout(&o).lines().map(|l| split_bt_line(l).0).collect();
    assert_eq!(times, [2_000_000, 2_000_000, 2_000_000, 3_000_000]);
}

#[test]
fn empty_recording() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("rec");
    write_recording(&dir, &[], "", &[Vec::new()]);
    assert_eq!(check_recording(&dir, tmp.path()), "");
}

/// The recordings under tools/tests/data/: each directory with a meta.json gets every check;
/// an `expected_report.txt` beside meta.json must equal the report exactly.
#[test]
fn recordings_in_tests_data() {
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let entries = fs::read_dir(&data).expect("tools/tests/data/ holds the real recordings");
    let mut dirs: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("meta.json").is_file())
        .collect();
    dirs.sort();
    assert!(
        !dirs.is_empty(),
        "no recording under tools/tests/data/: run scripts/make-test-recordings"
    );
    for dir in dirs {
        let tmp = tempfile::tempdir().unwrap();
        let report = check_recording(&dir, tmp.path());
        if let Ok(expected) = fs::read_to_string(dir.join("expected_report.txt")) {
            assert_eq!(report, expected, "{}", dir.display());
        }
    }
}
