// SPDX-License-Identifier: MIT
//! The sound domain end to end in QEMU, judged by ear — by FFT: QEMU's
//! `wav` audiodev records what the virtio-sound device plays, and
//! [`crate::wav_analysis`] measures the 440 Hz tone (the infotainment)
//! and the 1 kHz chime (the cluster) in 50 ms windows.
//!
//! - [`tones_duck_and_mute`] (`boards/sound.toml`): both tones are there
//!   at their expected levels, the tone drops by the ducking amount while
//!   the chime sounds and comes back when it stops, and the tone's mute
//!   silences it while the chime goes on;
//! - [`both_tones_are_back_after_a_sound_restart`]
//!   (`boards/test/sound-restart.toml`): the sound domain crashes, the
//!   kernel restarts it and resets the device, both clients reconnect and
//!   reopen, and both tones are in the recording after the restart; the
//!   chime's silence (from the crash to the first period that carries the
//!   cluster again) is printed;
//! - [`capture_reads_silence_at_the_device_rate`]
//!   (`boards/test/sound-capture.toml`, QEMU's `none` audiodev, which
//!   records silence: so capture is tested for its bytes, pace and
//!   positions, not for content).
//!
//! QEMU is stopped with QMP `quit`, so that it finishes the wav header.
//! Owns the scenarios and their expected levels; the analysis is
//! `wav_analysis`'s, the runner `qemu`'s.

use crate::input_scenario::with_qmp_and;
use crate::qemu;
use crate::qemu_tests::{find_line, has_line};
use crate::wav_analysis::{self, Levels, Recording};
use anyhow::{Context, Result, ensure};
use std::path::PathBuf;
use std::time::Duration;

/// The tone and the chime.
const TONE_HZ: f64 = 440.0;
const CHIME_HZ: f64 = 1000.0;
/// Both demos play at half of full scale: -6.02 dBFS.
const PLAYED_DB: f64 = -6.02;
/// The board's default volume of the infotainment (`v-60`).
const TONE_VOLUME_DB: f64 = -6.0;
/// The board's ducking (`duck=-120`).
const DUCK_DB: f64 = -12.0;
/// How far a measured level may be from the expected one.
const TOLERANCE_DB: f64 = 1.0;
/// Analysis windows: 50 ms, every 25 ms, at 48 kHz.
const WINDOW: usize = 2400;
const HOP: usize = 1200;
/// A tone is "on" above this, "off" below [`OFF_DB`].
const ON_DB: f64 = -30.0;
const OFF_DB: f64 = -50.0;

fn wav_path(name: &str) -> Result<PathBuf> {
    let dir = crate::workspace::target_dir().join("sound");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("{name}.wav"));
    let _ = std::fs::remove_file(&path);
    Ok(path)
}

/// Runs `board` recording into `wav` until `done` accepts the console,
/// then quits QEMU through QMP (so that the wav file is complete).
fn record(board: &str, name: &str, done: impl Fn(&str) -> bool) -> Result<(String, Recording)> {
    let wav = wav_path(name)?;
    let (cmd, socket) = with_qmp_and(board, name, Some(wav.clone()))?;
    let (out, quit) = qemu::run_then_quit(cmd, &socket, Duration::from_secs(180), done)?;
    let _ = std::fs::remove_file(&socket);
    let log = out.output;
    ensure!(!out.timed_out, "the scenario did not finish in time:\n{log}");
    quit.context("never reached the end of the scenario")?.with_context(|| format!("QMP quit failed:\n{log}"))?;
    let rec = wav_analysis::load(&wav).with_context(|| format!("console:\n{log}"))?;
    Ok((log, rec))
}

fn median_of(windows: &[&Levels], tone: usize) -> Option<f64> {
    wav_analysis::median(windows.iter().map(|l| l.db[tone]))
}

fn near(what: &str, measured: Option<f64>, expected: f64) -> Result<f64> {
    let m = measured.with_context(|| format!("{what}: no window to measure"))?;
    ensure!((m - expected).abs() <= TOLERANCE_DB, "{what}: {m:.2} dBFS, expected {expected:.2} ±{TOLERANCE_DB}");
    Ok(m)
}

/// Both tones at their levels, ducking while the chime sounds, mute.
pub fn tones_duck_and_mute() -> Result<()> {
    let (log, rec) = record("boards/sound.toml", "sound", |log| {
        find_line(log, 0, "[ivi] sound-player: unmuted").is_some_and(|at| log[at..].contains("sound: period 800"))
    })?;
    ensure!(has_line(&log, "[ivi] sound-player: muted"), "the tone never muted:\n{log}");
    let levels = wav_analysis::tone_levels(&rec, &[TONE_HZ, CHIME_HZ], WINDOW, HOP);
    const T: usize = 0;
    const C: usize = 1;
    let chime = wav_analysis::inside(&levels, |l| l.db[C] > ON_DB);
    let quiet = wav_analysis::inside(&levels, |l| l.db[C] < OFF_DB && l.db[T] > ON_DB);
    let chime_level = near("the chime", median_of(&chime, C), PLAYED_DB)?;
    let tone_level = near("the tone, no chime", median_of(&quiet, T), PLAYED_DB + TONE_VOLUME_DB)?;
    let ducked = wav_analysis::inside(&levels, |l| l.db[C] > ON_DB && l.db[T] > OFF_DB);
    let ducked_level = near("the tone under the chime", median_of(&ducked, T), PLAYED_DB + TONE_VOLUME_DB + DUCK_DB)?;
    // Mute: a run of about a second (100 periods) with no tone, during
    // which the chime still sounds.
    // A chime's abrupt start splatters into the 440 Hz bins for a window
    // or two: runs of silence that close are one.
    let mut muted: Vec<(f64, f64)> = Vec::new();
    for (from, to) in wav_analysis::runs(&levels, |l| l.db[T] < OFF_DB) {
        match muted.last_mut() {
            Some(last) if from - last.1 <= 0.1 => last.1 = to,
            _ => muted.push((from, to)),
        }
    }
    let hop = HOP as f64 / f64::from(rec.rate);
    let first_sound = levels.iter().find(|l| l.db[T] > ON_DB).map(|l| l.start).context("the tone never played")?;
    let mute = muted
        .iter()
        .find(|(from, to)| *from > first_sound && to - from > 0.8)
        .with_context(|| format!("no second of muted tone after {first_sound:.2} s: runs {muted:?}"))?;
    let chime_in_mute = levels.iter().any(|l| l.start > mute.0 && l.start < mute.1 && l.db[C] > ON_DB);
    ensure!(chime_in_mute, "the chime did not sound while the tone was muted ({:.2}..{:.2} s)", mute.0, mute.1);
    println!(
        "      chime {chime_level:.2} dBFS, tone {tone_level:.2} dBFS, ducked {ducked_level:.2} dBFS ({:.2} dB), muted {:.2}..{:.2} s, {:.1} s recorded (hop {hop:.3} s)",
        ducked_level - tone_level,
        mute.0,
        mute.1,
        rec.seconds()
    );
    Ok(())
}

/// The first counter value printed as `<prefix><n>` at or after `from`.
fn counter_after(log: &str, from: usize, prefix: &str) -> Option<u64> {
    log.get(from..)?
        .lines()
        .find_map(|l| l.strip_prefix(prefix))
        .and_then(|r| r.split_whitespace().next()?.parse().ok())
}

/// The sound domain crashes, restarts; both tones come back.
pub fn both_tones_are_back_after_a_sound_restart() -> Result<()> {
    let (log, rec) = record("boards/test/sound-restart.toml", "sound-restart", |log| {
        find_line(log, 0, "fault: domain sound").is_some_and(|at| {
            log[at..].contains("[ivi] sound-player: reconnected")
                && log[at..].contains("[cluster] sound-player: reconnected")
                && log[at..].contains("sound: period 300 ")
        })
    })?;
    ensure!(
        has_line(&log, "fault: domain sound vCPU 0 (pCPU 1): domain panic"),
        "the sound domain did not crash:\n{log}"
    );
    let restart = find_line(&log, 0, "domain sound restarted").context("no restart")?;
    let crash = counter_after(&log, 0, "[sound] sound: crash at counter ").context("no crash counter")?;
    let back = counter_after(&log, restart, "[sound] sound: client 0 heard at counter ")
        .context("the chime never came back")?;
    ensure!(back > crash, "the chime came back ({back}) before the crash ({crash})");
    // The last two seconds of the recording are after the restart.
    let levels = wav_analysis::tone_levels(&rec, &[TONE_HZ, CHIME_HZ], WINDOW, HOP);
    let tail: Vec<&Levels> = levels.iter().filter(|l| l.start > rec.seconds() - 2.0).collect();
    ensure!(tail.iter().any(|l| l.db[1] > ON_DB), "no chime in the last 2 s after the restart");
    ensure!(tail.iter().any(|l| l.db[0] > ON_DB), "no tone in the last 2 s after the restart");
    println!(
        "      the chime was silent for {:.1} ms of virtual time (crash to first period with it)",
        (back - crash) as f64 / 1e6
    );
    Ok(())
}

/// `<key> <number>` in `line`, the number after the key.
fn number_after(line: &str, key: &str) -> Option<u64> {
    line.split(key).nth(1)?.split_whitespace().next()?.trim_end_matches(',').parse().ok()
}

/// Capture with QEMU's `none` audiodev (`boards/test/sound-capture.toml`):
/// the capture client reads 50 periods through the sound domain; they
/// are whole, silent, paced at the device's rate, and come with position
/// events.
pub fn capture_reads_silence_at_the_device_rate() -> Result<()> {
    let built =
        crate::cmd::build::build("boards/test/sound-capture.toml", Some(crate::board::schema::LogFormat::Text))?;
    let cmd = qemu::command(&built.board, &built.image, true, &qemu::Overrides::default())?;
    let prefix = "[ivi] sound-player: captured ";
    let out = qemu::run_until(cmd, Duration::from_secs(120), |log| find_line(log, 0, prefix).is_some())?;
    let log = out.output;
    ensure!(has_line(&log, "[sound] sound: ready (life 1): device stream 0, capture yes"), "no capture device:\n{log}");
    let at = find_line(&log, 0, prefix).with_context(|| format!("the client captured nothing:\n{log}"))?;
    let line = log[at..].lines().next().unwrap_or_default();
    let bytes = number_after(line, "captured ").context("no byte count")?;
    let ms = number_after(line, " over ").context("no duration")?;
    let positions = number_after(line, "positions ").context("no positions")?;
    ensure!(bytes == 50 * 1920, "captured {bytes} bytes, not 50 periods of 1,920: {line}");
    ensure!(line.contains("silent yes"), "QEMU's none audiodev records silence, the client got sound: {line}");
    // 49 periods of 10 ms between the first read and the last, less up to
    // 4 periods already captured into the stream's buffer (40 ms) before
    // the first read, and some slack for the start.
    ensure!((400..=560).contains(&ms), "50 periods took {ms} ms, not about 450 to 490: {line}");
    ensure!(positions >= 40, "only {positions} position events for 50 periods: {line}");
    println!("      {bytes} bytes of silence in {ms} ms, {positions} position events");
    Ok(())
}
