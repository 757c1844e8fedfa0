// SPDX-License-Identifier: GPL-2.0

//! The control commands and every error path, against fake debugfs trees of plain files
//! (`--debugfs` / `RTRACE_DEBUGFS`), through the built binary.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use common::*;

/// A fake debugfs root with rtrace's files; the ring's per-CPU streams are the synthetic
/// recording's.
fn fake_debugfs(root: &Path) {
    let rt = root.join("rtrace");
    fs::create_dir_all(&rt).unwrap();
    fs::write(
        rt.join("tracepoints"),
        "sched_switch(prev: &Task, next: &Task) module=rtrace_sample probes=1 enabled=1\n  \
         probe module=rtrace_sample_counter prio=10\n",
    )
    .unwrap();
    let ms = markers();
    let names: String = ms.iter().map(|m| m.name() + "\n").collect();
    fs::write(rt.join("available_markers"), names).unwrap();
    fs::write(rt.join("available_sinks"), "ring\nstats\n").unwrap();
    fs::write(rt.join("set_event"), "").unwrap();
    for m in &ms {
        m.write_files(&rt.join("markers"));
        let d = rt.join("markers").join(m.subsystem).join(m.event);
        fs::write(d.join("filter"), "").unwrap();
    }
    let ring = rt.join("sinks/ring");
    let (streams, cmdlines) = synthetic_streams();
    for (cpu, s) in streams.iter().enumerate() {
        let d = ring.join(format!("per_cpu/cpu{cpu}"));
        fs::create_dir_all(&d).unwrap();
        fs::write(d.join("trace_pipe_raw"), s).unwrap();
    }
    fs::write(
        ring.join("stats"),
        "entries: 9\nread: 0\nlost: 6\noverrun: 0\ndropped: 6\nin_buffer: 3\n",
    )
    .unwrap();
    fs::write(ring.join("saved_cmdlines"), cmdlines).unwrap();
    for (file, text) in [
        ("buffer_size_kb", "1024\n"),
        ("overwrite", "0\n"),
        ("reset", ""),
    ] {
        fs::write(ring.join(file), text).unwrap();
    }
    fs::create_dir_all(rt.join("sinks/stats")).unwrap();
    fs::write(rt.join("sinks/stats/counts"), "sched:sched_switch 3\n").unwrap();
}

fn with_root(root: &Path) -> Command {
    let mut cmd = rtrace();
    cmd.arg("--debugfs").arg(root);
    cmd
}

/// Asserts failure with `code` and a message containing each of `needles`.
fn fails(o: Output, code: i32, needles: &[&str]) {
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(code), "stderr: {err}");
    let last = err.lines().last().unwrap_or_default();
    assert!(last.starts_with("rtrace: error: "), "{err}");
    for n in needles {
        assert!(err.contains(n), "{n:?} not in {err:?}");
    }
}

fn setup() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("debug");
    fake_debugfs(&root);
    (tmp, root)
}

#[test]
fn list_shows_every_section() {
    let (_tmp, root) = setup();
    let all = ok(with_root(&root).arg("list"));
    assert_eq!(
        all,
        "tracepoints:\n  sched_switch(prev: &Task, next: &Task) module=rtrace_sample probes=1 \
         enabled=1\n    probe module=rtrace_sample_counter prio=10\n\nmarkers:\n  \
         sched:sched_switch id=1 prev_comm:char[16] prev_pid:s32 prev_state:s64 \
         next_comm:char[16] next_pid:s32\n  sample:all_types id=2 a:u8 b:u16 c:u32 d:u64 e:s8 \
         g:s16 h:s32 i:s64 flag:bool name:char[8] path:str[64] data:bytes[8]\n  \
         sample:empty id=3\n\nsinks:\n  ring\n  stats\n\nconnections:\n"
    );
    assert_eq!(
        ok(with_root(&root).args(["list", "sinks"])),
        "ring\nstats\n"
    );
    // The environment variable works as --debugfs does.
    let mut cmd = rtrace();
    cmd.env("RTRACE_DEBUGFS", &root).args(["list", "markers"]);
    assert!(ok(&mut cmd).starts_with("sched:sched_switch id=1 "));
}

#[test]
fn enable_and_disable_write_set_event_and_filters() {
    let (_tmp, root) = setup();
    let rt = root.join("rtrace");
    ok(with_root(&root).args(["enable", "sched:*", "sample:e*"]));
    assert_eq!(
        fs::read_to_string(rt.join("set_event")).unwrap(),
        "ring:sched:* ring:sample:e*"
    );
    ok(with_root(&root).args([
        "enable", "--sink", "stats", "--filter", "a == 1", "sample:*",
    ]));
    for event in ["all_types", "empty"] {
        let filter = rt.join(format!("markers/sample/{event}/filter"));
        assert_eq!(fs::read_to_string(filter).unwrap(), "a == 1");
    }
    assert_eq!(
        fs::read_to_string(rt.join("markers/sched/sched_switch/filter")).unwrap(),
        ""
    );
    fs::write(rt.join("set_event"), "").unwrap();
    ok(with_root(&root).args(["disable", "sched:sched_switch"]));
    assert_eq!(
        fs::read_to_string(rt.join("set_event")).unwrap(),
        "!ring:sched:sched_switch"
    );
}

#[test]
fn stats_passes_files_through() {
    let (_tmp, root) = setup();
    assert_eq!(
        ok(with_root(&root).arg("stats")),
        "== rtrace/sinks/ring/stats ==\nentries: 9\nread: 0\nlost: 6\noverrun: 0\ndropped: 6\n\
         in_buffer: 3\n\n== rtrace/sinks/stats/counts ==\nsched:sched_switch 3\n"
    );
}

#[test]
fn record_copies_streams_formats_and_cmdlines() {
    let (tmp, root) = setup();
    let out = tmp.path().join("rec");
    let o = run(with_root(&root)
        .args(["record", "--duration", "0.5", "-e", "sched:*", "-o"])
        .arg(&out));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("recorded 6 events, 6 lost, on 2 CPUs"),
        "{}",
        stderr(&o)
    );
    let (streams, cmdlines) = synthetic_streams();
    for (cpu, s) in streams.iter().enumerate() {
        assert_eq!(&fs::read(out.join(format!("cpu{cpu}.raw"))).unwrap(), s);
    }
    assert_eq!(
        fs::read_to_string(out.join("saved_cmdlines")).unwrap(),
        cmdlines
    );
    // -e connected the ring first and disconnected it at the end.
    assert_eq!(
        fs::read_to_string(root.join("rtrace/set_event")).unwrap(),
        "!ring:sched:*"
    );
    let meta: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("meta.json")).unwrap()).unwrap();
    assert_eq!(meta["cpus"], serde_json::json!([0, 1]));
    assert_eq!(meta["events"], 6);
    assert_eq!(meta["lost"], 6);
    assert_eq!(meta["per_cpu"][1]["lost"], 3);
    assert_eq!(meta["patterns"], serde_json::json!(["sched:*"]));
    assert!(meta["end_unix_ns"].as_u64() >= meta["start_unix_ns"].as_u64());
    // The recording reports as the synthetic one does.
    let reference = tmp.path().join("reference");
    write_recording(&reference, &markers(), cmdlines, &streams);
    assert_eq!(
        ok(rtrace().arg("report").arg(&out)),
        ok(rtrace().arg("report").arg(&reference))
    );
}

#[test]
fn record_stops_at_sigint() {
    let (tmp, root) = setup();
    let out = tmp.path().join("rec");
    let child = with_root(&root)
        .args(["record", "-o"])
        .arg(&out)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(700));
    let pid = rustix::process::Pid::from_raw(child.id() as i32).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::INT).unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.join("meta.json").is_file());
}

#[test]
fn debugfs_not_mounted() {
    let tmp = tempfile::tempdir().unwrap();
    fails(
        run(with_root(&tmp.path().join("nowhere")).arg("list")),
        3,
        &["not mounted", "mount -t debugfs none /sys/kernel/debug"],
    );
    // An empty mount point is not mounted either.
    fails(run(with_root(tmp.path()).arg("list")), 3, &["not mounted"]);
}

#[test]
fn modules_not_loaded() {
    let tmp = tempfile::tempdir().unwrap();
    fs::create_dir(tmp.path().join("tracing")).unwrap();
    // One file per insmod (insmod loads one module), in dependency order.
    let insmod =
        "`insmod rtrace_tracepoint.ko && insmod rtrace_marker.ko && insmod rtrace_ring.ko`";
    fails(
        run(with_root(tmp.path()).arg("list")),
        4,
        &["rtrace_tracepoint.ko is not loaded", insmod],
    );
    // The tracepoint core alone: markers are missing.
    fs::create_dir(tmp.path().join("rtrace")).unwrap();
    fs::write(tmp.path().join("rtrace/tracepoints"), "").unwrap();
    fails(
        run(with_root(tmp.path()).args(["list", "markers"])),
        4,
        &["rtrace_marker.ko is not loaded", insmod],
    );
    // No ring: record and stats say so.
    let (tmp2, root) = setup();
    fs::remove_dir_all(root.join("rtrace/sinks")).unwrap();
    fails(
        run(with_root(&root)
            .args(["record", "-o"])
            .arg(tmp2.path().join("r"))),
        4,
        &["rtrace_ring.ko"],
    );
    fails(run(with_root(&root).arg("stats")), 4, &["rtrace_ring.ko"]);
}

#[test]
fn unknown_marker_sink_or_bad_pattern() {
    let (_tmp, root) = setup();
    fails(
        run(with_root(&root).args(["enable", "net:*"])),
        6,
        &["no marker matches net:*", "rtrace list markers"],
    );
    fails(
        run(with_root(&root).args(["disable", "sched:nope"])),
        6,
        &["no marker matches sched:nope"],
    );
    fails(
        run(with_root(&root).args(["enable", "--sink", "perf", "sched:*"])),
        6,
        &["no sink matches perf"],
    );
    fails(
        run(with_root(&root).args(["enable", "sched"])),
        6,
        &["bad pattern", "subsystem:event"],
    );
    // Nothing was written.
    assert_eq!(
        fs::read_to_string(root.join("rtrace/set_event")).unwrap(),
        ""
    );
}

#[test]
fn kernel_refusal_shows_errno_and_points_to_dmesg() {
    let (_tmp, root) = setup();
    let set_event = root.join("rtrace/set_event");
    fs::remove_file(&set_event).unwrap();
    // Every write to /dev/full fails with ENOSPC, as a refused write fails with its errno.
    std::os::unix::fs::symlink("/dev/full", &set_event).unwrap();
    fails(
        run(with_root(&root).args(["enable", "sched:*"])),
        7,
        &["refused", "No space left on device", "dmesg"],
    );
}

#[test]
fn not_root() {
    let (tmp, root) = setup();
    if rustix::process::geteuid().is_root() {
        // Run as nobody: the tree is root's, mode 0700.
        fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o755)).unwrap();
        fs::set_permissions(&root, fs::Permissions::from_mode(0o755)).unwrap();
        fs::set_permissions(root.join("rtrace"), fs::Permissions::from_mode(0o700)).unwrap();
        let o = run(Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(env!("CARGO_BIN_EXE_rtrace"))
            .arg("--debugfs")
            .arg(&root)
            .arg("list"));
        fails(o, 5, &["permission denied", "run rtrace as root"]);
    } else {
        fs::set_permissions(root.join("rtrace"), fs::Permissions::from_mode(0o000)).unwrap();
        fails(
            run(with_root(&root).arg("list")),
            5,
            &["run rtrace as root"],
        );
        fs::set_permissions(root.join("rtrace"), fs::Permissions::from_mode(0o755)).unwrap();
    }
}

#[test]
fn output_exists_or_not_writable() {
    let (tmp, root) = setup();
    let rec = tmp.path().join("rec");
    let (streams, cmdlines) = synthetic_streams();
    write_recording(&rec, &markers(), cmdlines, &streams);
    fails(
        run(with_root(&root).args(["record", "-o"]).arg(&rec)),
        8,
        &["already exists"],
    );
    // A bad -e pattern creates nothing; an output that cannot be created undoes -e.
    let out = tmp.path().join("new");
    fails(
        run(with_root(&root)
            .args(["record", "-e", "net:*", "-o"])
            .arg(&out)),
        6,
        &["no marker matches net:*"],
    );
    assert!(!out.exists());
    fails(
        run(with_root(&root)
            .args(["record", "-e", "sched:*", "-o"])
            .arg(tmp.path().join("no/such/dir"))),
        8,
        &["cannot write"],
    );
    assert_eq!(
        fs::read_to_string(root.join("rtrace/set_event")).unwrap(),
        "!ring:sched:*"
    );
    for format in ["ctf", "json"] {
        fails(
            run(rtrace()
                .args(["export", "--format", format, "-o"])
                .arg(&rec)
                .arg(&rec)),
            8,
            &["already exists"],
        );
        fails(
            run(rtrace()
                .args(["export", "--format", format, "-o"])
                .arg(tmp.path().join("no/such/dir/out"))
                .arg(&rec)),
            8,
            &["cannot write"],
        );
    }
}

#[test]
fn malformed_recordings() {
    let tmp = tempfile::tempdir().unwrap();
    let (streams, cmdlines) = synthetic_streams();
    let make = |name: &str| {
        let dir = tmp.path().join(name);
        write_recording(&dir, &markers(), cmdlines, &streams);
        dir
    };
    let check = |dir: &Path, needles: &[&str]| {
        for args in [
            vec!["report"],
            vec!["export", "--format", "json", "-o", "/nonexistent/x.json"],
            vec!["export", "--format", "ctf", "-o", "/nonexistent/ctf"],
        ] {
            fails(run(rtrace().args(&args).arg(dir)), 9, needles);
        }
    };
    check(
        &tmp.path().join("missing"),
        &["malformed recording", "not a directory"],
    );

    let d = make("no_meta");
    fs::remove_file(d.join("meta.json")).unwrap();
    check(&d, &["meta.json", "rtrace record"]);

    let d = make("bad_meta");
    fs::write(d.join("meta.json"), "{\"cpus\": 1}").unwrap();
    check(&d, &["meta.json"]);

    let d = make("truncated");
    let cpu0 = &streams[0];
    fs::write(d.join("cpu0.raw"), &cpu0[..cpu0.len() - 20]).unwrap();
    check(&d, &["cpu0.raw", "truncated"]);

    let d = make("unknown_id");
    let mut s = Vec::new();
    push_record(&mut s, 1, 1, 77, b"");
    fs::write(d.join("cpu1.raw"), s).unwrap();
    check(&d, &["cpu1.raw", "at byte 0", "unknown marker id 77"]);

    let d = make("bad_payload");
    let mut s = Vec::new();
    push_record(&mut s, 1, 1, 1, b"short");
    fs::write(d.join("cpu0.raw"), s).unwrap();
    check(&d, &["sched:sched_switch record does not decode"]);

    let d = make("bad_format");
    fs::write(d.join("markers/sched/sched_switch/format"), "name: x\n").unwrap();
    check(&d, &["malformed recording", "format"]);

    let d = make("missing_cpu");
    fs::remove_file(d.join("cpu1.raw")).unwrap();
    check(&d, &["cpu1.raw"]);
}

#[test]
fn usage_errors_exit_2() {
    let o = run(rtrace().args(["enable"]));
    assert_eq!(o.status.code(), Some(2));
    let o = run(rtrace().args(["export", "--format", "pdf", "-o", "x", "y"]));
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn record_sets_the_ring_up_and_runs_a_command() {
    let (tmp, root) = setup();
    let ring = root.join("rtrace/sinks/ring");
    let filter = root.join("rtrace/markers/sched/sched_switch/filter");
    let out = tmp.path().join("rec");
    let seen = tmp.path().join("seen");
    // The command sees the filter and the connection in place; the recording stops when it
    // exits (no --duration, no signal).
    let script = format!(
        "cat {} > {}; echo >> {}; cat {} >> {}",
        filter.display(),
        seen.display(),
        seen.display(),
        root.join("rtrace/set_event").display(),
        seen.display()
    );
    let o = run(with_root(&root)
        .args(["record", "-e", "sched:*", "--filter", "prev_pid == 42"])
        .args(["--buffer-size", "4096", "--overwrite", "-o"])
        .arg(&out)
        .args(["--", "sh", "-c", &script]));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("sh: exit status: 0"), "{}", stderr(&o));
    assert_eq!(
        fs::read_to_string(&seen).unwrap(),
        "prev_pid == 42\nring:sched:*"
    );
    assert_eq!(
        fs::read_to_string(ring.join("buffer_size_kb")).unwrap(),
        "4096\n"
    );
    assert_eq!(fs::read_to_string(ring.join("overwrite")).unwrap(), "1\n");
    // A resize empties the buffers: no reset.
    assert_eq!(fs::read_to_string(ring.join("reset")).unwrap(), "");
    // Disconnected, and the filter cleared ("0" written over it).
    assert_eq!(
        fs::read_to_string(root.join("rtrace/set_event")).unwrap(),
        "!ring:sched:*"
    );
    assert!(fs::read_to_string(&filter).unwrap().starts_with("0rev_pid"));
    assert!(out.join("meta.json").is_file());

    // Without a size, the buffers are emptied first, unless --keep.
    let o = run(with_root(&root)
        .args(["record", "-o"])
        .arg(tmp.path().join("rec2"))
        .args(["--", "true"]));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(fs::read_to_string(ring.join("reset")).unwrap(), "1");
    assert_eq!(fs::read_to_string(ring.join("overwrite")).unwrap(), "0\n");
    fs::write(ring.join("reset"), "").unwrap();
    let o = run(with_root(&root)
        .args(["record", "--keep", "-o"])
        .arg(tmp.path().join("rec3"))
        .args(["--", "true"]));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(fs::read_to_string(ring.join("reset")).unwrap(), "");

    // A command that cannot run: an error, nothing left connected.
    fs::write(root.join("rtrace/set_event"), "").unwrap();
    fails(
        run(with_root(&root)
            .args(["record", "-e", "sched:*", "-o"])
            .arg(tmp.path().join("rec4"))
            .args(["--", "/nonexistent/cmd"])),
        1,
        &["cannot run \"/nonexistent/cmd\""],
    );
    assert_eq!(
        fs::read_to_string(root.join("rtrace/set_event")).unwrap(),
        "!ring:sched:*"
    );
}

#[test]
fn snapshot_reads_snapshot_raw_where_there_is_one() {
    let (tmp, root) = setup();
    // A ring with `snapshot_raw` files: those are read, `trace_pipe_raw` (here empty) is not.
    let (streams, _) = synthetic_streams();
    for (cpu, s) in streams.iter().enumerate() {
        let d = root.join(format!("rtrace/sinks/ring/per_cpu/cpu{cpu}"));
        fs::write(d.join("snapshot_raw"), s).unwrap();
        fs::write(d.join("trace_pipe_raw"), "").unwrap();
    }
    let out = tmp.path().join("snap");
    let o = run(with_root(&root).args(["snapshot", "-o"]).arg(&out));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("took 6 events, 6 lost, on 2 CPUs"),
        "{}",
        stderr(&o)
    );
    for (cpu, s) in streams.iter().enumerate() {
        assert_eq!(&fs::read(out.join(format!("cpu{cpu}.raw"))).unwrap(), s);
    }
}

#[test]
fn snapshot_takes_the_buffers_and_stops() {
    let (tmp, root) = setup();
    let out = tmp.path().join("snap");
    let o = run(with_root(&root).args(["snapshot", "-o"]).arg(&out));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("took 6 events, 6 lost, on 2 CPUs"),
        "{}",
        stderr(&o)
    );
    let (streams, _) = synthetic_streams();
    for (cpu, s) in streams.iter().enumerate() {
        assert_eq!(&fs::read(out.join(format!("cpu{cpu}.raw"))).unwrap(), s);
    }
    // Nothing connected, nothing emptied.
    assert_eq!(
        fs::read_to_string(root.join("rtrace/set_event")).unwrap(),
        ""
    );
    assert_eq!(
        fs::read_to_string(root.join("rtrace/sinks/ring/reset")).unwrap(),
        ""
    );
}

#[test]
fn stream_prints_what_comes() {
    let (tmp, root) = setup();
    let o = run(with_root(&root).args(["stream", "-d", "0.5", "-e", "sched:*"]));
    assert!(o.status.success(), "{}", stderr(&o));
    // Each CPU's lines in order; the same lines as the report of the same records.
    let reference = tmp.path().join("reference");
    let (streams, cmdlines) = synthetic_streams();
    write_recording(&reference, &markers(), cmdlines, &streams);
    let report = ok(rtrace().arg("report").arg(&reference));
    let text = stdout(&o);
    let mut got: Vec<&str> = text.lines().collect();
    let mut want: Vec<&str> = report.lines().collect();
    for cpu in ["[000]", "[001]"] {
        let of = |lines: &[&str]| -> Vec<String> {
            lines
                .iter()
                .filter(|l| l.contains(cpu))
                .map(|l| l.to_string())
                .collect()
        };
        assert_eq!(of(&got), of(&want), "{cpu}");
    }
    got.sort_unstable();
    want.sort_unstable();
    assert_eq!(got, want);
    assert_eq!(
        fs::read_to_string(root.join("rtrace/set_event")).unwrap(),
        "!ring:sched:*"
    );
}

#[test]
fn report_selects_and_counts() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("rec");
    let (streams, cmdlines) = synthetic_streams();
    write_recording(&dir, &markers(), cmdlines, &streams);
    let all = ok(rtrace().arg("report").arg(&dir));
    // --cpu: that CPU's lines, lost notices included.
    let cpu1 = ok(rtrace().args(["report", "--cpu", "1"]).arg(&dir));
    let expected: String = all
        .lines()
        .filter(|l| l.contains("[001]") || l.starts_with("CPU:1 "))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(cpu1, expected);
    // -e: those markers' lines, and every lost notice.
    let sample = ok(rtrace().args(["report", "-e", "sample:*"]).arg(&dir));
    let expected: String = all
        .lines()
        .filter(|l| l.contains(": sample:") || l.starts_with("CPU:"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(sample, expected);
    // --ns: nanoseconds in the time column.
    let ns = ok(rtrace().args(["report", "--ns", "-e", "sched:*"]).arg(&dir));
    assert!(
        ns.starts_with("            bash-42      [000]     1.000000500: sched:sched_switch: "),
        "{ns}"
    );
    assert!(
        ns.contains("[001]     1.000001000: sched:sched_switch:"),
        "{ns}"
    );
    // --stat: records per marker, events and lost per CPU.
    assert_eq!(
        ok(rtrace().args(["report", "--stat"]).arg(&dir)),
        format!(
            "{:<40} {:>12}\n{:<40} {:>12}\n{:<40} {:>12}\n{:<40} {:>12}\n\n{:<6} {:>12} {:>12}\n\
             {:<6} {:>12} {:>12}\n{:<6} {:>12} {:>12}\n{:<6} {:>12} {:>12}\n",
            "EVENT",
            "COUNT",
            "sample:all_types",
            2,
            "sample:empty",
            1,
            "sched:sched_switch",
            3,
            "CPU",
            "EVENTS",
            "LOST",
            0,
            3,
            3,
            1,
            3,
            3,
            "total",
            6,
            6
        )
    );
    fails(
        run(rtrace().args(["report", "-e", "bad"]).arg(&dir)),
        6,
        &["bad pattern"],
    );
}

#[test]
fn completions_and_manual_page() {
    let bash = ok(rtrace().args(["completions", "bash"]));
    assert!(bash.contains("_rtrace()"), "{bash}");
    for cmd in ["record", "snapshot", "stream", "report", "export"] {
        assert!(bash.contains(cmd), "{cmd}");
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("man1");
    ok(rtrace().arg("man").arg(&dir));
    let man = fs::read_to_string(dir.join("rtrace.1")).unwrap();
    assert!(man.contains(".TH rtrace 1"), "{man}");
    assert!(man.contains("insmod rtrace_tracepoint.ko"));
    let record = fs::read_to_string(dir.join("rtrace-record.1")).unwrap();
    assert!(record.contains(".TH rtrace-record 1"), "{record}");
    assert!(record.contains("buffer\\-size"), "{record}");
    for page in ["snapshot", "stream", "report", "export", "list", "enable"] {
        assert!(dir.join(format!("rtrace-{page}.1")).is_file(), "{page}");
    }
    // --help has examples.
    let help = ok(rtrace().arg("--help"));
    assert!(help.contains("rtrace record -e 'sched:*' -- make -j2"));
    let help = ok(rtrace().args(["record", "--help"]));
    assert!(
        help.contains("--buffer-size <KB>") && help.contains("[CMD]..."),
        "{help}"
    );
}
