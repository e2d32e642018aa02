// SPDX-License-Identifier: MIT
//! An unmodified Debian Linux on the network domain's switch through a
//! device model (issue 21), on `boards/test/virtio-net.toml`: Linux's
//! `virtio_net` drives the NIC the device model emulates on the switch's
//! L2 port `linux`; the network domain, which also runs its own smoltcp
//! interface on the same physical NIC, switches Linux's frames by MAC
//! address onto QEMU's user network. The test runs an HTTP server on the
//! host's 127.0.0.1:5580 (10.0.2.2 for the guests) serving a page with a
//! fresh token; Linux fetches it and prints it, and the server's log must
//! show exactly that request. Then Linux takes another MAC address: the
//! switch refuses its frames (spoofing), and its ping is lost.

use super::{Ctx, has_line};
use crate::qemu;
use anyhow::{Context, Result, ensure};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The host port the board's Linux fetches from (init.sh, `virtio_net`).
const PORT: u16 = 5580;

/// Serves `page` at `/cockpit.txt` (404 elsewhere) on 127.0.0.1:`PORT`,
/// logging each request line, until the listener is dropped with the
/// process.
fn serve(page: String, log: Arc<Mutex<Vec<String>>>) -> Result<()> {
    let listener = TcpListener::bind(("127.0.0.1", PORT))
        .with_context(|| format!("the test's HTTP server needs 127.0.0.1:{PORT}: is it in use?"))?;
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            let mut reader = BufReader::new(&stream);
            let mut request = String::new();
            if reader.read_line(&mut request).is_err() {
                continue;
            }
            let mut header = String::new();
            while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                header.clear();
            }
            let request = request.trim_end().to_string();
            let ok = request.starts_with("GET /cockpit.txt ");
            if let Ok(mut l) = log.lock() {
                l.push(request);
            }
            let (status, body) = if ok { ("200 OK", page.as_str()) } else { ("404 Not Found", "") };
            let mut out = &stream;
            let _ = write!(
                out,
                "HTTP/1.0 {status}\r\nContent-Length: {}\r\nContent-Type: text/plain\r\n\r\n{body}",
                body.len()
            );
        }
    });
    Ok(())
}

pub(super) fn linux_fetches_a_host_page_through_the_switch(_ctx: &mut Ctx) -> Result<()> {
    let token = format!("{:016x}", std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_nanos());
    let page = format!("Bulkhead cockpit page\ntoken {token}\n");
    let requests = Arc::new(Mutex::new(Vec::new()));
    serve(page, requests.clone())?;
    let built = crate::cmd::build::build("boards/test/virtio-net.toml", Some(crate::board::schema::LogFormat::Text))?;
    let cmd = qemu::command(&built.board, &built.image, true, &qemu::Overrides::default())?;
    let out = qemu::run_watching(cmd, Duration::from_secs(180), |log| {
        has_line(log, "[linux] BULKHEAD-STEP-DONE: virtio-net ") || log.contains("FAIL")
    })?;
    let log = &out.output;
    ensure!(has_line(log, "[linux] BULKHEAD-STEP-DONE: virtio-net 0"), "Linux's network step failed:\n{log}");
    ensure!(
        has_line(log, "[dm] devmodel: net: port assigned, mac 52:54:00:00:00:21")
            && has_line(log, "[linux] BULKHEAD-NET: up 52:54:00:00:00:21"),
        "Linux's NIC does not carry the MAC the board assigns its port:\n{log}"
    );
    for line in ["HTTP/1.0 200 OK", "Bulkhead cockpit page", &format!("token {token}")] {
        ensure!(has_line(log, &format!("[linux] BULKHEAD-NET: got: {line}")), "Linux never read `{line}`:\n{log}");
    }
    let requests = requests.lock().map(|r| r.clone()).unwrap_or_default();
    ensure!(
        requests == ["GET /cockpit.txt HTTP/1.0"],
        "the host's server saw {requests:?}, expected exactly Linux's one request"
    );
    ensure!(
        has_line(log, "[network] network: port linux: frame refused: source 52:54:00:00:00:66 is not its MAC"),
        "the switch never refused Linux's spoofed frames:\n{log}"
    );
    ensure!(has_line(log, "[linux] BULKHEAD-NET: spoofed ping: lost"), "a spoofed ping got through:\n{log}");
    for who in ["linux", "dm", "network"] {
        ensure!(!log.contains(&format!("fault: domain {who}")), "domain {who} faulted:\n{log}");
    }
    Ok(())
}
