// SPDX-License-Identifier: MIT
//! Benchmark mode (`bench=1`, benchmark boards only). Filled in by the
//! sound benchmarks.

/// Measures and prints the mixing figures.
pub fn mix_against_memcpy() {}
