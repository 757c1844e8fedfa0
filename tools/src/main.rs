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

use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use clap::{Parser, Subcommand, ValueEnum};

use crate::debugfs::Debugfs;

/// Control and record rtrace markers through /sys/kernel/debug/rtrace/.
#[derive(Debug, Parser)]
#[command(name = "rtrace", version)]
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

#[derive(Debug, Subcommand)]
enum Command {
    /// List tracepoints, markers, sinks and connections (all by default).
    List {
        /// Only this section, without heading.
        what: Option<list::What>,
    },
    /// Connect a sink to markers: writes `SINK:PATTERN` to set_event.
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
    /// Record the ring buffer's per-CPU streams into a new directory.
    Record {
        /// The recording directory (must not exist).
        #[arg(short, long)]
        output: PathBuf,
        /// Stop after this many seconds (else at Ctrl-C / SIGTERM).
        #[arg(short, long)]
        duration: Option<f64>,
        /// Connect the ring to these markers first (and disconnect them at the end).
        #[arg(short = 'e', long = "event")]
        events: Vec<String>,
    },
    /// Print a recording as the tracer's text lines, merged across CPUs by time.
    Report {
        /// The recording directory.
        dir: PathBuf,
    },
    /// Print the ring's and the stats sink's counters.
    Stats,
    /// Convert a recording to CTF or Chrome/Perfetto JSON.
    Export {
        /// The format.
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// The output: a new directory (ctf) or file (json, perfetto).
        #[arg(short, long)]
        output: PathBuf,
        /// The recording directory.
        dir: PathBuf,
    },
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
        } => {
            let duration = match duration {
                Some(d) => Some(
                    Duration::try_from_secs_f64(d)
                        .map_err(|_| anyhow::anyhow!("bad --duration {d}: give seconds >= 0"))?,
                ),
                None => None,
            };
            let opts = record_cmd::Options {
                out: output,
                duration,
                patterns: events,
            };
            record_cmd::run(&Debugfs::open(root)?, &opts)
        }
        Command::Report { dir } => report::run(&dir, &mut stdout),
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
