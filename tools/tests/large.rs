// SPDX-License-Identifier: GPL-2.0

//! Memory bounded whatever the recording's size: a synthetic recording of `RTRACE_LARGE_MIB`
//! MiB (40 by default; the figures in Documentation/tool.rst are of 1100 MiB, run with
//! `RTRACE_LARGE_MIB=1100 cargo test --release -p rtrace-tool --test large -- --nocapture`),
//! generated here in a temporary directory, is reported and exported to every format; each
//! run's peak RSS (`wait4`'s `ru_maxrss`) must stay under a fixed bound, far below the
//! recording's size.

mod common;

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::Command;

use common::*;
use rtrace::marker::record::{FieldType, Value};

/// The most a run may take, in KiB, whatever the recording's size.
const MAX_RSS_KIB: i64 = 24 * 1024;

/// Runs `cmd` to completion; returns its peak RSS in KiB.
fn peak_rss_kib(cmd: &mut Command) -> i64 {
    // Waited for by wait4() below, which gives its resource usage (std's wait does not).
    #[allow(clippy::zombie_processes)]
    let child = cmd.spawn().expect("running rtrace");
    let mut status = 0;
    // SAFETY: `rusage` is plain data, which zeroes make valid.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child, writing into the two locals.
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as i32);
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "{cmd:?}: status {status:#x}"
    );
    usage.ru_maxrss
}

/// Writes a recording of about `mib` MiB on 2 CPUs into `dir`: mostly 1 KiB records of a
/// marker with a string, a scheduler switch every 16 records, a lost notice every 10,000.
fn write_large(dir: &Path, mib: u64) -> (u64, u64) {
    let mut ms = markers();
    ms.push(Marker {
        subsystem: "big",
        event: "blob",
        id: 4,
        fields: vec![
            rtrace::marker::record::Field {
                name: "seq",
                ty: FieldType::U64,
            },
            rtrace::marker::record::Field {
                name: "text",
                ty: FieldType::Str(1024),
            },
        ],
    });
    write_recording(
        dir,
        &ms,
        "42 bash\n7 kworker/1:0\n",
        &[Vec::new(), Vec::new()],
    );
    let text = vec![b'x'; 1000];
    let (mut events, mut lost) = (0u64, 0u64);
    for cpu in 0..2u64 {
        let mut w = BufWriter::new(File::create(dir.join(format!("cpu{cpu}.raw"))).unwrap());
        let mut written = 0u64;
        let mut block = Vec::new();
        let mut i = 0u64;
        while written < mib * 1024 * 1024 / 2 {
            block.clear();
            for _ in 0..1024 {
                let ts = 1_000_000 + i * 1000 + cpu;
                if i.is_multiple_of(16) {
                    let values = [
                        Value::Chars(b"bash"),
                        Value::I(42),
                        Value::I(if i.is_multiple_of(32) { 0x100 } else { 1 }),
                        Value::Chars(b"kworker/1:0"),
                        Value::I(7),
                    ];
                    push_event(&mut block, ts, 42, &ms[0], &values);
                } else if i % 10_000 == 9_999 {
                    push_lost(&mut block, ts, 3);
                    lost += 3;
                    events -= 1;
                } else {
                    push_event(&mut block, ts, 7, &ms[3], &[Value::U(i), Value::Str(&text)]);
                }
                events += 1;
                i += 1;
            }
            w.write_all(&block).unwrap();
            written += block.len() as u64;
        }
        w.flush().unwrap();
    }
    (events, lost)
}

#[test]
fn exports_of_a_large_recording_use_bounded_memory() {
    let mib: u64 = std::env::var("RTRACE_LARGE_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("large");
    let (events, lost) = write_large(&dir, mib);
    let size: u64 = (0..2)
        .map(|cpu| {
            fs::metadata(dir.join(format!("cpu{cpu}.raw")))
                .unwrap()
                .len()
        })
        .sum();
    eprintln!(
        "recording: {} MiB, {events} events, {lost} lost",
        size >> 20
    );

    // The counts first: every record was read.
    let stat = ok(rtrace().args(["report", "--stat"]).arg(&dir));
    let total = stat.lines().last().unwrap().to_owned();
    let words: Vec<&str> = total.split_whitespace().collect();
    assert_eq!(words, ["total", &events.to_string(), &lost.to_string()]);

    let mut runs: Vec<(&str, Command)> = Vec::new();
    let mut report = rtrace();
    report
        .arg("report")
        .arg(&dir)
        .stdout(File::create("/dev/null").unwrap());
    runs.push(("report", report));
    for (format, out) in [
        ("json", "trace.json"),
        ("ctf", "ctf"),
        ("perfetto", "trace.pftrace"),
    ] {
        let mut cmd = rtrace();
        cmd.args(["export", "--format", format, "-o"])
            .arg(tmp.path().join(out))
            .arg(&dir);
        runs.push((format, cmd));
    }
    for (name, mut cmd) in runs {
        let start = std::time::Instant::now();
        let rss = peak_rss_kib(&mut cmd);
        eprintln!(
            "{name}: peak RSS {} MiB, {:.1} s",
            rss / 1024,
            start.elapsed().as_secs_f64()
        );
        assert!(
            rss < MAX_RSS_KIB,
            "{name}: peak RSS {rss} KiB for a {} MiB recording",
            size >> 20
        );
        // The output is not needed any more: the disk holds one at a time.
        for out in ["trace.json", "trace.pftrace"] {
            let _ = fs::remove_file(tmp.path().join(out));
        }
        let _ = fs::remove_dir_all(tmp.path().join("ctf"));
    }
}
