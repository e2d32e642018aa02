// SPDX-License-Identifier: MIT
//! The network domain's figures (`boards/test/net-bench.toml`, under
//! `-icount shift=0,sleep=off`: one counter tick per instruction, of
//! every vCPU and the kernel, counted on the one global counter):
//!
//! - `net_tcp_bytes_per_kinsn`: the client domain sends 1 MiB over TCP
//!   through the network domain to a listener on the host's 127.0.0.1
//!   (QEMU's user networking), checked byte for byte by the host, which
//!   closes once it holds it all. Counted on the two domains: the
//!   client's ticks from its first byte to the host's FIN less those it
//!   slept (`net_bulk_asleep`), plus the network domain's ticks in its
//!   passes that moved bytes, scaled to 1 MiB (`net_server_*`). Not the
//!   span from first byte to FIN: while both domains wait for QEMU's
//!   slirp and the host's TCP, which run in real time, `sleep=off` warps
//!   the counter to the next timer deadline, so the span measures the
//!   domains' timers, not their work (one run: 0.04 bytes/kinsn by span,
//!   against 26 by work). The counter is global, so a span of one domain
//!   also holds what another vCPU ran meanwhile: the figure errs low;
//! - `net_memcpy_bytes_per_kinsn` and `net_tcp_ratio_vs_memcpy`: the
//!   client's own `copy_from_slice` of 1 MiB, and how many times dearer a
//!   byte through the network domain is than a byte copied natively;
//! - `net_connect_latency_insns`: from CONNECT to its completion against
//!   the host listener, the mean of 20 (SYN, SYN-ACK through slirp, the
//!   completion event);
//! - `net_server_insns_per_kib`: the ticks the network domain spent in its
//!   passes that moved something (sessions, smoltcp, the data rings, the
//!   NIC), per KiB moved: its own share of the transfer.
//!
//! The host's TCP stack and QEMU's slirp run on the host in real time
//! while `sleep=off` advances the guest's counter with instructions, so
//! these figures repeat less exactly than pure-CPU ones; each is the
//! median of [`RUNS`]. Xen is not compared: Xen's PV Calls backend runs
//! in a Linux dom0, which dom0less (our Xen peer on the same QEMU) does
//! not have.

use super::{checks, parse_bench};
use crate::board::schema::LogFormat;
use crate::qemu::{self, Overrides};
use anyhow::{Context, Result, bail, ensure};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The benchmark board.
const BOARD: &str = "boards/test/net-bench.toml";
/// The host listener the board's client connects to (its firewall rule).
const PORT: u16 = 5560;
/// Runs of the benchmark board; each figure is their median.
const RUNS: usize = 3;
/// Bytes of the transfer.
const MIB: usize = 1 << 20;

/// Every figure of this part: the median of [`RUNS`] runs.
pub fn metrics() -> Result<BTreeMap<String, f64>> {
    let mut runs = Vec::new();
    for _ in 0..RUNS {
        runs.push(one_run()?);
    }
    super::ninep::median_of(&runs, "net")
}

/// The host side: takes the 1 MiB upload (telling the client to start
/// at offset 0), checks it, closes; then accepts and drops the latency
/// connections until `stop`.
fn host(listener: TcpListener, stop: Arc<AtomicBool>) -> Result<()> {
    let (mut s, _) = listener.accept()?;
    s.set_read_timeout(Some(Duration::from_secs(300)))?;
    s.write_all(&0u64.to_le_bytes())?;
    let mut got = Vec::with_capacity(MIB);
    let mut buf = vec![0u8; 65536];
    while got.len() < MIB {
        let n = s.read(&mut buf)?;
        ensure!(n > 0, "the upload ended after {} bytes", got.len());
        got.extend_from_slice(&buf[..n]);
    }
    ensure!(got.len() == MIB, "{} bytes for {MIB}", got.len());
    if let Some(at) = got.iter().enumerate().position(|(i, b)| *b != ((i * 31 + 7) % 251) as u8) {
        bail!("the upload differs from the pattern at byte {at}");
    }
    drop(s);
    listener.set_nonblocking(true)?;
    while !stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((s, _)) => drop(s),
            Err(_) => std::thread::sleep(Duration::from_millis(5)),
        }
    }
    Ok(())
}

/// One run of the benchmark board.
fn one_run() -> Result<BTreeMap<String, f64>> {
    let built = super::super::build::build(BOARD, Some(LogFormat::Text))?;
    let listener = TcpListener::bind(("127.0.0.1", PORT))
        .with_context(|| format!("the benchmark needs 127.0.0.1:{PORT} (its board's firewall rule names it)"))?;
    let stop = Arc::new(AtomicBool::new(false));
    let host = {
        let stop = stop.clone();
        std::thread::spawn(move || host(listener, stop))
    };
    let cmd = qemu::command(&built.board, &built.image, true, &Overrides::default())?;
    let done = |log: &str| log.contains("[client] net-client: done") || log.contains("net-client: FAIL");
    let out = qemu::run_until(cmd, Duration::from_secs(600), done);
    stop.store(true, Ordering::SeqCst);
    let hosted = host.join().map_err(|_| anyhow::anyhow!("the host side panicked"))?;
    let out = out?;
    hosted.with_context(|| format!("host side:\n{}", out.output))?;
    ensure!(
        out.output.contains("[client] net-client: done") && !out.output.contains("FAIL"),
        "the network benchmark did not finish:\n{}",
        out.output
    );
    let client = parse_bench(&out.output, "[client] ")?;
    checks::icount_proof(&client, "network client")?;
    let server = parse_bench(&out.output, "[network] ")?;
    figures(&client, &server)
}

/// The figures from the client's and the network domain's reports (pure;
/// host-tested).
pub fn figures(client: &BTreeMap<String, u64>, server: &BTreeMap<String, u64>) -> Result<BTreeMap<String, f64>> {
    let get = |from: &BTreeMap<String, u64>, key: &str| {
        from.get(key).copied().with_context(|| format!("the network benchmark did not report {key}"))
    };
    let span = |what: &str| -> Result<f64> {
        let (start, end) = (get(client, &format!("net_{what}_start"))?, get(client, &format!("net_{what}_end"))?);
        ensure!(end > start, "net_{what}: the end ({end}) is not after the start ({start})");
        Ok((end - start) as f64)
    };
    let bytes = get(client, "net_bulk_bytes")? as f64;
    ensure!(bytes >= MIB as f64, "only {bytes} bytes were sent, not 1 MiB");
    let per_kinsn = |ticks: f64| checks::round(bytes * 1000.0 / ticks, 2);
    let asleep = get(client, "net_bulk_asleep")? as f64;
    let client_work = span("bulk")? - asleep;
    ensure!(client_work > 0.0, "the client slept {asleep} ticks of its upload's {}", span("bulk")?);
    let connects = get(client, "net_connect_count")?;
    ensure!(connects > 0, "no connect was timed");
    let connect_ticks = get(client, "net_connect_ticks")?;
    ensure!(connect_ticks > 0, "20 connects took no ticks");
    let (server_ticks, moved) = (get(server, "net_server_ticks")?, get(server, "net_server_bytes")?);
    ensure!(
        server_ticks > 0 && moved >= MIB as u64,
        "the network domain reported {server_ticks} ticks for {moved} bytes"
    );
    let server_work = server_ticks as f64 * bytes / moved as f64;
    let (tcp, memcpy) = (per_kinsn(client_work + server_work), per_kinsn(span("memcpy")?));
    let mut out = BTreeMap::new();
    out.insert("net_tcp_bytes_per_kinsn".into(), tcp);
    out.insert("net_memcpy_bytes_per_kinsn".into(), memcpy);
    out.insert("net_tcp_ratio_vs_memcpy".into(), checks::ratio(memcpy, tcp, "memcpy over TCP")?);
    out.insert("net_connect_latency_insns".into(), (connect_ticks as f64 / connects as f64).round());
    out.insert("net_server_insns_per_kib".into(), (server_ticks as f64 * 1024.0 / moved as f64).round());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reports() -> (BTreeMap<String, u64>, BTreeMap<String, u64>) {
        let client = BTreeMap::from([
            ("net_bulk_bytes".to_string(), 1_048_576),
            ("net_bulk_start".into(), 1_000),
            ("net_bulk_end".into(), 1_000 + 104_857_600),
            ("net_bulk_asleep".into(), 52_428_800),
            ("net_memcpy_start".into(), 10),
            ("net_memcpy_end".into(), 10 + 262_144),
            ("net_connect_ticks".into(), 2_000_000),
            ("net_connect_count".into(), 20),
        ]);
        let server =
            BTreeMap::from([("net_server_ticks".to_string(), 20_971_520), ("net_server_bytes".into(), 2_097_152)]);
        (client, server)
    }

    #[test]
    fn bytes_per_thousand_instructions_the_ratio_and_the_means() {
        let (c, s) = reports();
        let f = figures(&c, &s).unwrap();
        // 50 Mi client ticks of work + 20 Mi of the server's for 2 MiB,
        // scaled to the 1 MiB sent: 60 Mi ticks.
        assert_eq!(f["net_tcp_bytes_per_kinsn"], checks::round(1_048_576_000.0 / 62_914_560.0, 2));
        assert_eq!(f["net_memcpy_bytes_per_kinsn"], 4000.0);
        assert!(f["net_tcp_ratio_vs_memcpy"] > 200.0);
        assert_eq!(f["net_connect_latency_insns"], 100_000.0);
        assert_eq!(f["net_server_insns_per_kib"], 10_240.0);
    }

    #[test]
    fn backwards_spans_missing_reports_and_short_transfers_are_errors() {
        let (mut c, s) = reports();
        c.insert("net_bulk_end".into(), 5);
        assert!(figures(&c, &s).unwrap_err().to_string().contains("not after the start"));
        let (mut c, s) = reports();
        c.remove("net_connect_count");
        assert!(figures(&c, &s).is_err());
        let (mut c, s) = reports();
        c.insert("net_bulk_bytes".into(), 4096);
        assert!(figures(&c, &s).unwrap_err().to_string().contains("not 1 MiB"));
        let (c, mut s) = reports();
        s.insert("net_server_ticks".into(), 0);
        assert!(figures(&c, &s).is_err());
        let (mut c, s) = reports();
        c.insert("net_bulk_asleep".into(), 104_857_600);
        assert!(figures(&c, &s).unwrap_err().to_string().contains("slept"));
    }
}
