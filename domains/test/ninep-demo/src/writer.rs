// SPDX-License-Identifier: MIT
//! `mode=writer`: the crash test. Writes `records` records of 64 bytes
//! (`record <k:06> `, dots to 63 bytes, `\n`) to `LOGS/TRIP.LOG`, record
//! `k` at offset `64 k`, and after each one fsyncs and prints
//! `ninep-demo: acked <k>`: a record acknowledged is on the disk.
//!
//! The 9pfs domain may crash at any moment; the kernel restarts it and the
//! channel moves to a new epoch, which a call reports as
//! `ClientError::Restarted`. Every call is made so that it can simply run
//! again after that: the demo prints `ninep-demo: reconnected, epoch <e>`
//! once the [`FidBook`] has restored the root and the open file (version,
//! attach, walk, reopen), and redoes the step in flight: opening or
//! creating the file, or the record whose write or fsync was not
//! acknowledged. It ends with a clunk and `ninep-demo: done: <n> records`.

use crate::common::{FILE_MODE, Failed, N_UNAME, OUT, OrFail, ROOT, Session, UNAME, errno_name};
use alloc::string::String;
use bulkhead_ninep::{MAX_MSIZE, errno};
use bulkhead_ninep_client::{ClientError, FidBook, NinepClient, flags};
use bulkhead_ring::Window;
use core::fmt::Write;
use domain_rt::Console;
use domain_rt::caps::ChannelEnd;

/// Bytes of a record.
const RECORD: usize = 64;
/// The fids the book follows: the root and the log.
type Book = FidBook<4>;

/// Record `k`: `record <k:06> `, dots to 63 bytes, a newline.
fn record(k: u64) -> String {
    let mut s = String::new();
    let _ = write!(s, "record {k:06} ");
    while s.len() < RECORD - 1 {
        s.push('.');
    }
    s.push('\n');
    s
}

/// Restores the book in the channel's new epoch, as often as it takes
/// (the server may crash again meanwhile), and says so.
fn reconnect<W: Window + Clone>(
    client: &mut NinepClient<'static, W>,
    end: &ChannelEnd,
    book: &mut Book,
) -> Result<(), Failed> {
    loop {
        match book.restore(client, end, MAX_MSIZE) {
            Err(ClientError::Restarted) => continue,
            Err(e) => return Err(crate::common::fail("restore after a restart", e)),
            Ok(restored) => {
                let _ = writeln!(Console, "ninep-demo: reconnected, epoch {}", client.epoch());
                if let Some((fid, ecode)) = restored.lost.first() {
                    let _ = writeln!(Console, "ninep-demo: FAIL: restore lost fid {fid}: {}", errno_name(*ecode));
                    return Err(Failed);
                }
                return Ok(());
            }
        }
    }
}

/// Runs `step` until it is not interrupted by a restart (restoring the
/// book after each); any other error is a FAIL naming `what`.
fn step<W: Window + Clone, T>(
    client: &mut NinepClient<'static, W>,
    end: &ChannelEnd,
    book: &mut Book,
    what: &str,
    mut step: impl FnMut(&mut NinepClient<'static, W>, &mut Book) -> Result<T, ClientError>,
) -> Result<T, Failed> {
    loop {
        match step(client, book) {
            Err(ClientError::Restarted) => reconnect(client, end, book)?,
            r => return r.or_fail(what),
        }
    }
}

/// Makes [`OUT`] `LOGS/TRIP.LOG`, open for reading and writing: opens it
/// if it exists (a restart after it was created), else creates it. Runs
/// again from whatever the book holds after a restart.
fn open_log<W: Window + Clone>(
    client: &mut NinepClient<'static, W>,
    end: &ChannelEnd,
    book: &mut Book,
) -> Result<(), ClientError> {
    let opened = book.fids().find(|(fid, ..)| *fid == OUT).map(|(_, _, open)| open.is_some());
    match opened {
        Some(true) => return Ok(()),
        // Walked but not opened (or created) when the server went.
        Some(false) => match book.clunk(client, end, OUT) {
            Ok(()) | Err(ClientError::Remote(_)) => {}
            Err(e) => return Err(e),
        },
        None => {}
    }
    match book.walk(client, end, ROOT, OUT, &["LOGS", "TRIP.LOG"]) {
        Ok(qids) if qids.len() == 2 => {
            book.lopen(client, end, OUT, flags::O_RDWR)?;
            return Ok(());
        }
        Ok(_) | Err(ClientError::Remote(errno::ENOENT)) => {}
        Err(e) => return Err(e),
    }
    if book.walk(client, end, ROOT, OUT, &["LOGS"])?.len() != 1 {
        return Err(ClientError::Remote(errno::ENOENT));
    }
    book.lcreate(client, end, OUT, "TRIP.LOG", flags::O_RDWR | flags::O_CREAT, FILE_MODE, 0)?;
    Ok(())
}

/// Runs the crash test.
pub fn run<W: Window + Clone>(s: &mut Session<'_, W>, records: u64) -> Result<(), Failed> {
    let (client, end) = (&mut s.client, s.end);
    let mut book = Book::new();
    // Before the attach the book has nothing to restore: start over.
    loop {
        let attached = client.version(end, MAX_MSIZE).and_then(|_| book.attach(client, end, ROOT, UNAME, "", N_UNAME));
        match attached {
            Err(ClientError::Restarted) => {}
            r => break r.map(|_| ()).or_fail("version and attach")?,
        }
    }
    step(client, end, &mut book, "open LOGS/TRIP.LOG", |c, b| open_log(c, end, b))?;
    for k in 0..records {
        let bytes = record(k);
        let offset = k * RECORD as u64;
        step(client, end, &mut book, "write a record", |c, _| {
            c.write_all(end, OUT, offset, bytes.as_bytes())?;
            c.fsync(end, OUT, false)
        })?;
        let _ = writeln!(Console, "ninep-demo: acked {k}");
    }
    step(client, end, &mut book, "clunk LOGS/TRIP.LOG", |c, b| b.clunk(c, end, OUT))?;
    let _ = writeln!(Console, "ninep-demo: done: {records} records");
    Ok(())
}
