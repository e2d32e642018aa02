// SPDX-License-Identifier: MIT
//! The board file's `params` (space-separated `key=value` words): the
//! channel to the 9pfs domain, the mode, and the mode's counts. Unknown
//! words are ignored; a missing count takes its default.

/// What the demo does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `mode=demo` (the default): read the config, write a log, list.
    Demo {
        /// `lines=<n>`: log lines to write.
        lines: u64,
    },
    /// `mode=readonly`: read the config, check that writes are refused.
    ReadOnly,
    /// `mode=writer`: the crash test, `records=<n>` fsynced records.
    Writer {
        /// `records=<n>`: records to write.
        records: u64,
    },
    /// `mode=bench`: throughput and per-operation figures.
    Bench,
}

/// Log lines written by `mode=demo` without `lines=`.
const DEFAULT_LINES: u64 = 20;
/// Records written by `mode=writer` without `records=`.
const DEFAULT_RECORDS: u64 = 100;

/// The parsed params.
#[derive(Debug, Clone, Copy)]
pub struct Params<'a> {
    /// `channel=<name>`.
    pub channel: &'a str,
    /// `mode=<demo|readonly|writer|bench>`.
    pub mode: Mode,
}

fn word<'a>(params: &'a str, key: &str) -> Option<&'a str> {
    params.split_whitespace().find_map(|w| w.strip_prefix(key))
}

fn number(params: &str, key: &str) -> Option<u64> {
    word(params, key).and_then(|v| v.parse().ok())
}

/// Parses `params`; why not, as a message to print.
pub fn parse(params: &str) -> Result<Params<'_>, &'static str> {
    let channel = word(params, "channel=").filter(|c| !c.is_empty()).ok_or("no channel= in params")?;
    let mode = match word(params, "mode=").unwrap_or("demo") {
        "demo" => Mode::Demo { lines: number(params, "lines=").unwrap_or(DEFAULT_LINES) },
        "readonly" => Mode::ReadOnly,
        "writer" => Mode::Writer { records: number(params, "records=").unwrap_or(DEFAULT_RECORDS) },
        "bench" => Mode::Bench,
        _ => return Err("unknown mode= in params (demo, readonly, writer, bench)"),
    };
    Ok(Params { channel, mode })
}
