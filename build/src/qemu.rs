// SPDX-License-Identifier: MIT
//! Running an image under QEMU: the command line a board file describes,
//! and two runners (on the terminal, or captured for tests), both under a
//! timeout.
//!
//! No run gets `-semihosting`: QEMU serves it at EL1, so it would hand
//! every guest the host and let it choose QEMU's exit status. The verdict
//! is the kernel's own last line instead, `system stop: exit <code>` at the
//! start of a line ([`kernel_exit`]), which no guest can forge: the kernel
//! prefixes every guest line with the domain's name.

use crate::board::ValidBoard;
use crate::board::schema::QemuNet;
use anyhow::{Context, Result, bail, ensure};
use std::io::{Read, Write};
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
    /// Where a board's sound device records what it plays (QEMU's `wav`
    /// audiodev, S16LE stereo at 48 kHz). Without it the device plays
    /// into QEMU's `none` audiodev: paced as in real time, recorded
    /// nowhere.
    pub wav: Option<std::path::PathBuf>,
    /// The raw disk image (e.g. a FAT32 image from `disk_image`) behind
    /// a board's block device (`drive=<id>`). A board with one needs it.
    pub disk: Option<std::path::PathBuf>,
    /// Open the disk with `cache=unsafe`: the guest's flushes are not
    /// passed to the host (benchmarks, so that the host's `fdatasync`
    /// time is not counted as guest instructions under `-icount`).
    pub disk_unsafe_cache: bool,
    /// Host ports for the board's `[qemu] net` forwards, in order, instead
    /// of the board's (tests pick free ones).
    pub host_ports: Option<Vec<u16>>,
}

/// The `-audiodev` a board's device `qemu` string asks for
/// (`audiodev=<id>`), backed by a wav file or by nothing.
fn audiodev(device: &str, wav: Option<&Path>) -> Option<String> {
    let id = device.split(',').find_map(|o| o.strip_prefix("audiodev="))?;
    Some(match wav {
        Some(path) => {
            format!("wav,id={id},path={},out.frequency=48000,out.channels=2,out.format=s16", path.display())
        }
        None => format!("none,id={id}"),
    })
}

/// The `-drive` a board's device `qemu` string asks for (`drive=<id>`),
/// backed by `disk` as a raw image; an error if there is no disk.
fn drive(device: &str, disk: Option<&Path>) -> Result<Option<String>> {
    let Some(id) = device.split(',').find_map(|o| o.strip_prefix("drive=")) else {
        return Ok(None);
    };
    let Some(disk) = disk else {
        bail!("the board's device `{device}` needs a disk image (drive `{id}`), and none was given");
    };
    // QEMU's option syntax escapes a comma by doubling it.
    let file = disk.display().to_string().replace(',', ",,");
    Ok(Some(format!("if=none,id={id},format=raw,file={file}")))
}

/// The `-netdev` a board's device `qemu` string asks for
/// (`netdev=<id>`): user networking with the board's forwards, each bound
/// to the host's 127.0.0.1; an error if the board has no `[qemu] net`.
fn netdev(device: &str, net: Option<&QemuNet>, host_ports: Option<&[u16]>) -> Result<Option<String>> {
    let Some(id) = device.split(',').find_map(|o| o.strip_prefix("netdev=")) else {
        return Ok(None);
    };
    let Some(net) = net else {
        bail!("the board's device `{device}` needs user networking (netdev `{id}`), and the board has no [qemu] net");
    };
    if let Some(ports) = host_ports {
        ensure!(
            ports.len() == net.forward.len(),
            "{} host ports given for the board's {} forwards",
            ports.len(),
            net.forward.len()
        );
    }
    let mut arg = format!("user,id={id}");
    for (n, f) in net.forward.iter().enumerate() {
        let host = host_ports.and_then(|p| p.get(n).copied()).unwrap_or(f.host);
        arg.push_str(&format!(",hostfwd=tcp:127.0.0.1:{host}-:{}", f.guest));
    }
    Ok(Some(arg))
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
    if headless {
        cmd.args(["-display", "none"]);
    }
    if let Some(append) = &o.append {
        cmd.args(["-append", append]);
    }
    let mut drives = 0;
    for device in board.file.devices.iter().filter_map(|d| d.get_ref().qemu.as_ref()) {
        if let Some(backend) = audiodev(device, o.wav.as_deref()) {
            cmd.args(["-audiodev", &backend]);
        }
        let net = qemu.net.as_ref().map(|n| n.get_ref());
        if let Some(backend) = netdev(device, net, o.host_ports.as_deref())? {
            cmd.args(["-netdev", &backend]);
        }
        if let Some(mut backend) = drive(device, o.disk.as_deref())? {
            if o.disk_unsafe_cache {
                backend.push_str(",cache=unsafe");
            }
            drives += 1;
            if drives > 1 {
                bail!("board `{}` has more than one drive, and a run gives one disk image", board.config.board);
            }
            cmd.args(["-drive", &backend]);
        }
        cmd.args(["-device", device]);
    }
    cmd.args(&qemu.args).args(&o.extra);
    Ok(cmd)
}

/// The kernel's verdict in `console`: the code of its stop line
/// (`bulkhead_abi::STOP_LINE_PREFIX`), matched at the start of a line.
pub fn kernel_exit(console: &str) -> Option<i32> {
    console
        .lines()
        .rev()
        .find_map(|l| bulkhead_abi::ExitCode::from_stop_line(l.trim_end_matches('\r')))?
        .try_into()
        .ok()
}

/// What a captured run produced.
#[derive(Debug)]
pub struct Outcome {
    /// The kernel's exit code, from its stop line (`None` if QEMU was
    /// killed, or ended without one: a text-log kernel always prints it).
    pub code: Option<i32>,
    /// QEMU's own exit status (`None` if killed): 0 after the kernel's
    /// PSCI SYSTEM_OFF, whatever its verdict.
    pub qemu_status: Option<i32>,
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

/// Runs `cmd` (started with `-qmp unix:<socket>`) under `timeout` until
/// `done` accepts the console output, then sends QMP `quit` so that QEMU
/// closes its files (a wav, a disk image) and ends by itself. The outcome,
/// and the `quit`'s own result: `None` if `done` never accepted.
pub fn run_then_quit(
    cmd: Command,
    socket: &Path,
    timeout: Duration,
    done: impl Fn(&str) -> bool,
) -> Result<(Outcome, Option<Result<()>>)> {
    let mut quit: Option<Result<()>> = None;
    let out = run_watching(cmd, timeout, |log| {
        if quit.is_none() && done(log) {
            quit = Some(
                crate::qmp::Qmp::connect(socket, Duration::from_secs(5))
                    .and_then(|mut q| q.execute("quit", serde_json::json!({})).map(|_| ())),
            );
        }
        false
    })?;
    Ok((out, quit))
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
    let qemu_status = code;
    let code = if qemu_status.is_some() { kernel_exit(&output) } else { None };
    if !err.is_empty() {
        output.push_str("\n[qemu stderr]\n");
        output.push_str(&String::from_utf8_lossy(&err));
    }
    Ok(Outcome { code, qemu_status, timed_out, output, raw, seconds: start.elapsed().as_secs_f64() })
}

/// Runs `cmd` with the console on the terminal (typed input reaches it);
/// returns the kernel's exit code from its stop line, 124 on timeout, 1 if
/// QEMU ended without one.
pub fn run_interactive(mut cmd: Command, timeout: Option<Duration>) -> Result<i32> {
    let mut child =
        cmd.stdout(Stdio::piped()).spawn().context("could not start qemu-system-aarch64 (run ci/setup.sh)")?;
    let mut stdout = child.stdout.take().context("no stdout")?;
    // Echo the console as it comes, keeping its last line to read the verdict.
    let echo = std::thread::spawn(move || {
        let mut tail: Vec<u8> = Vec::new();
        let mut chunk = [0u8; 4096];
        let mut out = std::io::stdout();
        while let Ok(n) = stdout.read(&mut chunk) {
            if n == 0 {
                break;
            }
            let _ = out.write_all(&chunk[..n]).and_then(|()| out.flush());
            tail.extend_from_slice(&chunk[..n]);
            if tail.len() > 8192 {
                tail.drain(..tail.len() - 4096);
            }
        }
        String::from_utf8_lossy(&tail).replace('\r', "")
    });
    let (status, timed_out) = match timeout {
        Some(t) => wait_with_timeout(&mut child, t)?,
        None => (child.wait()?.code(), false),
    };
    let tail = echo.join().unwrap_or_default();
    if timed_out {
        eprintln!("\nxtask: FAILED: QEMU stopped by the {}s timeout", timeout.map_or(0, |t| t.as_secs()));
        return Ok(124);
    }
    match kernel_exit(&tail) {
        Some(code) => Ok(code),
        None => {
            eprintln!("\nxtask: QEMU ended (status {status:?}) without the kernel's `system stop` line");
            Ok(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_net_device_gets_user_networking_on_the_host_loopback_only() {
        use crate::board::schema::Forward;
        let net = QemuNet { forward: vec![Forward { host: 5555, guest: 7 }, Forward { host: 5556, guest: 8 }] };
        let dev = "virtio-net-device,netdev=net0";
        assert_eq!(
            netdev(dev, Some(&net), None).unwrap().as_deref(),
            Some("user,id=net0,hostfwd=tcp:127.0.0.1:5555-:7,hostfwd=tcp:127.0.0.1:5556-:8")
        );
        assert_eq!(
            netdev(dev, Some(&net), Some(&[40001, 40002])).unwrap().as_deref(),
            Some("user,id=net0,hostfwd=tcp:127.0.0.1:40001-:7,hostfwd=tcp:127.0.0.1:40002-:8")
        );
        assert!(netdev(dev, Some(&net), Some(&[1])).is_err(), "a port for each forward");
        let err = netdev(dev, None, None).unwrap_err().to_string();
        assert!(err.contains("no [qemu] net"), "{err}");
        assert_eq!(netdev("virtio-blk-device,drive=disk0", Some(&net), None).unwrap(), None);
    }

    #[test]
    fn a_sound_device_gets_its_audiodev() {
        let dev = "virtio-sound-device,id=snd,audiodev=snd0,streams=1";
        assert_eq!(audiodev(dev, None).as_deref(), Some("none,id=snd0"));
        let wav = audiodev(dev, Some(Path::new("/t/s.wav"))).unwrap();
        assert!(wav.starts_with("wav,id=snd0,path=/t/s.wav,out.frequency=48000"), "{wav}");
        assert_eq!(audiodev("virtio-gpu-device,id=gpu", None), None);
    }

    #[test]
    fn a_block_device_gets_its_drive() {
        let dev = "virtio-blk-device,drive=disk0";
        assert_eq!(
            drive(dev, Some(Path::new("/t/disk.img"))).unwrap().as_deref(),
            Some("if=none,id=disk0,format=raw,file=/t/disk.img")
        );
        assert_eq!(
            drive(dev, Some(Path::new("/t/a,b.img"))).unwrap().as_deref(),
            Some("if=none,id=disk0,format=raw,file=/t/a,,b.img"),
            "a comma in the path is doubled"
        );
        let err = drive(dev, None).unwrap_err().to_string();
        assert!(err.contains("needs a disk image") && err.contains("disk0"), "{err}");
        assert_eq!(drive("virtio-gpu-device,id=gpu", None).unwrap(), None);
        assert_eq!(drive("virtio-gpu-device,id=gpu", Some(Path::new("/t/disk.img"))).unwrap(), None);
    }
}
