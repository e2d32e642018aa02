// SPDX-License-Identifier: MIT
//! An unmodified Debian Linux plays a tone through a virtio-snd device a
//! device model emulates, on `boards/test/virtio-snd.toml`: Linux's
//! `virtio_snd` drives the device `domains/devmodel` emulates, which plays
//! Linux's periods through the sound domain as its client `linux`; the
//! sound domain mixes them with the cluster's warning chime (which ducks
//! Linux by 12 dB) onto QEMU's virtio-sound, recorded to a wav. `/init`'s
//! `virtio-snd` step runs `/bin/bulkhead-tone` (5 s of 480 Hz at -6
//! dBFS, `build/src/guest/tone.rs`). The recording is judged by FFT in
//! 50 ms windows (`wav_analysis`), as `sound_scenario` judges the demo:
//! the tone is there at its level, the chime too, and the tone is ducked
//! while the chime sounds.

use super::{Ctx, find_line, has_line};
use crate::wav_analysis::{self, Levels};
use anyhow::{Context, Result, ensure};
use std::time::Duration;

/// Linux's tone and the cluster's chime.
const TONE_HZ: f64 = 480.0;
const CHIME_HZ: f64 = 1000.0;
/// Both are played at half of full scale: -6.02 dBFS.
const PLAYED_DB: f64 = -6.02;
/// The board's ducking (`duck=-120`).
const DUCK_DB: f64 = -12.0;
/// How far a measured level may be from the expected one.
const TOLERANCE_DB: f64 = 1.5;
/// Analysis windows: 50 ms, every 25 ms, at 48 kHz.
const WINDOW: usize = 2400;
const HOP: usize = 1200;
/// A tone is "on" above this, "off" below [`OFF_DB`].
const ON_DB: f64 = -30.0;
const OFF_DB: f64 = -50.0;
/// Seconds of tone the windows must cover at least (of the 5 s played;
/// the start and the end lose a little to the pipeline's latency).
const MIN_TONE_SECONDS: f64 = 3.0;

fn near(what: &str, windows: &[&Levels], tone: usize, expected: f64) -> Result<f64> {
    let m = wav_analysis::median(windows.iter().map(|l| l.db[tone])).with_context(|| format!("{what}: no window"))?;
    ensure!((m - expected).abs() <= TOLERANCE_DB, "{what}: {m:.2} dBFS, expected {expected:.2} ±{TOLERANCE_DB}");
    Ok(m)
}

pub(super) fn linux_plays_a_tone_through_the_sound_domain(_ctx: &mut Ctx) -> Result<()> {
    let dir = crate::workspace::target_dir().join("sound");
    std::fs::create_dir_all(&dir)?;
    let wav = dir.join("virtio-snd.wav");
    let _ = std::fs::remove_file(&wav);
    let (cmd, socket) =
        crate::input_scenario::with_qmp_and("boards/test/virtio-snd.toml", "virtio-snd", Some(wav.clone()))?;
    let done = |log: &str| has_line(log, "[linux] BULKHEAD-STEP-DONE: virtio-snd ") || log.contains("fault: domain ");
    let (out, quit) = crate::qemu::run_then_quit(cmd, &socket, Duration::from_secs(120), done)?;
    let _ = std::fs::remove_file(&socket);
    let log = out.output;
    ensure!(!out.timed_out, "Linux's virtio-snd step did not finish in time:\n{log}");
    quit.context("never reached the end of the step")?.with_context(|| format!("QMP quit failed:\n{log}"))?;
    for who in ["linux", "dm", "sound", "cluster"] {
        ensure!(!log.contains(&format!("fault: domain {who}")), "domain {who} faulted:\n{log}");
    }
    ensure!(has_line(&log, "[linux] BULKHEAD-SND: ready"), "Linux found no /dev/snd/pcmC0D0p:\n{log}");
    ensure!(has_line(&log, "[linux] BULKHEAD-TONE: playing"), "the tone program never played:\n{log}");
    ensure!(has_line(&log, "[linux] BULKHEAD-TONE: done"), "the tone program did not finish:\n{log}");
    ensure!(has_line(&log, "[linux] BULKHEAD-STEP-DONE: virtio-snd 0"), "Linux's step failed:\n{log}");
    let opened = find_line(&log, 0, "[dm] devmodel: sound: playing 48000 Hz 2 ch, period ")
        .with_context(|| format!("the device model never opened its stream:\n{log}"))?;
    let opened = log[opened..].lines().next().unwrap_or_default().to_owned();
    // A guest slowed down by its host may underrun; the program prepares
    // again and goes on (at most 15 times, else it fails).
    let underruns = log.lines().filter(|l| l.starts_with("[linux] BULKHEAD-TONE: underrun")).count();

    let rec = wav_analysis::load(&wav).with_context(|| format!("console:\n{log}"))?;
    let levels = wav_analysis::tone_levels(&rec, &[TONE_HZ, CHIME_HZ], WINDOW, HOP);
    const T: usize = 0;
    const C: usize = 1;
    let hop = HOP as f64 / f64::from(rec.rate);
    let tone_seconds = levels.iter().filter(|l| l.db[T] > ON_DB).count() as f64 * hop;
    ensure!(
        tone_seconds >= MIN_TONE_SECONDS,
        "the tone sounded for {tone_seconds:.2} s of {:.1} s recorded, not at least {MIN_TONE_SECONDS} s",
        rec.seconds()
    );
    let chime = wav_analysis::inside(&levels, |l| l.db[C] > ON_DB);
    let chime_level = near("the chime", &chime, C, PLAYED_DB)?;
    let alone = wav_analysis::inside(&levels, |l| l.db[C] < OFF_DB && l.db[T] > ON_DB);
    let tone_level = near("Linux's tone, no chime", &alone, T, PLAYED_DB)?;
    let ducked = wav_analysis::inside(&levels, |l| l.db[C] > ON_DB && l.db[T] > OFF_DB);
    let ducked_level = near("Linux's tone under the chime", &ducked, T, PLAYED_DB + DUCK_DB)?;
    println!(
        "      {opened}; tone {tone_level:.2} dBFS for {tone_seconds:.2} s, chime {chime_level:.2} dBFS, \
         tone under the chime {ducked_level:.2} dBFS ({:.2} dB), {underruns} underruns, {:.1} s recorded",
        ducked_level - tone_level,
        rec.seconds()
    );
    Ok(())
}
