// SPDX-License-Identifier: MIT
//! The network domain end to end in QEMU, judged from outside: QEMU's
//! user networking carries the guest's TCP to and from this machine's
//! loopback only (`[qemu] net`: forwards bind 127.0.0.1; the guest reaches
//! the host's 127.0.0.1 as the gateway 10.0.2.2), and the host side of
//! every connection is a thread of this test.
//!
//! `boards/test/net.toml` runs once for three verdicts ([`net_run`]):
//! - [`the_echo_domain_echoes_a_mebibyte`]: the network domain gets its
//!   address from QEMU's DHCP server; a host client sends 1 MiB to the
//!   echo domain through the forward while it reads the echo back; both
//!   directions are compared byte for byte (and by FNV-1a);
//! - [`the_client_domain_reaches_a_host_listener`]: the probe domain
//!   connects out to a listener on the host's 127.0.0.1:5557, sends a
//!   line and prints the host's answer;
//! - [`a_forbidden_connect_is_refused_and_logged`]: the intruder's
//!   connect to 10.0.2.2:22 is refused with EACCES, and the network
//!   domain logs the refusal once.
//!
//! [`a_restart_resets_sockets_and_the_transfer_completes`]
//! (`boards/test/net-restart.toml`): the network domain crashes in the
//! middle of the probe's 1 MiB upload; the probe sees ECONNRESET,
//! reconnects and resumes from the offset the host sends first on every
//! connection (8 bytes, little-endian: bytes the host holds so far); the
//! host closes once it holds exactly the 1 MiB pattern, and the probe
//! says done after that FIN.
//!
//! Owns the scenarios and their host sides; the runner is `qemu`'s.

use crate::board::schema::LogFormat;
use crate::cmd::build::build;
use crate::qemu::{self, Overrides};
use crate::qemu_tests::has_line;
use anyhow::{Context, Result, bail, ensure};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::time::{Duration, Instant};

/// Bytes of each transfer.
const MIB: usize = 1 << 20;
/// The host listener of `boards/test/net.toml`'s probe.
const PROBE_PORT: u16 = 5557;
/// The host listener of `boards/test/net-restart.toml`'s probe.
const RESTART_PORT: u16 = 5559;
/// What the host answers the probe's line with (before the line).
const ANSWER: &str = "host saw: ";

/// Byte `i` of the pattern every transfer carries (the client domain's
/// `mode=bulk` sends the same).
fn pattern(i: usize) -> u8 {
    ((i * 31 + 7) % 251) as u8
}

/// FNV-1a, 64 bits.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

/// A port on 127.0.0.1 that nothing listens on now.
fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A host listener on 127.0.0.1:`port`, which the board's rules name.
fn listen(port: u16) -> Result<TcpListener> {
    TcpListener::bind(("127.0.0.1", port))
        .with_context(|| format!("the test needs 127.0.0.1:{port} (the board's firewall rule names it): is it taken?"))
}

/// What one run of a board gave: its console and its host side's verdict.
struct Run {
    log: String,
    host: Result<String, String>,
}

/// Runs `board` until `done` accepts the console and the host side has
/// finished, and quits QEMU through QMP.
fn run(
    board: &str,
    host_ports: Option<Vec<u16>>,
    host: impl FnOnce(mpsc::Receiver<()>) -> Result<String> + Send + 'static,
    start_host: impl Fn(&str) -> bool,
    done: impl Fn(&str) -> bool,
) -> Result<Run> {
    let built = build(board, Some(LogFormat::Text))?;
    let tag = board.replace(['/', '.'], "-");
    let socket = std::env::temp_dir().join(format!("bulkhead-qmp-{tag}-{}.sock", std::process::id()));
    let _ = std::fs::remove_file(&socket);
    let overrides = Overrides {
        extra: vec!["-qmp".into(), format!("unix:{},server=on,wait=off", socket.display())],
        host_ports,
        ..Overrides::default()
    };
    let cmd = qemu::command(&built.board, &built.image, true, &overrides)?;
    let (go, wait) = mpsc::channel();
    let verdict: Arc<Mutex<Option<Result<String, String>>>> = Arc::default();
    let finished = Arc::new(AtomicBool::new(false));
    let thread = {
        let (verdict, finished) = (verdict.clone(), finished.clone());
        std::thread::spawn(move || {
            let v = host(wait).map_err(|e| format!("{e:#}"));
            *verdict.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(v);
            finished.store(true, Ordering::SeqCst);
        })
    };
    let started = AtomicBool::new(false);
    let (out, quit) = qemu::run_then_quit(cmd, &socket, Duration::from_secs(240), |log| {
        if !started.load(Ordering::SeqCst) && start_host(log) {
            started.store(true, Ordering::SeqCst);
            let _ = go.send(());
        }
        finished.load(Ordering::SeqCst) && done(log)
    })?;
    let _ = std::fs::remove_file(&socket);
    drop(go);
    let _ = thread.join();
    let log = out.output;
    ensure!(!out.timed_out, "the scenario did not finish in time:\n{log}");
    if let Err(e) = quit.context("never reached the end of the scenario")? {
        println!("      (QMP quit: {e:#}; QEMU exited)");
    }
    let host = verdict
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .take()
        .unwrap_or_else(|| Err("the host side never finished".into()));
    Ok(Run { log, host })
}

/// The host side of `boards/test/net.toml`: answers the probe's line on
/// `probe`, then (once the echo domain listens) sends 1 MiB through the
/// forward at `echo_port` and checks what comes back.
fn net_host(probe: TcpListener, echo_port: u16, go: mpsc::Receiver<()>) -> Result<String> {
    let answer = std::thread::spawn(move || -> Result<String> {
        let (mut s, _) = probe.accept()?;
        s.set_read_timeout(Some(Duration::from_secs(60)))?;
        let mut line = Vec::new();
        let mut b = [0u8; 1];
        while s.read(&mut b)? == 1 && b[0] != b'\n' {
            line.push(b[0]);
        }
        let line = String::from_utf8_lossy(&line).into_owned();
        s.write_all(format!("{ANSWER}{line}\n").as_bytes())?;
        Ok(line)
    });
    go.recv_timeout(Duration::from_secs(120)).context("the echo domain never listened")?;
    let echoed = echo_mebibyte(echo_port)?;
    let line = answer.join().map_err(|_| anyhow::anyhow!("the probe's host thread panicked"))??;
    Ok(format!("{echoed}; the probe said {line:?}"))
}

/// Sends 1 MiB of the pattern to 127.0.0.1:`port` while reading the echo;
/// compares both.
fn echo_mebibyte(port: u16) -> Result<String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    let stream = loop {
        match TcpStream::connect(("127.0.0.1", port)) {
            Ok(s) => break s,
            Err(e) if Instant::now() > deadline => bail!("could not connect to the forward: {e}"),
            Err(_) => std::thread::sleep(Duration::from_millis(200)),
        }
    };
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let sent: Vec<u8> = (0..MIB).map(pattern).collect();
    let mut writer = stream.try_clone()?;
    let to_send = sent.clone();
    let sender = std::thread::spawn(move || -> std::io::Result<()> {
        writer.write_all(&to_send)?;
        writer.shutdown(Shutdown::Write)
    });
    let mut back = Vec::with_capacity(MIB);
    let mut reader = stream;
    let mut buf = vec![0u8; 65536];
    while back.len() < MIB {
        let n = reader.read(&mut buf).context("reading the echo")?;
        ensure!(n > 0, "the echo ended after {} of {MIB} bytes", back.len());
        back.extend_from_slice(&buf[..n]);
    }
    sender.join().map_err(|_| anyhow::anyhow!("the sender panicked"))?.context("sending")?;
    ensure!(back.len() == MIB, "{} bytes came back for {MIB}", back.len());
    if let Some(at) = back.iter().zip(&sent).position(|(a, b)| a != b) {
        bail!("the echo differs from byte {at} on");
    }
    ensure!(fnv1a(&back) == fnv1a(&sent), "checksums differ");
    Ok(format!("1 MiB echoed, fnv1a {:016x}", fnv1a(&back)))
}

/// The one run of `boards/test/net.toml` the three tests judge.
fn net_run() -> &'static Result<Run, String> {
    static RUN: OnceLock<Result<Run, String>> = OnceLock::new();
    RUN.get_or_init(|| {
        let go = || -> Result<Run> {
            let probe = listen(PROBE_PORT)?;
            let echo_port = free_port()?;
            run(
                "boards/test/net.toml",
                Some(vec![echo_port]),
                move |go| net_host(probe, echo_port, go),
                |log| has_line(log, "[echo] net-echo: listening"),
                |log| has_line(log, "[probe] net-client: done") || has_line(log, "[probe] net-client: FAIL"),
            )
        };
        go().map_err(|e| format!("{e:#}"))
    })
}

fn judged_run() -> Result<&'static Run> {
    net_run().as_ref().map_err(|e| anyhow::anyhow!("the run of test/net failed: {e}"))
}

/// The echo domain echoes 1 MiB from a host client through the forward.
pub fn the_echo_domain_echoes_a_mebibyte() -> Result<()> {
    let run = judged_run()?;
    ensure!(
        has_line(&run.log, "[network] network: address 10.0.2.15/24"),
        "QEMU's DHCP server never gave the network domain its address (the board says ip=dhcp):\n{}",
        run.log
    );
    match &run.host {
        Ok(v) if v.starts_with("1 MiB echoed") => {
            println!("      ({v})");
            Ok(())
        }
        Ok(v) => bail!("unexpected host verdict {v}\n{}", run.log),
        Err(e) => bail!("host side: {e}\n{}", run.log),
    }
}

/// The probe domain connects to the host's 127.0.0.1 and gets its answer.
pub fn the_client_domain_reaches_a_host_listener() -> Result<()> {
    let run = judged_run()?;
    let line = "hello from the cluster";
    ensure!(
        run.host.as_ref().is_ok_and(|v| v.contains(&format!("the probe said {line:?}"))),
        "the host listener never got the probe's line ({:?}):\n{}",
        run.host,
        run.log
    );
    ensure!(
        has_line(&run.log, &format!("[probe] net-client: reply: {ANSWER}{line}")),
        "the probe never printed the host's answer:\n{}",
        run.log
    );
    Ok(())
}

/// The intruder's connect is refused with EACCES and logged once.
pub fn a_forbidden_connect_is_refused_and_logged() -> Result<()> {
    let run = judged_run()?;
    ensure!(has_line(&run.log, "[intruder] net-client: refused: EACCES"), "no EACCES for the intruder:\n{}", run.log);
    let logged =
        run.log.lines().filter(|l| l.starts_with("[network] network: firewall: client intruder refused")).count();
    ensure!(logged == 1, "the refusal was logged {logged} times (want once):\n{}", run.log);
    Ok(())
}

/// The host side of `boards/test/net-restart.toml`: accepts connections
/// from the probe until it holds the whole 1 MiB, telling each new one
/// where to resume.
fn restart_host(listener: TcpListener) -> Result<String> {
    let mut got: Vec<u8> = Vec::with_capacity(MIB);
    let mut connections = 0;
    let deadline = Instant::now() + Duration::from_secs(200);
    listener.set_nonblocking(true)?;
    while got.len() < MIB {
        let mut s = loop {
            match listener.accept() {
                Ok((s, _)) => break s,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock && Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) => bail!("after {} bytes in {connections} connections: accept: {e}", got.len()),
            }
        };
        s.set_nonblocking(false)?;
        s.set_read_timeout(Some(Duration::from_secs(60)))?;
        connections += 1;
        s.write_all(&(got.len() as u64).to_le_bytes())?;
        let mut buf = vec![0u8; 65536];
        // The host closes once it holds the whole MiB: the client waits
        // for that FIN before it says done.
        while got.len() < MIB {
            match s.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
                // A reset: the network domain restarted. Keep what came.
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
                Err(e) => bail!("after {} bytes: read: {e}", got.len()),
            }
        }
    }
    ensure!(got.len() == MIB, "{} bytes for {MIB}", got.len());
    if let Some(at) = got.iter().enumerate().position(|(i, b)| *b != pattern(i)) {
        bail!("the stitched upload differs from the pattern at byte {at}");
    }
    Ok(format!("1 MiB in {connections} connections, fnv1a {:016x}", fnv1a(&got)))
}

/// The network domain crashes mid-upload; the probe reconnects and the
/// host ends with the whole upload.
pub fn a_restart_resets_sockets_and_the_transfer_completes() -> Result<()> {
    let listener = listen(RESTART_PORT)?;
    let run = run(
        "boards/test/net-restart.toml",
        None,
        move |_| restart_host(listener),
        |_| true,
        |log| has_line(log, "[probe] net-client: done") || has_line(log, "[probe] net-client: FAIL"),
    )?;
    let log = &run.log;
    let verdict = run.host.map_err(|e| anyhow::anyhow!("host side: {e}\n{log}"))?;
    ensure!(has_line(log, "[network] network: crash after"), "the network domain never crashed:\n{log}");
    ensure!(has_line(log, "[network] network: ready (life 2)"), "the network domain never came back:\n{log}");
    ensure!(has_line(log, "[probe] net-client: reset after"), "the probe never saw the reset:\n{log}");
    ensure!(!verdict.starts_with("1 MiB in 1 "), "one connection carried it all: no restart mid-transfer ({verdict})");
    ensure!(has_line(log, "[probe] net-client: done"), "the probe did not finish:\n{log}");
    println!("      ({verdict})");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pattern_is_the_client_domains() {
        assert_eq!((pattern(0), pattern(1), pattern(8)), (7, 38, 255 % 251));
        assert_ne!(fnv1a(b"a"), fnv1a(b"b"));
    }
}
