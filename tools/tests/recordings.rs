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
use rtrace::marker::record::{FieldType, Value};

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

/// ftrace's text of `sched:sched_switch`'s `prev_state`, from the kernel's `TP_printk`
/// (include/trace/events/sched.h): `__print_flags(state & (TASK_REPORT_MAX - 1))` with the
/// letters S D T t X Z P I, `R` when no bit is set, then `+` if `TASK_REPORT_MAX` (0x100) is.
fn ftrace_prev_state(name: &str, field: &str, v: &V) -> Option<String> {
    if name != "sched:sched_switch" || field != "prev_state" {
        return None;
    }
    let state = match v {
        V::U(x) => *x,
        V::I(x) => *x as u64,
        _ => return None,
    };
    let names = [
        (1, "S"),
        (2, "D"),
        (4, "T"),
        (8, "t"),
        (16, "X"),
        (32, "Z"),
        (64, "P"),
        (128, "I"),
    ];
    let set: Vec<&str> = names
        .iter()
        .filter(|(bit, _)| state & 0xff & bit != 0)
        .map(|(_, n)| *n)
        .collect();
    let mut text = if set.is_empty() {
        "R".to_owned()
    } else {
        set.join("|")
    };
    if state & 0x100 != 0 {
        text.push('+');
    }
    Some(text)
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
            if let Some(text) = ftrace_prev_state(name, n, v) {
                return format!("{n}={text}");
            }
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
        if let Some(text) = ftrace_prev_state(name, n, v) {
            // An enumeration: the label when the value has one.
            let x = match v {
                V::U(x) => x.to_string(),
                V::I(x) => x.to_string(),
                _ => unreachable!(),
            };
            let known = ["0", "1", "2", "4", "8", "16", "32", "64", "128", "256"];
            let label = if known.contains(&x.as_str()) {
                format!("\"{text}\"")
            } else {
                "<unknown>".to_owned()
            };
            fields.push(format!("{n} = ( {label} : container = {x} )"));
            continue;
        }
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
    let mut line = format!("{name}: {{ cpu_id = {} }}, {{ tid = {} }}", r.cpu, r.pid);
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
    let meta: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("meta.json")).unwrap()).unwrap();
    let offset = match meta.get("clock") {
        Some(c) => {
            let (t, r) = (
                c["trace_ns"].as_u64().unwrap(),
                c["realtime_ns"].as_u64().unwrap(),
            );
            (i128::from(r) - i128::from(t)).to_string()
        }
        None => "unknown".to_owned(),
    };
    assert_eq!(doc["otherData"]["trace_clock"], "local_clock");
    assert_eq!(
        doc["otherData"]["realtime_ns_at_trace_ns_0"],
        offset.as_str()
    );
    let events = doc["traceEvents"].as_array().unwrap();
    let instants: Vec<&serde_json::Value> = events.iter().filter(|e| e["ph"] == "i").collect();
    assert_eq!(instants.len(), merged.len());
    for (e, r) in instants.iter().zip(merged) {
        assert_eq!(e["s"], "t");
        if r.name.is_some() {
            // The thread, in its group (from the context records).
            assert_eq!(e["pid"], r.tgid);
            assert_eq!(e["tid"], r.pid);
        } else {
            // A lost-events notice is on its CPU's track.
            assert_eq!(e["pid"], 1 << 22);
            assert_eq!(e["tid"], (1 << 22) + 1 + r.cpu);
            assert_eq!(e["args"]["cpu"], r.cpu);
        }
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
                // In declaration order.
                let names: Vec<&String> = args.keys().collect();
                let declared: Vec<&String> = r.fields.iter().map(|(n, _)| n).collect();
                assert_eq!(names, declared);
                for (n, v) in &r.fields {
                    let got = &args[n];
                    if let Some(text) = ftrace_prev_state(name, n, v) {
                        assert_eq!(got.as_str(), Some(text.as_str()));
                        continue;
                    }
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
    let cpus = cpus(dir);
    for m in events.iter().filter(|e| e["ph"] == "M") {
        let (pid, tid) = (m["pid"].as_i64().unwrap(), m["tid"].as_i64().unwrap());
        if pid == 1 << 22 {
            let (what, name) = (&m["name"], &m["args"]["name"]);
            if tid == pid {
                assert_eq!(
                    (what.as_str(), name.as_str()),
                    (Some("process_name"), Some("CPUs"))
                );
            } else {
                let cpu = (tid - pid - 1) as u32;
                assert!(cpus.contains(&cpu));
                assert_eq!(what, "thread_name");
                assert_eq!(name.as_str(), Some(format!("CPU {cpu}").as_str()));
            }
            continue;
        }
        assert_eq!(m["name"], "thread_name");
        assert!(pids.contains(&(tid as i32)));
        if tid == 0 {
            assert_eq!(m["args"]["name"], "<idle>");
        }
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
    // A CPU without records has no stream: an empty packet would start the trace at 0.
    for (cpu, recs) in cpus(dir).iter().zip(per_cpu) {
        let stream = out.join(format!("stream_{cpu}"));
        assert_eq!(stream.is_file(), !recs.is_empty(), "{}", stream.display());
    }
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

/// A field value as the Perfetto export carries it: text cut at a NUL (`None` when not UTF-8,
/// which the export escapes), bool as 0/1, bytes as the text line writes them.
fn perfetto_value(v: &V) -> Option<serde_json::Value> {
    Some(match v {
        V::U(x) => serde_json::json!(x),
        V::I(x) => serde_json::json!(x),
        V::Bool(b) => serde_json::json!(u8::from(*b)),
        V::Text(t) => {
            let end = t.iter().position(|&c| c == 0).unwrap_or(t.len());
            serde_json::json!(std::str::from_utf8(&t[..end]).ok()?)
        }
        V::Bytes(b) => {
            let hex: Vec<String> = b.iter().map(|c| format!("{c:02x}")).collect();
            serde_json::json!(format!("{{{}}}", hex.join(",")))
        }
    })
}

/// Checks the Perfetto export, decoded with Perfetto's own schema: every event of each CPU in
/// stream order with its time, pid and every field; the lost counts; threads and processes;
/// the clock snapshot.
fn check_perfetto(dir: &Path, out: &Path, per_cpu: &[Vec<Rec>]) {
    ok(rtrace()
        .args(["export", "--format", "perfetto", "-o"])
        .arg(out)
        .arg(dir));
    let Some(python) = perfetto_python() else {
        return;
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/perfetto_decode.py");
    let text = ok(Command::new(python).arg(script).arg(out));
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let of = |kind: &str| -> Vec<&serde_json::Value> {
        lines.iter().filter(|l| l["kind"] == kind).collect()
    };
    let meta: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("meta.json")).unwrap()).unwrap();
    let cpus = cpus(dir);
    let mut seen_pids = std::collections::BTreeSet::new();
    // The names of saved_cmdlines (a recording of an older tracer), then the last name the
    // context records give each task, stream by stream, as the tool takes them.
    let mut names: BTreeMap<i64, String> = fs::read_to_string(dir.join("saved_cmdlines"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let (p, c) = l.trim_start().split_once(' ')?;
            Some((p.parse().ok()?, c.trim_end().to_owned()))
        })
        .collect();
    for (cpu, recs) in cpus.iter().zip(per_cpu) {
        let got: Vec<&serde_json::Value> = of("event")
            .into_iter()
            .filter(|e| e["cpu"] == *cpu)
            .collect();
        let expected: Vec<&Rec> = recs.iter().filter(|r| r.name.is_some()).collect();
        assert_eq!(got.len(), expected.len(), "CPU {cpu} of {}", dir.display());
        for (e, r) in got.iter().zip(&expected) {
            let what = format!("CPU {cpu} of {}: {e} for {r:?}", dir.display());
            assert_eq!(e["ts"], r.ts, "{what}");
            assert_eq!(e["pid"], r.pid, "{what}");
            assert_eq!(e["name"], r.name.as_deref().unwrap(), "{what}");
            seen_pids.insert((i64::from(r.pid), i64::from(r.tgid)));
            if r.pid > 0 && !r.comm.is_empty() {
                names.insert(
                    i64::from(r.pid),
                    String::from_utf8_lossy(&r.comm).into_owned(),
                );
            }
            let fields = e["fields"].as_object().unwrap();
            for (n, v) in &r.fields {
                if let Some(v) = perfetto_value(v) {
                    assert_eq!(fields.get(n), Some(&v), "{n}: {what}");
                }
            }
            // Nothing else, but the exiting task's thread group.
            for n in fields.keys() {
                if !r.fields.iter().any(|(m, _)| m == n) {
                    assert_eq!(
                        (n.as_str(), &fields[n]),
                        ("tgid", &serde_json::json!(r.tgid))
                    );
                }
            }
        }
        let lost: u64 = recs.iter().map(|r| r.lost).sum();
        let end = of("stats")
            .into_iter()
            .find(|s| s["phase"] == "END_OF_TRACE" && s["cpu"] == *cpu)
            .unwrap_or_else(|| panic!("no end stats for CPU {cpu}"));
        assert_eq!(end["overrun"], lost, "CPU {cpu}");
        assert_eq!(end["entries"], expected.len(), "CPU {cpu}");
        let notices = recs.iter().filter(|r| r.name.is_none()).count();
        let marked = of("lost_bundle")
            .iter()
            .filter(|b| b["cpu"] == *cpu)
            .count();
        assert!(
            marked <= notices && (marked > 0) == (notices > 0),
            "CPU {cpu}"
        );
    }
    // Every thread that ran (but the idle task), named from the context records, in its group.
    let threads = of("thread");
    let got: Vec<(i64, i64)> = threads
        .iter()
        .map(|t| (t["tid"].as_i64().unwrap(), t["tgid"].as_i64().unwrap()))
        .collect();
    let expected: Vec<(i64, i64)> = seen_pids.iter().copied().filter(|&(p, _)| p > 0).collect();
    assert_eq!(got, expected);
    for t in &threads {
        let (tid, tgid) = (t["tid"].as_i64().unwrap(), t["tgid"].as_i64().unwrap());
        assert_eq!(t["name"], names.get(&tid).map_or("", String::as_str));
        assert!(of("process").iter().any(|p| p["pid"] == tgid));
    }
    // The clocks, when the recording has them.
    let clocks = of("clock");
    match meta.get("clock") {
        Some(c) => {
            assert_eq!(clocks.len(), 2);
            assert_eq!(
                (&clocks[0]["id"], &clocks[0]["ts"]),
                (&6.into(), &c["trace_ns"])
            );
            assert_eq!(
                (&clocks[1]["id"], &clocks[1]["ts"]),
                (&1.into(), &c["realtime_ns"])
            );
        }
        None => assert!(clocks.is_empty()),
    }
    let system = of("system");
    assert_eq!(system.len(), 1);
    assert_eq!(system[0]["sysname"], "Linux");
    assert_eq!(of("uuid").len(), 1);
}

/// Every check of one recording directory; returns the report text.
fn check_recording(dir: &Path, scratch: &Path) -> String {
    let per_cpu = read_recording(dir);
    let merged = merge(&per_cpu);
    let report = check_report(dir, &merged);
    check_json(dir, &scratch.join("trace.json"), &merged);
    check_ctf(dir, &scratch.join("ctf"), &per_cpu);
    check_perfetto(dir, &scratch.join("trace.pftrace"), &per_cpu);
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
         prev_pid=42 prev_state=S next_comm=swapper/0 next_pid=0\n     kworker/1:0-7       \
         [001]     1.000000: sample:all_types: a=0 b=1 c=2 d=3 e=4 g=5 h=6 i=7 flag=0 \
         name=a much  path= data={}\n     kworker/1:0-7       [001]     1.000001: \
         sched:sched_switch: prev_comm=kworker/1:0 prev_pid=7 prev_state=R next_comm=my prog \
         next_pid=1234\nCPU:1 [LOST 1 EVENTS]\nCPU:1 [LOST 2 EVENTS]\n          <idle>-0       \
         [000]     1.000002: sample:all_types: a=255 b=65535 c=4000000000 \
         d=18446744073709551615 e=-128 g=-2 h=-2147483648 i=-9223372036854775808 flag=1 \
         name=seven77 path=/usr/bin/env data={0a,ff}\nCPU:0 [LOST 3 EVENTS]\n     \
         kworker/1:0-7       [000]     2.500000: sample:empty: \n         my prog-1234    \
         [001]   123.000000: sched:sched_switch: prev_comm=my prog prev_pid=1234 \
         prev_state=S|D|T|t|X|Z|P|I+ next_comm=bash next_pid=42\n"
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
            rtrace::marker::record::Field {
                name: "path",
                ty: FieldType::Str(4096),
            },
            rtrace::marker::record::Field {
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

#[test]
fn real_clock_and_uuid_in_the_exports() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("dated");
    let (streams, cmdlines) = synthetic_streams();
    write_recording(&dir, &markers(), cmdlines, &streams);
    // The synthetic records are at 1 s to 123 s of the trace clock; the kernel read trace clock
    // 0.5 s beside 2026-12-01 12:00:00 UTC.
    let realtime_ns: u64 = 1_796_126_400_000_000_000;
    let uuid = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9";
    let mut meta: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("meta.json")).unwrap()).unwrap();
    meta["clock"] = serde_json::json!({ "trace_ns": 500_000_000u64, "realtime_ns": realtime_ns });
    meta["uuid"] = serde_json::json!(uuid);
    fs::write(dir.join("meta.json"), meta.to_string()).unwrap();
    let per_cpu = read_recording(&dir);
    check_recording(&dir, tmp.path());

    let ctf = tmp.path().join("ctf");
    let metadata = fs::read_to_string(ctf.join("metadata")).unwrap();
    assert!(
        metadata.contains(&format!("uuid = \"{uuid}\";")),
        "{metadata}"
    );
    assert!(metadata.contains("name = \"local_clock\";"));
    assert!(metadata.contains("offset_s = 1796126399;\n\toffset = 500000000;"));
    assert!(metadata.contains("absolute = TRUE;"));
    assert!(metadata.contains("trace_name = \"dated\";"));
    if let Some(bt) = babeltrace2() {
        let o = run(Command::new(bt)
            .args(["--clock-date", "--clock-gmt", "--no-delta"])
            .arg(&ctf));
        assert!(o.status.success(), "{}", stderr(&o));
        // The first record, at 1.0000005 s of the trace clock: 0.5000005 s after the pair.
        let first = stdout(&o).lines().next().unwrap().to_owned();
        assert!(
            first.starts_with("[2026-12-01 12:00:00.500000500] "),
            "{first}"
        );
    }
    assert_eq!(per_cpu.len(), 2);
}

/// A marker of the bridge's, for a synthetic recording: fields (name, type) in order.
fn bridge_marker(
    subsystem: &'static str,
    event: &'static str,
    id: u16,
    fields: &[(&'static str, FieldType)],
) -> Marker {
    Marker {
        subsystem,
        event,
        id,
        fields: fields
            .iter()
            .map(|&(name, ty)| rtrace::marker::record::Field { name, ty })
            .collect(),
    }
}

/// The bridge's events as the exports carry them: `sched:sched_waking` as `sched:sched_wakeup`
/// (the same text line, JSON and CTF events: every check of `check_recording`), and in the
/// Perfetto trace as Perfetto's own `SchedWakingFtraceEvent`, from which its UI draws the wakeup
/// arrows; `sched_migrate_task`, `softirq_entry` and `softirq_exit` as Perfetto's typed events
/// of those names; `raw_syscalls:*` as generic events.
#[test]
fn bridge_events_are_decoded_and_exported() {
    use FieldType as T;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("rec");
    let wake = [
        ("comm", T::Chars(16)),
        ("pid", T::I32),
        ("prio", T::I32),
        ("target_cpu", T::I32),
    ];
    let m = [
        bridge_marker("sched", "sched_waking", 1, &wake),
        bridge_marker("sched", "sched_wakeup", 2, &wake),
        bridge_marker(
            "sched",
            "sched_migrate_task",
            3,
            &[
                ("comm", T::Chars(16)),
                ("pid", T::I32),
                ("prio", T::I32),
                ("orig_cpu", T::I32),
                ("dest_cpu", T::I32),
            ],
        ),
        bridge_marker("irq", "softirq_entry", 4, &[("vec", T::U32)]),
        bridge_marker("irq", "softirq_exit", 5, &[("vec", T::U32)]),
        bridge_marker(
            "raw_syscalls",
            "sys_exit",
            6,
            &[("id", T::I64), ("ret", T::I64)],
        ),
    ];
    let woken = [
        Value::Chars(b"sleep"),
        Value::I(99),
        Value::I(120),
        Value::I(1),
    ];
    let mut cpu0 = Vec::new();
    push_event(&mut cpu0, 1_000_000_000, 42, &m[0], &woken);
    push_event(&mut cpu0, 1_000_000_700, 42, &m[1], &woken);
    push_event(
        &mut cpu0,
        1_000_001_000,
        42,
        &m[2],
        &[
            Value::Chars(b"sleep"),
            Value::I(99),
            Value::I(120),
            Value::I(0),
            Value::I(1),
        ],
    );
    push_event(&mut cpu0, 1_000_002_000, 0, &m[3], &[Value::U(9)]);
    push_event(&mut cpu0, 1_000_003_000, 0, &m[4], &[Value::U(9)]);
    push_event(
        &mut cpu0,
        1_000_004_000,
        42,
        &m[5],
        &[Value::I(257), Value::I(-2)],
    );
    write_recording(&dir, &m, "42 bash\n", &[cpu0]);
    let report = check_recording(&dir, tmp.path());
    assert_eq!(
        report,
        concat!(
            "            bash-42      [000]     1.000000: sched:sched_waking: comm=sleep pid=99 ",
            "prio=120 target_cpu=1\n",
            "            bash-42      [000]     1.000000: sched:sched_wakeup: comm=sleep pid=99 ",
            "prio=120 target_cpu=1\n",
            "            bash-42      [000]     1.000001: sched:sched_migrate_task: comm=sleep ",
            "pid=99 prio=120 orig_cpu=0 dest_cpu=1\n",
            "          <idle>-0       [000]     1.000002: irq:softirq_entry: vec=9\n",
            "          <idle>-0       [000]     1.000003: irq:softirq_exit: vec=9\n",
            "            bash-42      [000]     1.000004: raw_syscalls:sys_exit: id=257 ret=-2\n",
        )
    );
    let Some(python) = perfetto_python() else {
        return;
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/perfetto_decode.py");
    let text = ok(Command::new(python)
        .arg(script)
        .arg(tmp.path().join("trace.pftrace")));
    let typed: Vec<String> = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|l| l["kind"] == "event")
        .map(|l| l["typed"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        typed,
        [
            "sched_waking",
            "sched_wakeup",
            "sched_migrate_task",
            "softirq_entry",
            "softirq_exit",
            "generic"
        ]
    );
}
