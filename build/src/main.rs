// SPDX-License-Identifier: MIT
//! `cargo xtask`: Bulkhead's build tool (see `cargo xtask --help`).
#![forbid(unsafe_code)]

use clap::{Parser, Subcommand, ValueEnum};
use xtask::board::schema::LogFormat;
use xtask::cmd;

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "Bulkhead build tool: board files -> one static image; QEMU runs; tests; benchmarks"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Log {
    Text,
    Defmt,
}

impl From<Log> for LogFormat {
    fn from(l: Log) -> Self {
        match l {
            Log::Text => LogFormat::Text,
            Log::Defmt => LogFormat::Defmt,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Parse and validate a board file (a name under boards/ or a path); exit 2 if invalid.
    Check { board: String },
    /// Build the kernel and domains into target/images/<board>.img.
    Build {
        board: String,
        /// Kernel log format (overrides the board's [kernel].log).
        #[arg(long, value_enum)]
        log: Option<Log>,
    },
    /// Build, then boot the image in QEMU with the console on this terminal.
    Run {
        board: String,
        /// Stop QEMU after this many seconds (exit status 124).
        #[arg(long)]
        timeout: Option<u64>,
        /// No display window.
        #[arg(long)]
        headless: bool,
        /// Kernel log format (overrides the board's [kernel].log).
        #[arg(long, value_enum)]
        log: Option<Log>,
        /// Extra QEMU arguments, after `--`.
        #[arg(last = true)]
        qemu_args: Vec<String>,
    },
    /// The README's demo: fetch Debian's kernel, build qemu-virt-linux, boot it until Linux has
    /// booted on 2 vCPUs, run its workload and powered off beside the counter; print a summary.
    /// Exit 0 when shown, 1 on a failure, 124 on the timeout.
    Demo {
        /// Give up (exit 124) after this many seconds of QEMU.
        #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..))]
        timeout: u64,
    },
    /// Fetch Debian's arm64 kernel and busybox into target/guest-cache/ and build the initramfs
    /// (`guest:Image`, `guest:initramfs` in board files). BULKHEAD_GUEST_IMAGE / BULKHEAD_GUEST_BUSYBOX
    /// name local files instead.
    FetchGuest,
    /// Run all host tests and QEMU integration tests.
    Test {
        /// Only integration tests whose name contains this.
        filter: Option<String>,
        /// Host tests only.
        #[arg(long)]
        host_only: bool,
    },
    /// Print the workspace crates of one kind, one per line (the rule is in
    /// build/src/packages.rs): host (host tests, host clippy), shared (host
    /// crates the domains build too), domain, kernel.
    Packages {
        #[arg(value_enum)]
        kind: xtask::packages::Kind,
    },
    /// Run the benchmarks; write target/bench/results.json.
    Bench {
        /// Only the host benchmarks (the ring against rtrb and memcpy):
        /// print and check them, write no results file.
        #[arg(long, conflicts_with_all = ["linux_only", "peers", "ring_only"])]
        host_only: bool,
        /// Only the ring benchmark as domains run it (instructions under
        /// QEMU: our ring against rtrb, a data-area copy against memcpy):
        /// print and check it, write no results file.
        #[arg(long, conflicts_with_all = ["linux_only", "peers"])]
        ring_only: bool,
        /// Only the Linux boot benchmark (natively and under Bulkhead):
        /// print and check it, write no results file.
        #[arg(long, conflicts_with = "peers")]
        linux_only: bool,
        /// With --linux-only: boot Linux under Xen 4.17 dom0less too (the
        /// full run always does). BULKHEAD_LINUX_SEEDS=n takes only the
        /// first n seeds (a quick run).
        #[arg(long, requires = "linux_only")]
        xen: bool,
        /// Only the display domain's figures (flip latency, composition
        /// against memcpy, restart): print and check them, write no results file.
        #[arg(long, conflicts_with_all = ["host_only", "linux_only", "ring_only", "peers", "plot"])]
        display_only: bool,
        /// Only the sound domain's figures (mixing against memcpy, streams
        /// in a period's budget, WRITE-to-device latency): print and check
        /// them, write no results file.
        #[arg(long, conflicts_with_all = ["host_only", "linux_only", "ring_only", "peers", "plot", "display_only"])]
        sound_only: bool,
        /// Only the 9pfs domain's figures (1 MiB written and read through
        /// it against memcpy, walk + getattr + clunk): print and check
        /// them, write no results file.
        #[arg(long, conflicts_with_all = ["host_only", "linux_only", "ring_only", "peers", "plot", "display_only", "sound_only"])]
        ninep_only: bool,
        /// Only the network domain's figures (1 MiB of TCP through it
        /// against memcpy, connect latency): print and check them, write
        /// no results file.
        #[arg(long, conflicts_with_all = ["host_only", "linux_only", "ring_only", "peers", "plot", "display_only", "sound_only", "ninep_only"])]
        net_only: bool,
        /// Only the ioreq path's figures (a trapped read answered by a
        /// device-model domain, against the kernel's own emulation): print
        /// and check them, write no results file.
        #[arg(long, conflicts_with_all = ["host_only", "linux_only", "ring_only", "peers", "plot", "display_only", "sound_only", "ninep_only", "net_only"])]
        ioreq_only: bool,
        /// Only the virtio-input path's figures (a key from the physical
        /// device's interrupt to an unmodified Linux's evdev read, through
        /// the input domain and a device model), after the interrupt
        /// benchmark whose mean it adds: print and check them, write no
        /// results file.
        #[arg(long, conflicts_with_all = ["host_only", "linux_only", "ring_only", "peers", "plot", "display_only", "sound_only", "ninep_only", "net_only", "ioreq_only"])]
        virtio_input_only: bool,
        /// Only the peer comparison: one guest natively, under Bulkhead and
        /// under Xen 4.17 (fetched into target/guest-cache/xen/); print and
        /// check it, write target/bench/irq_samples.json but no results file.
        #[arg(long)]
        peers: bool,
        /// After the run (full, or --peers), draw the interrupt latency
        /// distributions into target/bench/irq_latency.png.
        #[arg(long, conflicts_with_all = ["host_only", "linux_only", "ring_only"])]
        plot: bool,
    },
    /// Run a cargo-fuzz target of fuzz/ (nightly) for a time, or `all` of them; exit 1 on a crash.
    Fuzz {
        /// The target (see --list), or `all` for each in turn.
        #[arg(required_unless_present = "list")]
        target: Option<String>,
        /// Seconds of fuzzing (for each target with `all`).
        #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
        time: u64,
        /// List the targets.
        #[arg(long, conflicts_with = "target")]
        list: bool,
    },
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check { board } => Ok(cmd::check::run(&board)),
        Command::Build { board, log } => cmd::build::build(&board, log.map(Into::into)).map(|_| 0),
        Command::Run { board, timeout, headless, log, qemu_args } => {
            cmd::run::run(&board, cmd::run::RunOptions { timeout, headless, log: log.map(Into::into), qemu_args })
        }
        Command::Demo { timeout } => cmd::demo::run(timeout),
        Command::FetchGuest => cmd::fetch_guest::run(),
        Command::Test { filter, host_only } => cmd::test::run(filter.as_deref(), host_only),
        Command::Packages { kind } => xtask::packages::list(kind).map(|names| {
            names.iter().for_each(|n| println!("{n}"));
            0
        }),
        Command::Bench { host_only: true, .. } => cmd::bench::run_host(),
        Command::Bench { ring_only: true, .. } => cmd::bench::run_ring(),
        Command::Bench { display_only: true, .. } => cmd::bench::run_display(),
        Command::Bench { sound_only: true, .. } => cmd::bench::run_sound(),
        Command::Bench { ninep_only: true, .. } => cmd::bench::run_ninep(),
        Command::Bench { net_only: true, .. } => cmd::bench::run_net(),
        Command::Bench { ioreq_only: true, .. } => cmd::bench::run_ioreq(),
        Command::Bench { virtio_input_only: true, .. } => cmd::bench::run_virtio_input(),
        Command::Bench { linux_only: true, xen, .. } => cmd::bench::run_linux(xen),
        Command::Bench { peers, plot, .. } => {
            let run = if peers { cmd::bench::run_peers } else { cmd::bench::run };
            run().and_then(|status| {
                if plot {
                    cmd::bench::plot::draw()?;
                }
                Ok(status)
            })
        }
        Command::Fuzz { target, time, list } => cmd::fuzz::run(target.as_deref(), time, list),
    };
    match result {
        Ok(code) => std::process::exit(code),
        // A board that failed its checks renders as `check` does, with its
        // own `error:` lines.
        Err(e) if e.chain().count() == 1 && e.downcast_ref::<xtask::board_files::LoadError>().is_some() => {
            eprint!("{e}");
            std::process::exit(1);
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::exit(1);
        }
    }
}
