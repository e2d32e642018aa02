// SPDX-License-Identifier: MIT
//! Empirical distributions: the step points of a cumulative distribution
//! and nearest-rank percentiles. Pure; no drawing.

use anyhow::{Result, ensure};

/// The points of the empirical cumulative distribution of `values`, as a
/// staircase: for each distinct value `v` (ascending), `(v, fraction below
/// v)` then `(v, fraction at or below v)`. Values of 0 are drawn at 1 (the
/// axis is logarithmic).
pub fn steps(values: &[u64]) -> Result<Vec<(u64, f64)>> {
    ensure!(!values.is_empty(), "no samples");
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let n = sorted.len() as f64;
    let mut points = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let v = sorted[i];
        let mut j = i;
        while j < sorted.len() && sorted[j] == v {
            j += 1;
        }
        let x = v.max(1);
        points.push((x, i as f64 / n));
        points.push((x, j as f64 / n));
        i = j;
    }
    Ok(points)
}

/// The nearest-rank `p`th percentile (1..=100) of `values`.
pub fn percentile(values: &[u64], p: u32) -> Result<u64> {
    ensure!(!values.is_empty() && (1..=100).contains(&p), "a percentile needs samples and 1 <= p <= 100");
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let rank = (u64::from(p) * sorted.len() as u64).div_ceil(100) as usize;
    Ok(sorted[rank.max(1) - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_rise_at_each_distinct_value() {
        assert_eq!(steps(&[5, 3, 5, 0]).unwrap(), vec![(1, 0.0), (1, 0.25), (3, 0.25), (3, 0.5), (5, 0.5), (5, 1.0)]);
        assert!(steps(&[]).is_err());
    }

    #[test]
    fn nearest_rank_percentiles() {
        let values: Vec<u64> = (1..=1000).collect();
        assert_eq!(percentile(&values, 99).unwrap(), 990);
        assert_eq!(percentile(&values, 100).unwrap(), 1000);
        assert_eq!(percentile(&[7, 1, 3], 50).unwrap(), 3);
        assert!(percentile(&values, 0).is_err());
    }
}
