// SPDX-License-Identifier: GPL-2.0

//! `rtrace stream`: the ring's records as text lines while they come, like `trace-cmd stream`.
//!
//! Connects the ring to the markers asked for (with a filter), reads every CPU's
//! `trace_pipe_raw` in one thread with `poll()`, and prints each record as `report` does, in the
//! order reads return them (each CPU's records in order; CPUs interleave as they are read).
//! Stops at SIGINT/SIGTERM or after the duration, then disconnects and clears the filter.
//! Reading consumes the records, as a recording does.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use rustix::event::{poll, PollFd, PollFlags, Timespec};

use crate::debugfs::Debugfs;
use crate::decode::{Entry, Records};
use crate::enable;
use crate::formats::Catalog;
use crate::list;
use crate::recording::{parse_cmdlines, Event, Kind};
use crate::report;
use rtrace::ring_record::Decoder;

/// Read buffer: more than the largest record.
const READ_BUF: usize = 128 * 1024;

/// What to stream.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Stop after this long (else at SIGINT/SIGTERM).
    pub duration: Option<Duration>,
    /// Patterns to connect to the ring first, and disconnect at the end.
    pub patterns: Vec<String>,
    /// A filter for the matched markers, cleared at the end.
    pub filter: Option<String>,
    /// Timestamps with nanoseconds.
    pub ns: bool,
}

/// One CPU's stream.
struct Cpu {
    cpu: u32,
    file: File,
    pending: Vec<u8>,
    /// The time and task the records printed so far leave for the next ones.
    decoder: Decoder,
}

/// Prints the complete records at the start of `pending` and removes them.
fn print(
    cpu: u32,
    pending: &mut Vec<u8>,
    decoder: &mut Decoder,
    catalog: &Catalog,
    cmdlines: &BTreeMap<i32, String>,
    ns: bool,
    out: &mut impl Write,
) -> Result<()> {
    let mut records = Records::with_decoder(pending, *decoder);
    for (header, payload) in records.by_ref() {
        let kind = match Entry::new(header, payload) {
            Entry::Lost { count, .. } => Kind::Lost(count),
            Entry::Event { header, payload } => match catalog.get(u32::from(header.id)) {
                Some(format) => Kind::Marker { format, payload },
                None => {
                    writeln!(out, "CPU:{cpu} unknown marker id {}", header.id)?;
                    continue;
                }
            },
        };
        let event = Event { cpu, header, kind };
        writeln!(out, "{}", report::line(cmdlines, &event, ns)?)?;
    }
    let consumed = records.consumed();
    *decoder = records.decoder();
    pending.drain(..consumed.min(pending.len()));
    Ok(())
}

/// Streams as `opts` says.
pub fn run(fs: &Debugfs, opts: &Options, out: &mut impl Write) -> Result<()> {
    let cpus = fs.ring_cpus()?;
    let mut streams = Vec::new();
    for cpu in cpus {
        let path = fs.path(&format!("sinks/ring/per_cpu/cpu{cpu}/trace_pipe_raw"));
        let file = OpenOptions::new()
            .read(true)
            .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
            .open(&path)
            .with_context(|| format!("opening {}", path.display()))?;
        streams.push(Cpu {
            cpu,
            file,
            pending: Vec::new(),
            decoder: Decoder::new(),
        });
    }
    if !opts.patterns.is_empty() {
        enable::enable(fs, "ring", opts.filter.as_deref(), &opts.patterns)?;
    }
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register_conditional_shutdown(signal, 130, Arc::clone(&stop))?;
        signal_hook::flag::register(signal, Arc::clone(&stop))?;
    }
    let streamed = stream(fs, opts, &mut streams, &stop, out);
    let disconnected = if opts.patterns.is_empty() {
        Ok(())
    } else {
        enable::disable(fs, "ring", &opts.patterns).and_then(|()| match opts.filter {
            Some(_) => enable::clear_filters(fs, &opts.patterns),
            None => Ok(()),
        })
    };
    streamed.and(disconnected)
}

/// Reads and prints until `stop` or the duration.
fn stream(
    fs: &Debugfs,
    opts: &Options,
    streams: &mut [Cpu],
    stop: &AtomicBool,
    out: &mut impl Write,
) -> Result<()> {
    let catalog = list::catalog(fs)?;
    let read_cmdlines = || {
        fs.read("sinks/ring/saved_cmdlines")
            .map(|t| parse_cmdlines(&t))
            .unwrap_or_default()
    };
    let mut cmdlines = read_cmdlines();
    let mut cmdlines_read = Instant::now();
    let started = Instant::now();
    let timeout = Timespec {
        tv_sec: 0,
        tv_nsec: 200_000_000,
    };
    let mut buf = vec![0u8; READ_BUF];
    while !stop.load(Ordering::Relaxed) && opts.duration.is_none_or(|d| started.elapsed() < d) {
        let mut fds: Vec<PollFd<'_>> = streams
            .iter()
            .map(|s| PollFd::new(&s.file, PollFlags::IN))
            .collect();
        match poll(&mut fds, Some(&timeout)) {
            Ok(0) | Err(rustix::io::Errno::INTR) => continue,
            Ok(_) => {}
            Err(e) => return Err(anyhow!("poll: {e}")),
        }
        let ready: Vec<bool> = fds.iter().map(|f| !f.revents().is_empty()).collect();
        // Names of tasks that started meanwhile, at most once a second.
        if cmdlines_read.elapsed() >= Duration::from_secs(1) {
            cmdlines = read_cmdlines();
            cmdlines_read = Instant::now();
        }
        for (s, ready) in streams.iter_mut().zip(ready) {
            if !ready {
                continue;
            }
            match s.file.read(&mut buf) {
                Ok(0) => {
                    // A plain file (a test tree) at its end: nothing more will come.
                    std::thread::sleep(Duration::from_millis(50));
                }
                Ok(n) => {
                    s.pending.extend_from_slice(&buf[..n]);
                    print(
                        s.cpu,
                        &mut s.pending,
                        &mut s.decoder,
                        &catalog,
                        &cmdlines,
                        opts.ns,
                        out,
                    )?;
                    out.flush()?;
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
                    ) => {}
                Err(e) => return Err(anyhow!("reading CPU {}: {e}", s.cpu)),
            }
        }
    }
    Ok(())
}
