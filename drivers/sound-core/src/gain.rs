// SPDX-License-Identifier: MIT
//! Gains: decibels to a Q16 linear factor, and its application to a
//! sample. Integer arithmetic only, so that a mix is sample-exact on every
//! target (host tests and the aarch64 domain give the same bytes).
//!
//! Owns the dB scale and the rounding; must not know about streams.

/// Unity gain in Q16.
pub const UNITY: u32 = 1 << 16;

/// 10^(1/20): one decibel.
const ONE_DB: f64 = 1.122_018_454_301_963_3;
/// 10^(k/200) for k = 0..10: tenths of a decibel.
const TENTHS: [f64; 10] = [
    1.0,
    1.011_579_454_259_899,
    1.023_292_992_280_754,
    1.035_142_166_679_344,
    1.047_128_548_050_899_5,
    1.059_253_725_177_289,
    1.071_519_305_237_606,
    1.083_926_914_021_204_2,
    1.096_478_196_143_185,
    1.109_174_815_262_400_8,
];

/// The Q16 factor of `centibels` tenths of a decibel (−1200 = −120 dB,
/// clamped to −120..+12 dB); −120 dB and below is silence (0).
pub fn q16_from_tenths_db(tenths: i32) -> u32 {
    let t = tenths.clamp(-1200, 120);
    if t <= -1200 {
        return 0;
    }
    let (whole, frac) = (t.div_euclid(10), t.rem_euclid(10));
    let mut g = TENTHS.get(usize::try_from(frac).unwrap_or(0)).copied().unwrap_or(1.0);
    for _ in 0..whole.unsigned_abs() {
        g = if whole < 0 { g / ONE_DB } else { g * ONE_DB };
    }
    // Round to nearest; at most 4 * UNITY, which fits.
    let q = g * f64::from(UNITY) + 0.5;
    #[allow(clippy::cast_possible_truncation, reason = "q is in 0..4 * UNITY here: t is clamped to +12 dB")]
    let factor = q as u32;
    factor
}

/// `sample` times the Q16 `gain`, rounded to nearest (ties away from zero).
#[allow(clippy::cast_possible_truncation, reason = "samples are 16-bit range and gains below 4.0: the result fits")]
pub const fn apply(sample: i32, gain: u32) -> i32 {
    let p = sample as i64 * gain as i64;
    let r = if p >= 0 { (p + (1 << 15)) >> 16 } else { -((-p + (1 << 15)) >> 16) };
    r as i32
}

/// The product of two Q16 gains.
#[allow(clippy::cast_possible_truncation, reason = "gains are below 4.0 (clamped at +12 dB): the product fits")]
pub const fn combine(a: u32, b: u32) -> u32 {
    ((a as u64 * b as u64 + (1 << 15)) >> 16) as u32
}

/// `sum` clamped to the 16-bit range.
#[allow(clippy::cast_possible_truncation, reason = "clamped to the i16 range first")]
pub const fn saturate(sum: i32) -> i16 {
    if sum > i16::MAX as i32 {
        i16::MAX
    } else if sum < i16::MIN as i32 {
        i16::MIN
    } else {
        sum as i16
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decibels_become_factors() {
        assert_eq!(q16_from_tenths_db(0), UNITY);
        // -6.0 dB is 0.501187: 32846 in Q16.
        assert_eq!(q16_from_tenths_db(-60), 32846);
        assert_eq!(q16_from_tenths_db(-200), 6554);
        assert_eq!(q16_from_tenths_db(-1200), 0);
        assert_eq!(q16_from_tenths_db(i32::MIN), 0);
        assert_eq!(q16_from_tenths_db(60), 130_762);
        assert!(q16_from_tenths_db(i32::MAX) < 4 * UNITY);
        // Every step down is quieter.
        let mut last = u32::MAX;
        for t in (-1199..=120).rev() {
            let g = q16_from_tenths_db(t);
            assert!(g <= last, "{t}");
            last = g;
        }
    }

    #[test]
    fn gains_round_and_mixes_saturate() {
        assert_eq!(apply(1000, UNITY), 1000);
        assert_eq!(apply(-1000, UNITY / 2), -500);
        assert_eq!(apply(3, UNITY / 2), 2);
        assert_eq!(apply(-3, UNITY / 2), -2);
        assert_eq!(apply(i32::from(i16::MIN), 0), 0);
        assert_eq!(saturate(40_000), i16::MAX);
        assert_eq!(saturate(-40_000), i16::MIN);
        assert_eq!(combine(UNITY, UNITY / 4), UNITY / 4);
    }
}
