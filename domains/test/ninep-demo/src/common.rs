// SPDX-License-Identifier: MIT
//! What every mode shares: the session ([`Session`]: the client, the
//! channel end and a data buffer), the fid numbers, failing with a
//! `ninep-demo: FAIL: <what>: <error>` line, and the steps several modes
//! take (version and attach, walking a whole path, reading and printing
//! `CONFIG.TXT`, listing a directory, creating or reopening a file).

use alloc::string::String;
use bulkhead_ninep::{MAX_MSIZE, errno};
use bulkhead_ninep_client::{ClientError, NinepClient, flags};
use bulkhead_ring::Window;
use core::fmt::{Debug, Write};
use domain_rt::Console;
use domain_rt::caps::ChannelEnd;

/// The export root's fid.
pub const ROOT: u32 = 0;
/// A fid for a file being read (`CONFIG.TXT`, `BENCH.BIN` read back).
pub const FILE: u32 = 1;
/// A fid for the file being written.
pub const OUT: u32 = 2;
/// A fid for a directory being listed.
pub const DIR: u32 = 3;

/// The user the demo attaches as (the 9pfs domain ignores it: the channel
/// says which export and rights a client has).
pub const UNAME: &str = "ninep-demo";
/// The numeric user the demo attaches as.
pub const N_UNAME: u32 = 1000;
/// The mode of files the demo creates.
pub const FILE_MODE: u32 = 0o644;

/// The mode gave up: its FAIL line is printed.
#[derive(Debug, Clone, Copy)]
pub struct Failed;

/// Prints `ninep-demo: FAIL: <what>: <error:?>`.
pub fn fail(what: &str, error: impl Debug) -> Failed {
    let _ = writeln!(Console, "ninep-demo: FAIL: {what}: {error:?}");
    Failed
}

/// A call's error turned into a FAIL line.
pub trait OrFail<T> {
    /// `Err(Failed)`, after the FAIL line naming `what`, for any error.
    fn or_fail(self, what: &str) -> Result<T, Failed>;
}

impl<T> OrFail<T> for Result<T, ClientError> {
    fn or_fail(self, what: &str) -> Result<T, Failed> {
        self.map_err(|e| fail(what, e))
    }
}

/// An errno's symbolic name, or its number.
pub fn errno_name(ecode: u32) -> String {
    let mut s = String::new();
    match errno::name(ecode) {
        Some(name) => s.push_str(name),
        None => {
            let _ = write!(s, "errno {ecode}");
        }
    }
    s
}

/// One connection to the 9pfs domain.
pub struct Session<'e, W: Window + Clone> {
    /// The client (its message buffers are on the heap).
    pub client: NinepClient<'static, W>,
    /// The channel end: the client's [`Port`](bulkhead_ring::Port).
    pub end: &'e ChannelEnd,
    /// A data buffer of [`MAX_MSIZE`] bytes (on the heap).
    pub io: &'static mut [u8],
}

impl<W: Window + Clone> Session<'_, W> {
    /// Version (offering [`MAX_MSIZE`]) and attach [`ROOT`] to the export.
    pub fn start(&mut self) -> Result<(), Failed> {
        self.client.version(self.end, MAX_MSIZE).or_fail("version")?;
        self.client.attach(self.end, ROOT, UNAME, "", N_UNAME).or_fail("attach")?;
        Ok(())
    }

    /// Walks `fid` along every one of `names` to `newfid`; a walk that
    /// stops short is `Remote(ENOENT)` (`newfid` was not made).
    pub fn walk(&mut self, fid: u32, newfid: u32, names: &[&str]) -> Result<(), ClientError> {
        let qids = self.client.walk(self.end, fid, newfid, names)?;
        if qids.len() == names.len() { Ok(()) } else { Err(ClientError::Remote(errno::ENOENT)) }
    }

    /// Reads all of open `fid` from offset 0 into the data buffer (at most
    /// its size); how many bytes.
    pub fn read_all(&mut self, fid: u32) -> Result<usize, ClientError> {
        let mut done = 0;
        while let Some(rest) = self.io.get_mut(done..).filter(|r| !r.is_empty()) {
            let n = self.client.read(self.end, fid, done as u64, rest)?;
            if n == 0 {
                break;
            }
            done += n;
        }
        Ok(done)
    }

    /// Reads `CONFIG.TXT` and prints each of its lines as `ninep-demo:
    /// config: <line>`; its length in bytes.
    pub fn print_config(&mut self) -> Result<usize, Failed> {
        self.walk(ROOT, FILE, &["CONFIG.TXT"]).or_fail("walk to CONFIG.TXT")?;
        self.client.lopen(self.end, FILE, flags::O_RDONLY).or_fail("open CONFIG.TXT")?;
        let len = self.read_all(FILE).or_fail("read CONFIG.TXT")?;
        self.client.clunk(self.end, FILE).or_fail("clunk CONFIG.TXT")?;
        let text = String::from_utf8_lossy(self.io.get(..len).unwrap_or(&[]));
        for line in text.lines() {
            let _ = writeln!(Console, "ninep-demo: config: {line}");
        }
        Ok(len)
    }

    /// The names in the directory at `path` (from the root), but `.` and
    /// `..`, separated by spaces, in the server's order.
    pub fn list(&mut self, path: &[&str]) -> Result<String, ClientError> {
        self.walk(ROOT, DIR, path)?;
        let listed = self.list_open();
        let clunked = self.client.clunk(self.end, DIR);
        let names = listed?;
        clunked?;
        Ok(names)
    }

    fn list_open(&mut self) -> Result<String, ClientError> {
        self.client.lopen(self.end, DIR, flags::O_RDONLY | flags::O_DIRECTORY)?;
        let mut names = String::new();
        let mut offset = 0;
        loop {
            let count = self.client.max_io();
            let next = self.client.readdir(self.end, DIR, offset, count, |d| {
                if d.name != "." && d.name != ".." {
                    if !names.is_empty() {
                        names.push(' ');
                    }
                    names.push_str(d.name);
                }
            })?;
            match next {
                Some(next) => offset = next,
                None => return Ok(names),
            }
        }
    }

    /// Makes `fid` (a directory's fid, not open, not the root's) the file
    /// `name` in it, open for reading and writing and empty: creates it,
    /// or, if it exists (an earlier run on the same disk), opens it and
    /// truncates it.
    pub fn create_or_truncate(&mut self, fid: u32, name: &str) -> Result<(), ClientError> {
        let create = flags::O_RDWR | flags::O_CREAT;
        match self.client.lcreate(self.end, fid, name, create, FILE_MODE, 0) {
            Err(ClientError::Remote(errno::EEXIST)) => {
                self.walk(fid, fid, &[name])?;
                self.client.lopen(self.end, fid, flags::O_RDWR | flags::O_TRUNC)?;
                Ok(())
            }
            r => r.map(|_| ()),
        }
    }
}
