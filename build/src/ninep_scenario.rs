// SPDX-License-Identifier: MIT
//! The 9pfs domain end to end in QEMU, judged from outside: each run gets
//! a fresh FAT32 image made from `boards/disks/ninep/` (`board_disk`),
//! and after QEMU has quit (QMP `quit`, so the image is closed) the
//! host's `mtools` reads what the domains wrote and `fsck.vfat` checks
//! the volume.
//!
//! - [`the_demo_log_is_on_the_disk`] (`boards/ninep.toml`): the cluster
//!   reads its configuration, writes `LOGS/DEMO.LOG` and lists its tree;
//!   the host finds the log line for line;
//! - [`a_read_only_clients_writes_are_refused`] (the same board): the
//!   infotainment reads its configuration, its create and its open for
//!   writing are refused with `EROFS`, and its export is byte-identical
//!   to the folder afterwards;
//! - [`acknowledged_writes_survive_a_ninep_crash`]
//!   (`boards/test/ninep-crash.toml`): the 9pfs domain crashes in the
//!   middle of the cluster's fsync'd records, the kernel restarts it, the
//!   client reconnects, re-attaches, re-walks and goes on; every record
//!   acknowledged before the crash, and every one after, is on the disk.
//!
//! Owns the scenarios; the image is `disk_image`'s, the runner `qemu`'s.

use crate::board::schema::LogFormat;
use crate::cmd::build::build;
use crate::qemu::{self, Overrides};
use crate::qemu_tests::{find_line, has_line};
use crate::{board_disk, disk_image};
use anyhow::{Context, Result, ensure};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Builds `board`, gives it a fresh disk image (tagged `tag`), runs it
/// until `done` accepts the console, and quits QEMU through QMP; the
/// console and the image.
pub(crate) fn run(board: &str, tag: &str, done: impl Fn(&str) -> bool) -> Result<(String, PathBuf)> {
    let built = build(board, Some(LogFormat::Text))?;
    let disk = board_disk::prepare(&built.board, tag)?.context("the board has no [qemu] disk")?;
    let socket = std::env::temp_dir().join(format!("bulkhead-qmp-ninep-{tag}-{}.sock", std::process::id()));
    let _ = std::fs::remove_file(&socket);
    let overrides = Overrides {
        extra: vec!["-qmp".into(), format!("unix:{},server=on,wait=off", socket.display())],
        disk: Some(disk.clone()),
        ..Overrides::default()
    };
    let cmd = qemu::command(&built.board, &built.image, true, &overrides)?;
    let (out, quit) = qemu::run_then_quit(cmd, &socket, Duration::from_secs(240), done)?;
    let _ = std::fs::remove_file(&socket);
    let log = out.output;
    ensure!(!out.timed_out, "the scenario did not finish in time:\n{log}");
    // QEMU may end before it answers the `quit` (a broken pipe): what
    // matters is that the end was reached and QEMU exited by itself.
    if let Err(e) = quit.context("never reached the end of the scenario")? {
        println!("      (QMP quit: {e:#}; QEMU exited)");
    }
    ensure!(!log.contains("ninep-demo: FAIL"), "a client failed:\n{log}");
    Ok((log, disk))
}

/// The lines of `text`.
fn lines(bytes: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(bytes).lines().map(str::to_string).collect()
}

/// The demo board until both clients are done.
fn demo_run(tag: &str) -> Result<(String, PathBuf)> {
    run("boards/ninep.toml", tag, |log| {
        has_line(log, "[cluster] ninep-demo: done:") && has_line(log, "[ivi] ninep-demo: done (read-only)")
    })
}

/// The cluster's log is on the disk, line for line, and the volume is
/// sound.
pub fn the_demo_log_is_on_the_disk() -> Result<()> {
    let (log, disk) = demo_run("demo")?;
    ensure!(has_line(&log, "[ninep] ninep: ready (life 1)"), "the 9pfs domain never came up:\n{log}");
    ensure!(
        has_line(&log, "[cluster] ninep-demo: config: units=km"),
        "the cluster never read its configuration:\n{log}"
    );
    ensure!(has_line(&log, "[cluster] ninep-demo: /LOGS holds:"), "the cluster never listed LOGS:\n{log}");
    let written = disk_image::read_file(&disk, "/CLUSTER/LOGS/DEMO.LOG").with_context(|| format!("console:\n{log}"))?;
    let expected: Vec<String> = (1..=20).map(|k| format!("cluster log line {k}")).collect();
    let got = lines(&written);
    ensure!(got == expected, "DEMO.LOG holds {got:?}, expected {expected:?}");
    let listing = disk_image::list(&disk, "/CLUSTER/LOGS")?;
    ensure!(listing == ["DEMO.LOG", "README.TXT"], "LOGS holds {listing:?}");
    disk_image::check(&disk)?;
    println!("      the host read {} bytes of LOGS/DEMO.LOG back with mtools; fsck.vfat finds nothing", written.len());
    Ok(())
}

/// Every file of `folder`, recursively, with its path below it.
fn files_of(folder: &Path, below: &str, out: &mut Vec<(String, Vec<u8>)>) -> Result<()> {
    for entry in std::fs::read_dir(folder)? {
        let path = entry?.path();
        let name = format!("{below}/{}", path.file_name().and_then(|n| n.to_str()).unwrap_or_default());
        if path.is_dir() {
            files_of(&path, &name, out)?;
        } else {
            out.push((name, std::fs::read(&path)?));
        }
    }
    Ok(())
}

/// The infotainment's writes are refused and its export is unchanged.
pub fn a_read_only_clients_writes_are_refused() -> Result<()> {
    let (log, disk) = demo_run("readonly")?;
    ensure!(has_line(&log, "[ivi] ninep-demo: config: theme=night"), "the infotainment never read:\n{log}");
    let refused = log.lines().filter(|l| l.starts_with("[ivi] ninep-demo: write refused: EROFS")).count();
    ensure!(refused == 2, "expected the create and the open for writing refused with EROFS, saw {refused}:\n{log}");
    let mut files = Vec::new();
    files_of(&crate::workspace::root().join("boards/disks/ninep/SHARED"), "/SHARED", &mut files)?;
    ensure!(!files.is_empty(), "the folder has no files");
    for (name, bytes) in &files {
        let on_disk = disk_image::read_file(&disk, name)?;
        ensure!(&on_disk == bytes, "{name} changed on the disk");
    }
    let mut listing = disk_image::list(&disk, "/SHARED")?;
    listing.sort();
    ensure!(listing == ["CONFIG.TXT", "MAPS", "route-plan.toml"], "/SHARED holds {listing:?}: something was created");
    println!("      both writes refused with EROFS; the {} files of /SHARED are unchanged", files.len());
    Ok(())
}

/// The number after `prefix` on each line that starts with it.
fn numbers(log: &str, prefix: &str) -> Vec<u64> {
    log.lines().filter_map(|l| l.strip_prefix(prefix)?.split_whitespace().next()?.parse().ok()).collect()
}

/// Records the crash board's writer writes.
const RECORDS: u64 = 120;

/// The record the writer writes at `k`: 64 bytes.
fn record(k: u64) -> Vec<u8> {
    let mut r = format!("record {k:06} ").into_bytes();
    r.resize(63, b'.');
    r.push(b'\n');
    r
}

/// The 9pfs domain crashes mid-run; nothing acknowledged is lost.
pub fn acknowledged_writes_survive_a_ninep_crash() -> Result<()> {
    let (log, disk) = run("boards/test/ninep-crash.toml", "crash", |log| {
        has_line(log, "[cluster] ninep-demo: done:") || has_line(log, "domain ninep halted")
    })?;
    let crash = find_line(&log, 0, "[ninep] ninep: crash after").with_context(|| format!("no crash:\n{log}"))?;
    let restart = find_line(&log, crash, "domain ninep restarted").with_context(|| format!("no restart:\n{log}"))?;
    ensure!(
        find_line(&log, restart, "[cluster] ninep-demo: reconnected").is_some(),
        "the client never reconnected:\n{log}"
    );
    ensure!(
        has_line(&log, &format!("[cluster] ninep-demo: done: {RECORDS} records")),
        "the writer did not finish:\n{log}"
    );
    let before: Vec<u64> = numbers(&log[..crash], "[cluster] ninep-demo: acked ");
    let last_before = *before.last().with_context(|| format!("nothing was acknowledged before the crash:\n{log}"))?;
    let bytes = disk_image::read_file(&disk, "/CLUSTER/LOGS/TRIP.LOG")?;
    let expected: Vec<u8> = (0..RECORDS).flat_map(record).collect();
    for k in 0..=last_before {
        let at = usize::try_from(k * 64)?;
        ensure!(
            bytes.get(at..at + 64) == Some(&record(k)[..]),
            "record {k}, acknowledged before the crash, is not on the disk"
        );
    }
    ensure!(bytes == expected, "TRIP.LOG holds {} bytes, not the {RECORDS} records in order", bytes.len());
    disk_image::check(&disk)?;
    println!(
        "      {} records acknowledged before the crash, all {RECORDS} on the disk after the restart; fsck.vfat finds nothing",
        last_before + 1
    );
    Ok(())
}
