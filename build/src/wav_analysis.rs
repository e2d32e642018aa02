// SPDX-License-Identifier: MIT
//! Reading a WAV file that QEMU's `wav` audiodev recorded (the sound
//! domain's output) and measuring it: the level of given sine tones over
//! time (short-time FFT, Hann window), runs of windows that satisfy a
//! condition, medians, and the RMS level of a time span.
//!
//! Levels are in dBFS of a sine's peak amplitude: a full-scale sine
//! (amplitude 1.0) reads 0 dB at its frequency; nothing reads below
//! [`FLOOR_DB`]. Only the first channel is kept.
//!
//! This module measures; it decides nothing about whether a scenario
//! passed. The thresholds and expectations belong to the scenarios.

use anyhow::{Context, Result, bail, ensure};
use rustfft::FftPlanner;
use rustfft::num_complex::Complex;
use std::path::Path;

/// The level that silence (and anything quieter) reads, in dB: finite, so
/// that comparisons and medians never meet `-inf` or NaN.
pub const FLOOR_DB: f64 = -140.0;

/// How many FFT bins either side of a tone's frequency count towards it.
/// The Hann window's main lobe is ±2 bins wide, so ±3 holds all but a
/// negligible part of a sine's energy wherever it falls between bins.
const HALF_BAND_BINS: f64 = 3.0;

/// A recording: the first channel's samples, normalised to [-1, 1].
#[derive(Debug, Clone, PartialEq)]
pub struct Recording {
    /// Samples per second (per channel).
    pub rate: u32,
    /// How many channels the file had (only the first is kept).
    pub channels: u16,
    /// The first channel's samples, normalised to [-1, 1].
    pub left: Vec<f32>,
}

impl Recording {
    /// A one-channel recording from samples already in [-1, 1] (for tests
    /// and synthetic signals).
    pub fn from_samples(rate: u32, left: Vec<f32>) -> Recording {
        Recording { rate, channels: 1, left }
    }

    /// The recording's length in seconds (0 when `rate` is 0).
    pub fn seconds(&self) -> f64 {
        if self.rate == 0 { 0.0 } else { self.left.len() as f64 / f64::from(self.rate) }
    }
}

/// Reads the WAV file at `path`: integer PCM of any width hound reads
/// (S16 is divided by 32768, S32 by 2^31) or 32-bit float, keeping the
/// first channel.
///
/// Errors, each naming the path: the file is missing or unreadable, its
/// header is not a WAV header hound understands, its samples end before the
/// header says, or it holds no samples at all (QEMU writes the lengths into
/// the header only when the audiodev is closed, so a QEMU killed rather than
/// quit leaves a file that reads as empty).
pub fn load(path: &Path) -> Result<Recording> {
    let shown = path.display();
    let mut reader = hound::WavReader::open(path).with_context(|| format!("reading the WAV header of {shown}"))?;
    let spec = reader.spec();
    ensure!(spec.channels > 0, "{shown}: the WAV header says 0 channels");
    ensure!(spec.sample_rate > 0, "{shown}: the WAV header says a sample rate of 0");
    ensure!(reader.len() > 0, "{shown}: the WAV file holds no samples (was QEMU stopped before it closed the file?)");
    let channels = usize::from(spec.channels);
    let left: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Int => {
            ensure!(
                (1..=32).contains(&spec.bits_per_sample),
                "{shown}: unsupported sample width of {} bits",
                spec.bits_per_sample
            );
            let scale = 1.0 / f64::from(1u32 << (spec.bits_per_sample - 1));
            reader
                .samples::<i32>()
                .step_by(channels)
                .map(|s| s.map(|v| (f64::from(v) * scale) as f32))
                .collect::<Result<_, _>>()
                .with_context(|| format!("reading the samples of {shown}"))?
        }
        hound::SampleFormat::Float => {
            if spec.bits_per_sample != 32 {
                bail!("{shown}: unsupported float sample width of {} bits", spec.bits_per_sample);
            }
            reader
                .samples::<f32>()
                .step_by(channels)
                .collect::<Result<_, _>>()
                .with_context(|| format!("reading the samples of {shown}"))?
        }
    };
    ensure!(!left.is_empty(), "{shown}: the WAV file holds no samples");
    Ok(Recording { rate: spec.sample_rate, channels: spec.channels, left })
}

/// The levels of the asked-for tones in one analysis window.
#[derive(Debug, Clone, PartialEq)]
pub struct Levels {
    /// Where the window starts, in seconds from the start of the recording.
    pub start: f64,
    /// One level per frequency asked for, in the same order: dBFS of the
    /// sine's peak amplitude (amplitude 1.0 reads 0 dB), never below
    /// [`FLOOR_DB`], never NaN.
    pub db: Vec<f64>,
}

/// Converts an amplitude (or RMS) to dB, with [`FLOOR_DB`] for silence.
fn to_db(amplitude: f64) -> f64 {
    let db = 20.0 * amplitude.log10();
    if db.is_nan() { FLOOR_DB } else { db.max(FLOOR_DB) }
}

/// The level of each of `freqs` (Hz) in windows of `window` samples of the
/// first channel, one window every `hop` samples from the start. Only whole
/// windows are measured: one that would run past the end is not produced,
/// so a recording shorter than `window` gives none.
///
/// Each window is Hann-weighted and transformed; a tone's level is the
/// amplitude implied by the energy (sum of squared magnitudes) of the bins
/// within ±3 bins of its frequency, corrected for the window's energy, so
/// that a pure sine of amplitude A reads 20·log10(A) dB wherever it falls
/// between bins. Tones closer together than about 6 bins
/// (`6 * rate / window` Hz) share bins and read each other's energy.
///
/// # Panics
///
/// If `window` or `hop` is 0.
pub fn tone_levels(rec: &Recording, freqs: &[f64], window: usize, hop: usize) -> Vec<Levels> {
    assert!(window > 0 && hop > 0, "tone_levels: window ({window}) and hop ({hop}) must be positive");
    if rec.left.len() < window || rec.rate == 0 {
        return Vec::new();
    }
    let fft = FftPlanner::<f64>::new().plan_fft_forward(window);
    let mut scratch = vec![Complex::new(0.0, 0.0); fft.get_inplace_scratch_len()];
    let mut buf = vec![Complex::new(0.0, 0.0); window];
    // Periodic Hann window.
    let hann: Vec<f64> =
        (0..window).map(|n| 0.5 - 0.5 * (2.0 * std::f64::consts::PI * n as f64 / window as f64).cos()).collect();
    let hann_energy: f64 = hann.iter().map(|w| w * w).sum();
    // A sine of amplitude A puts N·A²·Σw²/4 into the positive-frequency
    // bins (Parseval, half of the energy on each side).
    let amplitude_scale = 4.0 / (window as f64 * hann_energy);
    let rate = f64::from(rec.rate);
    let last_bin = window / 2;
    let bands: Vec<Option<(usize, usize)>> = freqs
        .iter()
        .map(|&f| {
            let centre = f * window as f64 / rate;
            let lo = (centre - HALF_BAND_BINS).ceil().max(0.0);
            let hi = (centre + HALF_BAND_BINS).floor().min(last_bin as f64);
            (centre.is_finite() && lo <= hi).then_some((lo as usize, hi as usize))
        })
        .collect();

    let mut out = Vec::new();
    let mut first = 0;
    while first + window <= rec.left.len() {
        for ((slot, &s), &w) in buf.iter_mut().zip(&rec.left[first..first + window]).zip(&hann) {
            *slot = Complex::new(f64::from(s) * w, 0.0);
        }
        fft.process_with_scratch(&mut buf, &mut scratch);
        let db = bands
            .iter()
            .map(|band| match band {
                Some((lo, hi)) => {
                    let energy: f64 = buf[*lo..=*hi].iter().map(|c| c.norm_sqr()).sum();
                    to_db((energy * amplitude_scale).sqrt())
                }
                None => FLOOR_DB,
            })
            .collect();
        out.push(Levels { start: first as f64 / rate, db });
        first += hop;
    }
    out
}

/// The maximal runs of consecutive windows in `levels` for which `pred`
/// holds, in order. Each run is `(first.start, last.start)`: the start
/// times in seconds of its first and of its last window (not the end of the
/// last window: add the window length for that). A run of one window gives
/// equal times.
pub fn runs(levels: &[Levels], pred: impl Fn(&Levels) -> bool) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    let mut current: Option<(f64, f64)> = None;
    for l in levels {
        if pred(l) {
            current = Some(match current {
                Some((from, _)) => (from, l.start),
                None => (l.start, l.start),
            });
        } else if let Some(run) = current.take() {
            out.push(run);
        }
    }
    out.extend(current);
    out
}

/// The median of `values`, ignoring NaNs; the mean of the two middle values
/// The windows well inside runs where `pred` holds (the first and last
/// two windows of each run, where ramps and window edges blur the level,
/// are left out).
pub fn inside(levels: &[Levels], pred: impl Fn(&Levels) -> bool) -> Vec<&Levels> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 0..=levels.len() {
        if levels.get(i).is_some_and(&pred) {
            continue;
        }
        if i - start > 4 {
            out.extend(&levels[start + 2..i - 2]);
        }
        start = i + 1;
    }
    out
}

/// for an even count; `None` when nothing (but NaN) is given.
pub fn median(values: impl IntoIterator<Item = f64>) -> Option<f64> {
    let mut v: Vec<f64> = values.into_iter().filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    Some(if v.len().is_multiple_of(2) { (v[mid - 1] + v[mid]) / 2.0 } else { v[mid] })
}

/// The RMS level in dBFS of the first channel from `from` to `to` seconds
/// (clamped to the recording): a full-scale sine reads about -3.01 dB.
/// Silence, and an empty or inverted span, read [`FLOOR_DB`].
pub fn rms_db(rec: &Recording, from: f64, to: f64) -> f64 {
    let rate = f64::from(rec.rate);
    let index = |t: f64| -> usize {
        let i = (t * rate).round();
        if i.is_nan() || i <= 0.0 { 0 } else { (i as usize).min(rec.left.len()) }
    };
    let (a, b) = (index(from), index(to));
    if a >= b {
        return FLOOR_DB;
    }
    let span = &rec.left[a..b];
    let mean_square = span.iter().map(|&s| f64::from(s) * f64::from(s)).sum::<f64>() / span.len() as f64;
    to_db(mean_square.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const WINDOW: usize = 4096;
    const HOP: usize = 1024;

    /// `seconds` of a sum of sines, each (frequency, amplitude), phase
    /// continuous, with the amplitude of every tone multiplied by
    /// `gain(t)`.
    fn tones(rate: u32, seconds: f64, parts: &[(f64, f64)], gain: impl Fn(f64) -> f64) -> Recording {
        let n = (seconds * f64::from(rate)) as usize;
        let left = (0..n)
            .map(|i| {
                let t = i as f64 / f64::from(rate);
                let s: f64 = parts.iter().map(|&(f, a)| a * (2.0 * PI * f * t + 0.3).sin()).sum();
                (s * gain(t)) as f32
            })
            .collect();
        Recording::from_samples(rate, left)
    }

    fn db(a: f64) -> f64 {
        20.0 * a.log10()
    }

    /// A directory of its own under the system's temporary directory,
    /// removed when dropped.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new() -> TempDir {
            static COUNT: AtomicUsize = AtomicUsize::new(0);
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default();
            let dir = std::env::temp_dir().join(format!(
                "xtask-wav-analysis-{}-{}-{}",
                std::process::id(),
                COUNT.fetch_add(1, Ordering::Relaxed),
                nanos
            ));
            std::fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn assert_near(got: f64, want: f64, tol: f64, what: &str) {
        assert!((got - want).abs() <= tol, "{what}: got {got:.3} dB, want {want:.3} ± {tol}");
    }

    #[test]
    fn a_pure_sine_reads_its_amplitude_and_nothing_elsewhere() {
        let rec = tones(48_000, 1.0, &[(440.0, 0.25)], |_| 1.0);
        let levels = tone_levels(&rec, &[440.0, 1000.0], WINDOW, HOP);
        assert!(!levels.is_empty());
        for l in &levels {
            assert_near(l.db[0], -12.04, 0.5, "440 Hz");
            assert!(l.db[1] < -60.0, "1000 Hz reads {:.1} dB", l.db[1]);
        }
    }

    #[test]
    fn a_sine_anywhere_between_bins_reads_its_amplitude() {
        let bin = 48_000.0 / WINDOW as f64;
        for k in [20.0, 37.0, 85.0, 300.0] {
            for frac in [0.0, 0.125, 0.25, 0.5, 0.75] {
                let f = (k + frac) * bin;
                let rec = tones(48_000, 0.2, &[(f, 0.5)], |_| 1.0);
                for l in tone_levels(&rec, &[f], WINDOW, HOP) {
                    assert_near(l.db[0], db(0.5), 0.5, &format!("{f:.1} Hz"));
                }
            }
        }
    }

    #[test]
    fn two_mixed_tones_each_read_their_own_level() {
        let rec = tones(48_000, 1.0, &[(440.0, 0.1), (1000.0, 0.4)], |_| 1.0);
        let levels = tone_levels(&rec, &[440.0, 1000.0], WINDOW, HOP);
        assert!(!levels.is_empty());
        for l in &levels {
            assert_near(l.db[0], db(0.1), 0.5, "440 Hz");
            assert_near(l.db[1], db(0.4), 0.5, "1000 Hz");
        }
    }

    #[test]
    fn a_ducked_second_reads_12_db_lower_and_runs_find_it() {
        let ducked = 10f64.powf(-12.0 / 20.0);
        let rec = tones(48_000, 3.0, &[(440.0, 0.5)], |t| if (1.0..2.0).contains(&t) { ducked } else { 1.0 });
        let levels = tone_levels(&rec, &[440.0], WINDOW, HOP);
        let win = WINDOW as f64 / 48_000.0;
        let loud = median(levels.iter().filter(|l| l.start + win <= 1.0).map(|l| l.db[0])).unwrap();
        assert_near(loud, db(0.5), 0.5, "before the duck");
        let inside: Vec<&Levels> = levels.iter().filter(|l| l.start >= 1.0 && l.start + win <= 2.0).collect();
        assert!(inside.len() > 10);
        for l in inside {
            assert_near(l.db[0], loud - 12.0, 0.5, &format!("window at {:.3} s", l.start));
        }
        for l in levels.iter().filter(|l| l.start >= 2.0) {
            assert_near(l.db[0], loud, 0.5, &format!("window at {:.3} s", l.start));
        }

        let found = runs(&levels, |l| l.db[0] < loud - 6.0);
        assert_eq!(found.len(), 1, "{found:?}");
        let (first, last) = found[0];
        assert!((first - 1.0).abs() <= win, "duck starts at {first:.3} s");
        assert!((last + win - 2.0).abs() <= win, "duck's last window starts at {last:.3} s");
        let loud_runs = runs(&levels, |l| l.db[0] > loud - 1.0);
        assert_eq!(loud_runs.len(), 2, "{loud_runs:?}");
        assert_eq!(loud_runs[0].0, 0.0);
    }

    #[test]
    fn runs_are_maximal_and_report_window_starts() {
        let at = |start: f64, v: f64| Levels { start, db: vec![v] };
        let levels = [at(0.0, 1.0), at(0.1, 1.0), at(0.2, 0.0), at(0.3, 1.0), at(0.4, 0.0), at(0.5, 1.0), at(0.6, 1.0)];
        assert_eq!(runs(&levels, |l| l.db[0] > 0.5), vec![(0.0, 0.1), (0.3, 0.3), (0.5, 0.6)]);
        assert_eq!(runs(&levels, |_| false), vec![]);
        assert_eq!(runs(&[], |_| true), vec![]);
    }

    #[test]
    fn silence_reads_the_floor_and_stays_finite() {
        let rec = Recording::from_samples(48_000, vec![0.0; 48_000]);
        let levels = tone_levels(&rec, &[440.0, 1000.0, 30_000.0, f64::NAN], WINDOW, HOP);
        assert!(!levels.is_empty());
        for l in &levels {
            for &d in &l.db {
                assert!(d.is_finite());
                assert_eq!(d, FLOOR_DB);
            }
        }
        assert_eq!(rms_db(&rec, 0.0, 1.0), FLOOR_DB);
        assert_eq!(rms_db(&rec, 0.5, 0.5), FLOOR_DB);
    }

    #[test]
    fn windows_past_the_end_are_not_produced() {
        let rec = Recording::from_samples(48_000, vec![0.0; WINDOW + 2 * HOP + 5]);
        let levels = tone_levels(&rec, &[440.0], WINDOW, HOP);
        assert_eq!(levels.len(), 3);
        assert_eq!(levels[2].start, (2 * HOP) as f64 / 48_000.0);
        assert!(tone_levels(&Recording::from_samples(48_000, vec![0.0; WINDOW - 1]), &[440.0], WINDOW, HOP).is_empty());
    }

    #[test]
    fn rms_of_a_full_scale_sine_is_minus_3_db() {
        let rec = tones(48_000, 1.0, &[(440.0, 1.0)], |_| 1.0);
        assert_near(rms_db(&rec, 0.0, 1.0), -3.01, 0.05, "full scale");
        assert_near(rms_db(&rec, 0.25, 0.75), -3.01, 0.05, "half a second");
        assert_near(rms_db(&rec, -1.0, 5.0), -3.01, 0.05, "clamped span");
        let quiet = tones(48_000, 1.0, &[(440.0, 0.25)], |_| 1.0);
        assert_near(rms_db(&quiet, 0.0, 1.0), -3.01 - 12.04, 0.05, "quarter scale");
    }

    #[test]
    fn median_of_odd_even_and_empty() {
        assert_eq!(median([3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median([4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median([f64::NAN, 5.0]), Some(5.0));
        assert_eq!(median(Vec::new()), None);
        assert_eq!(median([f64::NAN]), None);
    }

    #[test]
    fn forty_four_point_one_khz_works() {
        let rec = tones(44_100, 1.0, &[(440.0, 0.25), (1234.5, 0.05)], |_| 1.0);
        let levels = tone_levels(&rec, &[440.0, 1234.5, 3000.0], WINDOW, HOP);
        assert_eq!(levels.len(), (44_100 - WINDOW) / HOP + 1);
        for l in &levels {
            assert_near(l.db[0], db(0.25), 0.5, "440 Hz");
            assert_near(l.db[1], db(0.05), 0.5, "1234.5 Hz");
            assert!(l.db[2] < -60.0);
        }
        assert_eq!(rec.seconds(), 1.0);
    }

    fn write_wav(path: &Path, spec: hound::WavSpec, frames: &[(f32, f32)]) {
        let mut w = hound::WavWriter::create(path, spec).unwrap();
        for &(l, r) in frames {
            for s in [l, r] {
                match (spec.sample_format, spec.bits_per_sample) {
                    (hound::SampleFormat::Int, 16) => w.write_sample((s * 32767.0).round() as i16).unwrap(),
                    (hound::SampleFormat::Int, 32) => w.write_sample((f64::from(s) * 2_147_483_647.0) as i32).unwrap(),
                    (hound::SampleFormat::Float, 32) => w.write_sample(s).unwrap(),
                    other => panic!("no writer for {other:?}"),
                }
            }
        }
        w.finalize().unwrap();
    }

    #[test]
    fn a_written_wav_loads_back_with_the_same_levels() {
        let dir = TempDir::new();
        let original = tones(48_000, 0.5, &[(440.0, 0.25), (1000.0, 0.1)], |_| 1.0);
        // The right channel carries something else, to show only the left is kept.
        let frames: Vec<(f32, f32)> = original.left.iter().map(|&s| (s, 0.5 - s)).collect();
        let want = tone_levels(&original, &[440.0, 1000.0], WINDOW, HOP);
        for (name, format, bits) in [
            ("s16", hound::SampleFormat::Int, 16),
            ("s32", hound::SampleFormat::Int, 32),
            ("f32", hound::SampleFormat::Float, 32),
        ] {
            let path = dir.0.join(format!("{name}.wav"));
            let spec =
                hound::WavSpec { channels: 2, sample_rate: 48_000, bits_per_sample: bits, sample_format: format };
            write_wav(&path, spec, &frames);
            let rec = load(&path).unwrap();
            assert_eq!((rec.rate, rec.channels, rec.left.len()), (48_000, 2, original.left.len()), "{name}");
            assert_near(rec.seconds(), 0.5, 1e-9, name);
            let got = tone_levels(&rec, &[440.0, 1000.0], WINDOW, HOP);
            assert_eq!(got.len(), want.len());
            for (g, w) in got.iter().zip(&want) {
                assert_eq!(g.start, w.start);
                assert_near(g.db[0], w.db[0], 0.05, &format!("{name} 440 Hz"));
                assert_near(g.db[1], w.db[1], 0.05, &format!("{name} 1000 Hz"));
            }
        }
    }

    #[test]
    fn missing_garbage_truncated_and_empty_files_are_errors_naming_the_path() {
        let dir = TempDir::new();
        let check = |path: &Path| {
            let err = format!("{:#}", load(path).unwrap_err());
            assert!(err.contains(&path.display().to_string()), "{err}");
        };

        check(&dir.0.join("missing.wav"));

        let garbage = dir.0.join("garbage.wav");
        std::fs::write(&garbage, b"this is not a RIFF WAVE file at all, just text").unwrap();
        check(&garbage);

        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 48_000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let frames: Vec<(f32, f32)> = (0..4800).map(|i| ((i as f32 * 0.05).sin() * 0.5, 0.0)).collect();
        let whole = dir.0.join("whole.wav");
        write_wav(&whole, hound::WavSpec { channels: 2, ..spec }, &frames);
        let bytes = std::fs::read(&whole).unwrap();

        let cut_header = dir.0.join("cut-header.wav");
        std::fs::write(&cut_header, &bytes[..30]).unwrap();
        check(&cut_header);

        let cut_data = dir.0.join("cut-data.wav");
        std::fs::write(&cut_data, &bytes[..bytes.len() / 2]).unwrap();
        check(&cut_data);

        let empty = dir.0.join("empty.wav");
        hound::WavWriter::create(&empty, spec).unwrap().finalize().unwrap();
        check(&empty);
        let err = format!("{:#}", load(&empty).unwrap_err());
        assert!(err.contains("no samples"), "{err}");
    }
}

/// Makes the header of a wav file QEMU's `wav` audiodev was writing when
/// QEMU was killed whole: QEMU writes the RIFF and data sizes only when it
/// shuts down cleanly, and leaves them 0 otherwise. The data runs to the
/// end of the file (QEMU writes it sequentially after its 44-byte
/// header), so the sizes follow from the file's length. Returns the bytes
/// of PCM; a file whose sizes are already set is left alone.
pub fn complete_header(path: &Path) -> Result<u64> {
    use std::io::{Seek, SeekFrom, Write};
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let header = bytes.get(..44).with_context(|| format!("{}: shorter than a wav header", path.display()))?;
    if &header[..4] != b"RIFF" || &header[8..12] != b"WAVE" || &header[36..40] != b"data" {
        anyhow::bail!("{}: not the canonical 44-byte wav header QEMU writes", path.display());
    }
    let data = (bytes.len() - 44) as u64;
    let written = u32::from_le_bytes([header[40], header[41], header[42], header[43]]);
    if written != 0 {
        return Ok(u64::from(written));
    }
    let data32 = u32::try_from(data).with_context(|| format!("{}: too long for a wav file", path.display()))?;
    let mut file = std::fs::OpenOptions::new().write(true).open(path)?;
    file.seek(SeekFrom::Start(4))?;
    file.write_all(&(data32 + 36).to_le_bytes())?;
    file.seek(SeekFrom::Start(40))?;
    file.write_all(&data32.to_le_bytes())?;
    Ok(data)
}

#[cfg(test)]
mod header_tests {
    use super::*;

    #[test]
    fn a_header_left_at_zero_is_completed_from_the_length() {
        let path = std::env::temp_dir().join(format!("bulkhead-wav-header-{}.wav", std::process::id()));
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: 48_000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::create(&path, spec).unwrap();
        for i in 0..4800i32 {
            w.write_sample((i % 100 * 100) as i16).unwrap();
            w.write_sample(0i16).unwrap();
        }
        w.finalize().unwrap();
        // What a killed QEMU leaves: both sizes 0.
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[4..8].copy_from_slice(&[0; 4]);
        bytes[40..44].copy_from_slice(&[0; 4]);
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(complete_header(&path).unwrap(), 4800 * 4);
        let rec = load(&path).unwrap();
        assert_eq!(rec.left.len(), 4800);
        // Already complete: left alone.
        assert_eq!(complete_header(&path).unwrap(), 4800 * 4);
        std::fs::write(&path, b"RIFX").unwrap();
        assert!(complete_header(&path).unwrap_err().to_string().contains("shorter"));
        let _ = std::fs::remove_file(&path);
    }
}
