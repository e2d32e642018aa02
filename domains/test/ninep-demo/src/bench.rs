// SPDX-License-Identifier: MIT
//! `mode=bench`: figures for the benchmark tables, as `BENCH` lines
//! (`domain_benchkit::report`) of the virtual counter. Writes 1 MiB to
//! `BENCH.BIN` in the root in writes as large as the msize allows, fsyncs
//! and clunks (`ninep_write_start`, `ninep_write_end`); reads it back
//! whole, checking every byte (`ninep_read_start`, `ninep_read_end`,
//! `ninep_bench_bytes`); then 100 times walks to `CONFIG.TXT`, asks its
//! attributes and clunks (`ninep_op_start`, `ninep_op_end`,
//! `ninep_op_count`). Ends with `ninep-demo: bench done`.

use crate::common::{FILE, Failed, OUT, OrFail, ROOT, Session};
use alloc::vec;
use bulkhead_ninep::attr::GETATTR_BASIC;
use bulkhead_ninep_client::flags;
use bulkhead_ring::Window;
use core::fmt::Write;
use domain_benchkit::report;
use domain_rt::{Console, timer};

/// Bytes written and read back.
const BYTES: u64 = 1024 * 1024;
/// Walk + getattr + clunk rounds.
const OPS: u64 = 100;

/// The byte at `offset` of `BENCH.BIN`: not a repeating short pattern, so
/// that a block read from the wrong place shows.
fn pattern(offset: u64) -> u8 {
    let x = offset.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 56;
    (x as u8) ^ (offset >> 12) as u8
}

/// Runs the benchmark.
pub fn run<W: Window + Clone>(s: &mut Session<'_, W>) -> Result<(), Failed> {
    domain_benchkit::report_icount_proof();
    s.start()?;
    let chunk = usize::try_from(s.client.max_io()).unwrap_or(0);
    let total = usize::try_from(BYTES).unwrap_or(0);
    let mut source = vec![0u8; total];
    for (i, b) in source.iter_mut().enumerate() {
        *b = pattern(i as u64);
    }
    let mut back = vec![0u8; total];
    report("ninep_memcpy_start", timer::counter());
    back.copy_from_slice(&source);
    report("ninep_memcpy_end", timer::counter());
    back.fill(0);

    s.walk(ROOT, OUT, &[]).or_fail("clone the root")?;
    s.create_or_truncate(OUT, "BENCH.BIN").or_fail("create BENCH.BIN")?;
    report("ninep_write_start", timer::counter());
    for (n, data) in source.chunks(chunk.max(1)).enumerate() {
        let offset = (n * chunk) as u64;
        s.client.write_all(s.end, OUT, offset, data).or_fail("write BENCH.BIN")?;
    }
    s.client.fsync(s.end, OUT, false).or_fail("fsync BENCH.BIN")?;
    s.client.clunk(s.end, OUT).or_fail("clunk BENCH.BIN")?;
    report("ninep_write_end", timer::counter());

    report("ninep_read_start", timer::counter());
    s.walk(ROOT, FILE, &["BENCH.BIN"]).or_fail("walk to BENCH.BIN")?;
    s.client.lopen(s.end, FILE, flags::O_RDONLY).or_fail("open BENCH.BIN")?;
    let mut read = 0usize;
    while read < total {
        let end = (read + chunk.max(1)).min(total);
        let buf = back.get_mut(read..end).unwrap_or_default();
        let n = s.client.read(s.end, FILE, read as u64, buf).or_fail("read BENCH.BIN")?;
        if n == 0 {
            break;
        }
        read += n;
    }
    s.client.clunk(s.end, FILE).or_fail("clunk BENCH.BIN")?;
    report("ninep_read_end", timer::counter());
    report("ninep_bench_bytes", read as u64);
    if read != total || back != source {
        let _ = writeln!(Console, "ninep-demo: FAIL: read back differs");
        return Err(Failed);
    }

    report("ninep_op_start", timer::counter());
    for _ in 0..OPS {
        s.walk(ROOT, FILE, &["CONFIG.TXT"]).or_fail("walk to CONFIG.TXT")?;
        s.client.getattr(s.end, FILE, GETATTR_BASIC).or_fail("getattr CONFIG.TXT")?;
        s.client.clunk(s.end, FILE).or_fail("clunk CONFIG.TXT")?;
    }
    report("ninep_op_end", timer::counter());
    report("ninep_op_count", OPS);
    let _ = writeln!(Console, "ninep-demo: bench done");
    Ok(())
}
