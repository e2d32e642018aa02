// SPDX-License-Identifier: MIT
//! `mode=readonly`: a client of a read-only export. Reads `CONFIG.TXT` and
//! prints it, then tries two writes, each of which the 9pfs domain must
//! refuse with an Rlerror (`EROFS`): creating `X.TXT` in the root, and
//! opening `CONFIG.TXT` for writing. Prints `ninep-demo: write refused:
//! <ERRNAME>` for each refusal, `ninep-demo: FAIL: write allowed` for a
//! write let through (and then stops without the done line), and ends
//! with `ninep-demo: done (read-only)`.

use crate::common::{DIR, FILE, FILE_MODE, Failed, OrFail, ROOT, Session, errno_name, fail};
use bulkhead_ninep_client::{ClientError, flags};
use bulkhead_ring::Window;
use core::fmt::Write;
use domain_rt::Console;

/// What an attempted write came to.
fn refused<T>(what: &str, result: Result<T, ClientError>) -> Result<bool, Failed> {
    match result {
        Err(ClientError::Remote(ecode)) => {
            let _ = writeln!(Console, "ninep-demo: write refused: {}", errno_name(ecode));
            Ok(true)
        }
        Err(e) => Err(fail(what, e)),
        Ok(_) => {
            let _ = writeln!(Console, "ninep-demo: FAIL: write allowed");
            Ok(false)
        }
    }
}

/// Runs the read-only check.
pub fn run<W: Window + Clone>(s: &mut Session<'_, W>) -> Result<(), Failed> {
    s.start()?;
    s.print_config()?;

    // Tlcreate turns a directory's fid into the new file: on a clone of
    // the root, so that the root's fid stays the root.
    s.walk(ROOT, DIR, &[]).or_fail("clone the root")?;
    let create = s.client.lcreate(s.end, DIR, "X.TXT", flags::O_RDWR | flags::O_CREAT, FILE_MODE, 0);
    let created_refused = refused("create X.TXT", create)?;
    s.client.clunk(s.end, DIR).or_fail("clunk the root's clone")?;

    s.walk(ROOT, FILE, &["CONFIG.TXT"]).or_fail("walk to CONFIG.TXT")?;
    let open = s.client.lopen(s.end, FILE, flags::O_WRONLY);
    let open_refused = refused("open CONFIG.TXT for writing", open)?;
    s.client.clunk(s.end, FILE).or_fail("clunk CONFIG.TXT")?;

    if !(created_refused && open_refused) {
        return Err(Failed);
    }
    let _ = writeln!(Console, "ninep-demo: done (read-only)");
    Ok(())
}
