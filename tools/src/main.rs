// SPDX-License-Identifier: GPL-2.0

//! `rtrace`: list, connect and record rtrace markers, and turn recordings into text, CTF or
//! Chrome/Perfetto JSON. See Documentation/tool.rst.

mod ctf;
mod debugfs;
mod decode;
mod enable;
mod error;
mod formats;
mod json;
mod list;
mod pattern;
mod perfetto;
mod perfetto_proto;
mod record_cmd;
mod recording;
mod report;
mod sched;
mod stats;
mod stream_cmd;

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

use crate::debugfs::Debugfs;

/// Examples shown by `rtrace --help`.
const EXAMPLES: &str = "\
Examples:
  rtrace list markers                          what can be traced
  rtrace record -e 'sched:*' -- make -j2        record while a command runs
  rtrace record -e 'sched:sched_switch' --filter 'prev_pid == 42' -d 5 -o rec
  rtrace report rtrace.rec                     the recording as text
  rtrace report --stat rtrace.rec              counts per marker and lost records per CPU
  rtrace export --format perfetto -o trace.pftrace rtrace.rec   open in ui.perfetto.dev
  rtrace stream -e 'irq:*'                      live, until Ctrl-C

The rtrace modules must be loaded first, one insmod per file, in this order:
  insmod rtrace_tracepoint.ko && insmod rtrace_marker.ko && insmod rtrace_ring.ko
and rtrace_bridge.ko for the kernel's own sched:* and irq:* events.";

/// Control and record rtrace markers through /sys/kernel/debug/rtrace/.
#[derive(Debug, Parser)]
#[command(name = "rtrace", version, after_help = EXAMPLES)]
struct Cli {
    /// Where debugfs is mounted.
    #[arg(long, global = true, env = "RTRACE_DEBUGFS", default_value = debugfs::DEFAULT_ROOT)]
    debugfs: PathBuf,
    #[command(subcommand)]
    command: Command,
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ExportFormat {
    /// A CTF 1.8 trace directory (babeltrace2, Trace Compass).
    Ctf,
    /// Chrome/Perfetto trace-event JSON (ui.perfetto.dev, chrome://tracing).
    Json,
    /// A Perfetto protobuf trace (ui.perfetto.dev): CPU tracks, thread states, processes.
    Perfetto,
}

/// The default recording directory.
const DEFAULT_OUTPUT: &str = "rtrace.rec";

#[derive(Debug, Subcommand)]
enum Command {
    /// List tracepoints, markers, sinks and connections (all by default).
    List {
        /// Only this section, without heading.
        what: Option<list::What>,
    },
    /// Connect a sink to markers: writes `SINK:PATTERN` to set_event.
    #[command(
        after_help = "Example:\n  rtrace enable --filter 'prev_pid != 0' 'sched:sched_switch'"
    )]
    Enable {
        /// The sink.
        #[arg(long, default_value = "ring")]
        sink: String,
        /// A filter written to each matched marker's `filter` file first.
        #[arg(long)]
        filter: Option<String>,
        /// `subsystem:event`, each part may contain `*` and `?`.
        #[arg(required = true)]
        patterns: Vec<String>,
    },
    /// Disconnect a sink from markers: writes `!SINK:PATTERN` to set_event.
    Disable {
        /// The sink.
        #[arg(long, default_value = "ring")]
        sink: String,
        /// `subsystem:event`, each part may contain `*` and `?`.
        #[arg(required = true)]
        patterns: Vec<String>,
    },
    /// Record the ring buffer's per-CPU streams into a new directory, while a command runs.
    ///
    /// Empties the buffers first (unless --keep), connects the ring to the -e markers (with
    /// --filter), and records until the command exits, Ctrl-C / SIGTERM, or --duration; then
    /// disconnects, clears the filter and drains the buffers.
    #[command(after_help = "Examples:\n  \
        rtrace record -e 'sched:*' -- sleep 1\n  \
        rtrace record -e 'sched:sched_switch' --filter 'prev_state == 2' --buffer-size 4096 -d 10 -o rec\n  \
        rtrace record --overwrite -e 'sched:*' -o rec      (a flight recorder: stop with Ctrl-C)")]
    Record {
        /// The recording directory (must not exist).
        #[arg(short, long, default_value = DEFAULT_OUTPUT)]
        output: PathBuf,
        /// Stop after this many seconds.
        #[arg(short, long)]
        duration: Option<f64>,
        /// Connect the ring to these markers first (and disconnect them at the end).
        #[arg(short = 'e', long = "event")]
        events: Vec<String>,
        /// A filter for the -e markers (cleared at the end).
        #[arg(long, requires = "events")]
        filter: Option<String>,
        /// Each CPU's buffer size in KiB (a multiple of 4 from 16 to 65536).
        #[arg(short = 'b', long = "buffer-size", value_name = "KB")]
        buffer_size: Option<u32>,
        /// Overwrite the oldest records when a buffer is full (else new ones are dropped).
        #[arg(long)]
        overwrite: bool,
        /// Keep what the buffers hold (else they are emptied first).
        #[arg(long, conflicts_with = "buffer_size")]
        keep: bool,
        /// The command to run while recording, after `--`.
        #[arg(last = true, value_name = "CMD")]
        command: Vec<String>,
    },
    /// Take what the buffers hold now into a new recording directory, and stop.
    ///
    /// For a flight recorder (the ring in overwrite mode): the records are read, and so
    /// consumed, as `record` reads them; nothing is connected or disconnected.
    Snapshot {
        /// The recording directory (must not exist).
        #[arg(short, long, default_value = DEFAULT_OUTPUT)]
        output: PathBuf,
    },
    /// Print the ring's records as text while they come, until Ctrl-C or --duration.
    #[command(after_help = "Example:\n  rtrace stream -e 'sched:sched_wakeup*' -d 2")]
    Stream {
        /// Stop after this many seconds.
        #[arg(short, long)]
        duration: Option<f64>,
        /// Connect the ring to these markers first (and disconnect them at the end).
        #[arg(short = 'e', long = "event")]
        events: Vec<String>,
        /// A filter for the -e markers (cleared at the end).
        #[arg(long, requires = "events")]
        filter: Option<String>,
        /// Timestamps with nanoseconds.
        #[arg(long)]
        ns: bool,
    },
    /// Print a recording as the tracer's text lines, merged across CPUs by time.
    #[command(
        after_help = "Examples:\n  rtrace report --cpu 1 -e 'sched:*' --ns rtrace.rec\n  rtrace report --stat rtrace.rec"
    )]
    Report {
        /// Timestamps with nanoseconds.
        #[arg(long)]
        ns: bool,
        /// Only this CPU's records (repeatable).
        #[arg(long = "cpu", value_name = "N")]
        cpus: Vec<u32>,
        /// Only the markers matching this `subsystem:event` glob (repeatable).
        #[arg(short = 'e', long = "event")]
        events: Vec<String>,
        /// Counts of records per marker and of lost records per CPU, instead of the lines.
        #[arg(long)]
        stat: bool,
        /// The recording directory.
        #[arg(default_value = DEFAULT_OUTPUT)]
        dir: PathBuf,
    },
    /// Print the ring's and the stats sink's counters.
    Stats,
    /// Convert a recording to CTF, Chrome/Perfetto JSON or a Perfetto protobuf trace.
    #[command(
        after_help = "Example:\n  rtrace export --format perfetto -o trace.pftrace rtrace.rec  (then open it in ui.perfetto.dev)"
    )]
    Export {
        /// The format.
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// The output: a new directory (ctf) or file (json, perfetto).
        #[arg(short, long)]
        output: PathBuf,
        /// The recording directory.
        #[arg(default_value = DEFAULT_OUTPUT)]
        dir: PathBuf,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    #[command(hide = true)]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Write the manual pages (rtrace.1, rtrace-COMMAND.1) into a directory.
    #[command(hide = true)]
    Man {
        /// The directory (created if missing).
        dir: PathBuf,
    },
}

/// Seconds as a duration.
fn seconds(d: Option<f64>) -> Result<Option<Duration>> {
    d.map(|d| {
        Duration::try_from_secs_f64(d)
            .map_err(|_| anyhow::anyhow!("bad --duration {d}: give seconds >= 0"))
    })
    .transpose()
}

/// Writes `rtrace.1` and a page per visible command, `rtrace-COMMAND.1`, into `dir`.
fn man_pages(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| error::ToolError::output(dir, e))?;
    let cli = Cli::command();
    let mut pages = vec![("rtrace".to_owned(), cli.clone())];
    for sub in cli.get_subcommands().filter(|c| !c.is_hide_set()) {
        let name = format!("rtrace-{}", sub.get_name());
        pages.push((name.clone(), sub.clone().name(name)));
    }
    for (name, cmd) in pages {
        let path = dir.join(format!("{name}.1"));
        let mut text = Vec::new();
        clap_mangen::Man::new(cmd).render(&mut text)?;
        std::fs::write(&path, text).map_err(|e| error::ToolError::output(&path, e))?;
    }
    Ok(())
}

/// Runs one command.
fn run(cli: Cli) -> Result<()> {
    let root: &Path = &cli.debugfs;
    let mut stdout = BufWriter::new(io::stdout().lock());
    match cli.command {
        Command::List { what } => list::run(&Debugfs::open(root)?, what, &mut stdout),
        Command::Enable {
            sink,
            filter,
            patterns,
        } => enable::enable(&Debugfs::open(root)?, &sink, filter.as_deref(), &patterns),
        Command::Disable { sink, patterns } => {
            enable::disable(&Debugfs::open(root)?, &sink, &patterns)
        }
        Command::Record {
            output,
            duration,
            events,
            filter,
            buffer_size,
            overwrite,
            keep,
            command,
        } => {
            let opts = record_cmd::Options {
                out: output,
                duration: seconds(duration)?,
                patterns: events,
                filter,
                buffer_size_kb: buffer_size,
                overwrite: Some(overwrite),
                keep,
                snapshot: false,
                command,
            };
            record_cmd::run(&Debugfs::open(root)?, &opts)
        }
        Command::Snapshot { output } => {
            let opts = record_cmd::Options {
                out: output,
                snapshot: true,
                ..Default::default()
            };
            record_cmd::run(&Debugfs::open(root)?, &opts)
        }
        Command::Stream {
            duration,
            events,
            filter,
            ns,
        } => {
            let opts = stream_cmd::Options {
                duration: seconds(duration)?,
                patterns: events,
                filter,
                ns,
            };
            stream_cmd::run(&Debugfs::open(root)?, &opts, &mut stdout)
        }
        Command::Report {
            ns,
            cpus,
            events,
            stat,
            dir,
        } => {
            let opts = report::Options {
                ns,
                cpus,
                events,
                stat,
            };
            report::run(&dir, &opts, &mut stdout)
        }
        Command::Stats => stats::run(&Debugfs::open(root)?, &mut stdout),
        Command::Export {
            format,
            output,
            dir,
        } => match format {
            ExportFormat::Ctf => ctf::run(&dir, &output),
            ExportFormat::Json => json::run(&dir, &output),
            ExportFormat::Perfetto => perfetto::run(&dir, &output),
        },
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "rtrace", &mut stdout);
            Ok(stdout.flush()?)
        }
        Command::Man { dir } => man_pages(&dir),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // A closed pipe (`rtrace report DIR | head`) is not an error.
            if e.chain().any(|c| {
                c.downcast_ref::<io::Error>()
                    .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("rtrace: error: {e:#}");
            ExitCode::from(error::exit_code(&e))
        }
    }
}
