// SPDX-License-Identifier: GPL-2.0

//! `rtrace record`: sets the ring up (buffer size, mode, emptied), connects it to the markers
//! asked for (with a filter), streams every CPU's `trace_pipe_raw` into a recording directory
//! while a command runs, until SIGINT/SIGTERM or the duration, then drains what is left and
//! writes `meta.json`. `rtrace snapshot` is the same reading without the set-up: it copies what
//! the buffers hold now (a flight recorder in overwrite mode) from every CPU's `snapshot_raw`,
//! consuming nothing, and stops.

use std::fs::{self, File, OpenOptions};
use std::io::{self, IsTerminal, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{anyhow, Context, Result};
use rustix::event::{poll, PollFd, PollFlags, Timespec};

use crate::debugfs::Debugfs;
use crate::decode::{Entry, Records};
use crate::enable;
use crate::error::ToolError;
use crate::list;
use crate::recording::{self, CpuCounts, Meta};

/// Read buffer: more than the largest record (16-byte header, 65535 bytes, padding).
const READ_BUF: usize = 128 * 1024;

/// How long a reader waits in `poll` before looking at the stop flag again.
const POLL_TIMEOUT: Timespec = Timespec {
    tv_sec: 0,
    tv_nsec: 200_000_000,
};

/// What to record.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The recording directory to create.
    pub out: PathBuf,
    /// Stop after this long (else at SIGINT/SIGTERM, or when the command exits).
    pub duration: Option<Duration>,
    /// Patterns to connect to the ring first, and disconnect at the end.
    pub patterns: Vec<String>,
    /// A filter for the matched markers, cleared at the end.
    pub filter: Option<String>,
    /// A new size of each CPU's buffer, in KiB.
    pub buffer_size_kb: Option<u32>,
    /// The ring's mode: overwrite (`true`) or discard (`false`); unchanged if `None`.
    pub overwrite: Option<bool>,
    /// Keep what the buffers hold (else they are emptied first).
    pub keep: bool,
    /// Take what the buffers hold and stop (`rtrace snapshot`): no set-up, no connection.
    pub snapshot: bool,
    /// A command to run while recording; the recording stops when it exits.
    pub command: Vec<String>,
}

/// Counts of one CPU's stream, updated by its reader.
#[derive(Debug, Default)]
struct Counters {
    events: AtomicU64,
    lost: AtomicU64,
    bytes: AtomicU64,
}

/// Counts the complete records at the start of `pending` and removes them.
fn count(pending: &mut Vec<u8>, counters: &Counters) {
    let mut records = Records::new(pending);
    for (header, payload) in records.by_ref() {
        match Entry::new(header, payload) {
            Entry::Lost { count, .. } => counters.lost.fetch_add(count, Ordering::Relaxed),
            Entry::Event { .. } => counters.events.fetch_add(1, Ordering::Relaxed),
        };
    }
    let consumed = records.consumed();
    pending.drain(..consumed.min(pending.len()));
}

/// Copies `src` to `dst` until `stop`, then drains `src`.
fn read_cpu(src: &Path, dst: &Path, stop: &AtomicBool, counters: &Counters) -> Result<()> {
    let mut file = OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(src)
        .with_context(|| format!("opening {}", src.display()))?;
    let mut out = io::BufWriter::new(File::create_new(dst).map_err(|e| ToolError::output(dst, e))?);
    let mut buf = vec![0u8; READ_BUF];
    let mut pending = Vec::new();
    loop {
        let stopping = stop.load(Ordering::Relaxed);
        if !stopping {
            let mut fds = [PollFd::new(&file, PollFlags::IN)];
            match poll(&mut fds, Some(&POLL_TIMEOUT)) {
                Ok(0) | Err(rustix::io::Errno::INTR) => continue,
                Ok(_) => {}
                Err(e) => return Err(anyhow!("poll on {}: {e}", src.display())),
            }
        }
        match file.read(&mut buf) {
            Ok(0) => {
                // End of a plain file (a test tree): nothing more will come.
                if stopping {
                    break;
                }
                thread::sleep(Duration::from_millis(100));
            }
            Ok(n) => {
                out.write_all(&buf[..n])
                    .map_err(|e| ToolError::output(dst, e))?;
                counters.bytes.fetch_add(n as u64, Ordering::Relaxed);
                pending.extend_from_slice(&buf[..n]);
                count(&mut pending, counters);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                if stopping {
                    break;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(anyhow!("reading {}: {e}", src.display())),
        }
    }
    out.flush().map_err(|e| ToolError::output(dst, e))?;
    Ok(())
}

/// Undoes the connections (and the filter) of `opts`.
fn disconnect(fs: &Debugfs, opts: &Options) -> Result<()> {
    if opts.patterns.is_empty() {
        return Ok(());
    }
    let disabled = enable::disable(fs, "ring", &opts.patterns);
    if opts.filter.is_some() {
        enable::clear_filters(fs, &opts.patterns)?;
    }
    disabled
}

/// Nanoseconds since the Unix epoch.
fn unix_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

/// Sums a field of every CPU's counters.
fn total(counters: &[Arc<Counters>], f: fn(&Counters) -> &AtomicU64) -> u64 {
    counters.iter().map(|c| f(c).load(Ordering::Relaxed)).sum()
}

/// Sets the ring up before a recording: size (which also empties it), mode, emptied.
fn set_up(fs: &Debugfs, opts: &Options) -> Result<()> {
    if let Some(kb) = opts.buffer_size_kb {
        fs.write("sinks/ring/buffer_size_kb", &kb.to_string())?;
    }
    if let Some(overwrite) = opts.overwrite {
        fs.write("sinks/ring/overwrite", if overwrite { "1" } else { "0" })?;
    }
    if !opts.keep && opts.buffer_size_kb.is_none() {
        fs.write("sinks/ring/reset", "1")?;
    }
    Ok(())
}

/// Starts the command of `opts`, if any.
fn spawn(command: &[String]) -> Result<Option<Child>> {
    let Some((program, args)) = command.split_first() else {
        return Ok(None);
    };
    let child = Command::new(program)
        .args(args)
        .spawn()
        .with_context(|| format!("cannot run {program:?}"))?;
    Ok(Some(child))
}

/// Ends the command when the recording stopped before it (duration, signal): SIGTERM, then
/// waits for it.
fn end(child: Option<Child>) -> Option<ExitStatus> {
    let mut child = child?;
    if let Ok(Some(status)) = child.try_wait() {
        return Some(status);
    }
    if let Some(pid) = rustix::process::Pid::from_raw(child.id() as i32) {
        // Best effort: the command may have exited meanwhile.
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
    }
    child.wait().ok()
}

/// Records as `opts` says.
pub fn run(fs: &Debugfs, opts: &Options) -> Result<()> {
    let cpus = fs.ring_cpus()?;
    let catalog = list::catalog(fs)?;
    if opts.out.exists() {
        return Err(ToolError::OutputExists(opts.out.clone()).into());
    }
    if !opts.snapshot {
        set_up(fs, opts)?;
    }
    if !opts.patterns.is_empty() {
        enable::enable(fs, "ring", opts.filter.as_deref(), &opts.patterns)?;
    }
    let markers_dir = opts.out.join(recording::MARKERS);
    let created = recording::create_output_dir(&opts.out).and_then(|()| {
        catalog
            .save(&markers_dir)
            .map_err(|e| ToolError::output(&markers_dir, e).into())
    });
    if let Err(e) = created {
        // Best effort: the error to report is the output's.
        let _ = disconnect(fs, opts);
        return Err(e);
    }

    // A snapshot reads what is there and stops.
    let stop = Arc::new(AtomicBool::new(opts.snapshot));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        // A second signal while stopping ends the process at once.
        signal_hook::flag::register_conditional_shutdown(signal, 130, Arc::clone(&stop))?;
        signal_hook::flag::register(signal, Arc::clone(&stop))?;
    }
    // The trace clock beside real time, read together by the kernel, so that exports can give
    // real dates; an older ring has no such file, and the exports then say the clock is unknown.
    let clock = fs
        .read("sinks/ring/clock")
        .ok()
        .and_then(|text| recording::ClockPair::parse(&text));
    let start_ns = unix_ns();
    let started = Instant::now();
    let counters: Vec<Arc<Counters>> = cpus.iter().map(|_| Arc::default()).collect();
    // A snapshot copies the records without consuming them, where the ring can (an older one
    // has no `snapshot_raw`: its records are consumed).
    let first = cpus.first().copied().unwrap_or(0);
    let source =
        if opts.snapshot && fs.exists(&format!("sinks/ring/per_cpu/cpu{first}/snapshot_raw")) {
            "snapshot_raw"
        } else {
            "trace_pipe_raw"
        };
    let readers: Vec<_> = cpus
        .iter()
        .zip(&counters)
        .map(|(&cpu, c)| {
            let src = fs.path(&format!("sinks/ring/per_cpu/cpu{cpu}/{source}"));
            let dst = opts.out.join(recording::cpu_file(cpu));
            let (stop, c) = (Arc::clone(&stop), Arc::clone(c));
            thread::spawn(move || read_cpu(&src, &dst, &stop, &c))
        })
        .collect();

    let mut child = match spawn(&opts.command) {
        Ok(child) => child,
        Err(e) => {
            stop.store(true, Ordering::Relaxed);
            for r in readers {
                let _ = r.join();
            }
            let _ = disconnect(fs, opts);
            return Err(e);
        }
    };
    let mut status = None;
    let live = io::stderr().is_terminal() && !opts.snapshot;
    let mut last_line = Instant::now();
    while !stop.load(Ordering::Relaxed) && !readers.iter().any(|r| r.is_finished()) {
        if opts.duration.is_some_and(|d| started.elapsed() >= d) {
            break;
        }
        if let Some(c) = child.as_mut() {
            if let Ok(Some(s)) = c.try_wait() {
                status = Some(s);
                child = None;
                break;
            }
        }
        thread::sleep(Duration::from_millis(50));
        if live && last_line.elapsed() >= Duration::from_secs(1) {
            last_line = Instant::now();
            eprint!(
                "\r\x1b[Krecording: {} events, {} lost, {:.0} s (Ctrl-C to stop)",
                total(&counters, |c| &c.events),
                total(&counters, |c| &c.lost),
                started.elapsed().as_secs_f64()
            );
        }
    }
    if live {
        eprint!("\r\x1b[K");
    }
    let status = status.or_else(|| end(child));
    let disabled = disconnect(fs, opts);
    stop.store(true, Ordering::Relaxed);
    let mut first_err = None;
    for r in readers {
        let res = r
            .join()
            .unwrap_or_else(|_| Err(anyhow!("a reader thread panicked")));
        if let Err(e) = res {
            first_err.get_or_insert(e);
        }
    }
    let end_ns = unix_ns();

    // Markers loaded while recording, and the pids' names.
    if let Ok(now) = list::catalog(fs) {
        now.save(&markers_dir)
            .map_err(|e| ToolError::output(&markers_dir, e))?;
    }
    if fs.exists("sinks/ring/saved_cmdlines") {
        let cmdlines = fs.read("sinks/ring/saved_cmdlines")?;
        let path = opts.out.join(recording::CMDLINES);
        fs::write(&path, cmdlines).map_err(|e| ToolError::output(&path, e))?;
    }
    let per_cpu: Vec<CpuCounts> = cpus
        .iter()
        .zip(&counters)
        .map(|(&cpu, c)| CpuCounts {
            cpu,
            events: c.events.load(Ordering::Relaxed),
            lost: c.lost.load(Ordering::Relaxed),
            bytes: c.bytes.load(Ordering::Relaxed),
        })
        .collect();
    let meta = Meta {
        format_version: recording::FORMAT_VERSION,
        tool_version: env!("CARGO_PKG_VERSION").to_owned(),
        kernel_release: rustix::system::uname()
            .release()
            .to_string_lossy()
            .into_owned(),
        cpus: cpus.clone(),
        start_unix_ns: start_ns,
        end_unix_ns: end_ns,
        patterns: opts.patterns.clone(),
        events: per_cpu.iter().map(|c| c.events).sum(),
        lost: per_cpu.iter().map(|c| c.lost).sum(),
        per_cpu,
        clock,
        uuid: Some(uuid::Uuid::new_v4().to_string()),
    };
    recording::write_meta(&opts.out, &meta)?;
    if let Some(status) = status {
        eprintln!("{}: {status}", opts.command[0]);
    }
    eprintln!(
        "{} {} events, {} lost, on {} CPUs in {:.1} s into {}",
        if opts.snapshot { "took" } else { "recorded" },
        meta.events,
        meta.lost,
        cpus.len(),
        started.elapsed().as_secs_f64(),
        opts.out.display()
    );
    if let Some(e) = first_err {
        return Err(e);
    }
    disabled
}
