// SPDX-License-Identifier: MIT
//! Running an image under QEMU: the command line a board file describes,
//! and two runners (on the terminal, or captured for tests), both under a
//! timeout.

use crate::board::ValidBoard;
use anyhow::{Context, Result, bail};
use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Deviations from the board's machine, for tests and benchmarks.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    /// `-smp` instead of the board's CPU count.
    pub smp: Option<u32>,
    /// `-m` in MiB instead of the board's RAM size.
    pub memory_mib: Option<u64>,
    /// Kernel command line (`/chosen/bootargs`).
    pub append: Option<String>,
    /// Extra arguments, verbatim.
    pub extra: Vec<String>,
    /// Run without `-semihosting`: any EL1 guest could end QEMU with it, so
    /// tests of hostile guests leave it out and take the kernel's log as
    /// their verdict.
    pub no_semihosting: bool,
}

/// The QEMU command that boots `image` on `board`'s machine.
pub fn command(board: &ValidBoard, image: &Path, headless: bool, o: &Overrides) -> Result<Command> {
    let Some(qemu) = &board.file.qemu else {
        bail!(
            "board `{}` has no [qemu] section: it runs on hardware (boot {} with U-Boot `booti`)",
            board.config.board,
            image.display()
        );
    };
    let qemu = qemu.get_ref();
    let mut cmd = Command::new("qemu-system-aarch64");
    let smp = o.smp.unwrap_or(u32::from(board.config.pcpus));
    let mem = o.memory_mib.unwrap_or(board.config.ram.size >> 20);
    cmd.args(["-machine", &qemu.machine, "-cpu", &qemu.cpu])
        .args(["-smp", &smp.to_string(), "-m", &format!("{mem}M")])
        .args(["-nodefaults", "-serial", "stdio"])
        .arg("-kernel")
        .arg(image);
    if !o.no_semihosting {
        cmd.arg("-semihosting");
    }
    if headless {
        cmd.args(["-display", "none"]);
    }
    if let Some(append) = &o.append {
        cmd.args(["-append", append]);
    }
    for device in board.file.devices.iter().filter_map(|d| d.get_ref().qemu.as_ref()) {
        cmd.args(["-device", device]);
    }
    cmd.args(&qemu.args).args(&o.extra);
    Ok(cmd)
}

/// What a captured run produced.
#[derive(Debug)]
pub struct Outcome {
    /// QEMU's exit status (`None` if killed).
    pub code: Option<i32>,
    /// Whether the timeout killed it.
    pub timed_out: bool,
    /// Everything it wrote to stdout (the serial console), `\r` removed.
    pub output: String,
    /// Raw bytes of stdout.
    pub raw: Vec<u8>,
    /// Wall time.
    pub seconds: f64,
}

fn wait_with_timeout(child: &mut Child, timeout: Duration) -> Result<(Option<i32>, bool)> {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok((status.code(), false));
        }
        if start.elapsed() >= timeout {
            let _ = child.kill();
            let _ = child.wait();
            return Ok((None, true));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs `cmd` with stdout captured and no stdin, killing it after `timeout`.
pub fn run_captured(cmd: Command, timeout: Duration) -> Result<Outcome> {
    run_until(cmd, timeout, |_| false)
}

/// Like [`run_captured`], but stops QEMU as soon as `done` accepts the
/// console output so far (then `code` is `None` and `timed_out` false).
pub fn run_until(cmd: Command, timeout: Duration, done: impl Fn(&str) -> bool) -> Result<Outcome> {
    run_watching(cmd, timeout, |log| done(log))
}

/// Runs `cmd` under `timeout`, calling `watch` with the console output so
/// far every 50 ms; ends QEMU when `watch` returns true (a test that
/// drives QEMU, e.g. through QMP, does it from `watch`).
pub fn run_watching(cmd: Command, timeout: Duration, mut watch: impl FnMut(&str) -> bool) -> Result<Outcome> {
    run_inner(cmd, timeout, false, |log, _| watch(log))
}

/// Like [`run_watching`], with QEMU's stdin (the serial console's input,
/// `-serial stdio`) a pipe that `watch` may write to.
pub fn run_feeding(
    cmd: Command,
    timeout: Duration,
    mut watch: impl FnMut(&str, &mut dyn std::io::Write) -> bool,
) -> Result<Outcome> {
    run_inner(cmd, timeout, true, |log, stdin| match stdin {
        Some(stdin) => watch(log, stdin),
        None => watch(log, &mut std::io::sink()),
    })
}

fn run_inner(
    mut cmd: Command,
    timeout: Duration,
    feed: bool,
    mut watch: impl FnMut(&str, Option<&mut std::process::ChildStdin>) -> bool,
) -> Result<Outcome> {
    let start = Instant::now();
    let mut child = cmd
        .stdin(if feed { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("could not start qemu-system-aarch64 (run ci/setup.sh)")?;
    let mut stdin = child.stdin.take();
    let mut stdout = child.stdout.take().context("no stdout")?;
    let mut stderr = child.stderr.take().context("no stderr")?;
    let shared = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = shared.clone();
    let reader = std::thread::spawn(move || {
        let mut chunk = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut chunk) {
            if n == 0 {
                break;
            }
            if let Ok(mut buf) = sink.lock() {
                buf.extend_from_slice(&chunk[..n]);
            }
        }
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr.read_to_end(&mut buf);
        buf
    });
    let (code, timed_out) = loop {
        if let Some(status) = child.try_wait()? {
            break (status.code(), false);
        }
        if start.elapsed() >= timeout {
            let _ = child.kill();
            let _ = child.wait();
            break (None, true);
        }
        let so_far = shared.lock().map(|b| String::from_utf8_lossy(&b).replace('\r', "")).unwrap_or_default();
        if watch(&so_far, stdin.as_mut()) {
            let _ = child.kill();
            let _ = child.wait();
            break (None, false);
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    drop(stdin);
    let _ = reader.join();
    let raw = shared.lock().map(|b| b.clone()).unwrap_or_default();
    let err = err_reader.join().unwrap_or_default();
    let mut output = String::from_utf8_lossy(&raw).replace('\r', "");
    if !err.is_empty() {
        output.push_str("\n[qemu stderr]\n");
        output.push_str(&String::from_utf8_lossy(&err));
    }
    Ok(Outcome { code, timed_out, output, raw, seconds: start.elapsed().as_secs_f64() })
}

/// Runs `cmd` on the terminal; returns its exit status (124 on timeout).
pub fn run_interactive(mut cmd: Command, timeout: Option<Duration>) -> Result<i32> {
    let mut child = cmd.spawn().context("could not start qemu-system-aarch64 (run ci/setup.sh)")?;
    match timeout {
        Some(t) => {
            let (code, timed_out) = wait_with_timeout(&mut child, t)?;
            if timed_out {
                eprintln!("\nxtask: QEMU stopped after the {}s timeout", t.as_secs());
                return Ok(124);
            }
            Ok(code.unwrap_or(1))
        }
        None => Ok(child.wait()?.code().unwrap_or(1)),
    }
}
