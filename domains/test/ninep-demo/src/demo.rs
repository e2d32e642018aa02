// SPDX-License-Identifier: MIT
//! `mode=demo`: what a domain does with its export. Reads `CONFIG.TXT`
//! and prints it; creates `LOGS/DEMO.LOG` (or empties it, on a disk an
//! earlier run wrote), writes `lines` lines `<name> log line <k>\n` (k from
//! 1, `<name>` the channel's name without `ninep-`) one write each,
//! fsyncs and clunks it; lists `/` and `/LOGS`; asks the log's size; and
//! prints `ninep-demo: done: wrote <bytes> bytes to LOGS/DEMO.LOG, read
//! <n> bytes of CONFIG.TXT`.

use crate::common::{Failed, OUT, OrFail, ROOT, Session};
use alloc::string::String;
use bulkhead_ninep::attr::GETATTR_SIZE;
use bulkhead_ring::Window;
use core::fmt::Write;
use domain_rt::Console;

/// Runs the demo; `name` goes into every log line.
pub fn run<W: Window + Clone>(s: &mut Session<'_, W>, name: &str, lines: u64) -> Result<(), Failed> {
    s.start()?;
    let config = s.print_config()?;

    s.walk(ROOT, OUT, &["LOGS"]).or_fail("walk to LOGS")?;
    s.create_or_truncate(OUT, "DEMO.LOG").or_fail("create LOGS/DEMO.LOG")?;
    let mut written = 0u64;
    let mut line = String::new();
    for k in 1..=lines {
        line.clear();
        let _ = writeln!(line, "{name} log line {k}");
        s.client.write_all(s.end, OUT, written, line.as_bytes()).or_fail("write LOGS/DEMO.LOG")?;
        written += line.len() as u64;
    }
    s.client.fsync(s.end, OUT, false).or_fail("fsync LOGS/DEMO.LOG")?;
    s.client.clunk(s.end, OUT).or_fail("clunk LOGS/DEMO.LOG")?;

    let root = s.list(&[]).or_fail("list /")?;
    let _ = writeln!(Console, "ninep-demo: / holds: {root}");
    let logs = s.list(&["LOGS"]).or_fail("list /LOGS")?;
    let _ = writeln!(Console, "ninep-demo: /LOGS holds: {logs}");

    s.walk(ROOT, OUT, &["LOGS", "DEMO.LOG"]).or_fail("walk to LOGS/DEMO.LOG")?;
    let stat = s.client.getattr(s.end, OUT, GETATTR_SIZE).or_fail("getattr LOGS/DEMO.LOG")?;
    s.client.clunk(s.end, OUT).or_fail("clunk LOGS/DEMO.LOG")?;
    let _ = writeln!(Console, "ninep-demo: LOGS/DEMO.LOG is {} bytes", stat.size);

    let _ = writeln!(
        Console,
        "ninep-demo: done: wrote {written} bytes to LOGS/DEMO.LOG, read {config} bytes of CONFIG.TXT"
    );
    Ok(())
}
