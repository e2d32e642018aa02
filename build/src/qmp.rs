// SPDX-License-Identifier: MIT
//! A QMP client for tests that drive a running QEMU: inject keys and
//! pointer or multi-touch events (`input-send-event`), as a user would.
//!
//! Owns the socket protocol only (greeting, capabilities negotiation, one
//! command at a time, asynchronous events skipped); what to send is the
//! test's business.

use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::{Duration, Instant};

/// A connected QMP session.
pub struct Qmp {
    reader: BufReader<UnixStream>,
    writer: UnixStream,
}

impl Qmp {
    /// Connects to QEMU's `-qmp unix:<path>,server=on,wait=off` socket
    /// (retrying for up to `timeout` while QEMU starts) and negotiates.
    pub fn connect(path: &Path, timeout: Duration) -> Result<Self> {
        let start = Instant::now();
        let stream = loop {
            match UnixStream::connect(path) {
                Ok(s) => break s,
                Err(e) if start.elapsed() < timeout => {
                    let _ = e;
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) => return Err(e).with_context(|| format!("no QMP socket at {}", path.display())),
            }
        };
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        let writer = stream.try_clone()?;
        let mut qmp = Self { reader: BufReader::new(stream), writer };
        let greeting = qmp.line()?;
        if !greeting.contains("\"QMP\"") {
            bail!("not a QMP greeting: {greeting}");
        }
        qmp.execute(r#"{"execute": "qmp_capabilities"}"#)?;
        Ok(qmp)
    }

    fn line(&mut self) -> Result<String> {
        let mut line = String::new();
        self.reader.read_line(&mut line).context("reading from QMP")?;
        if line.is_empty() {
            bail!("QMP closed the connection");
        }
        Ok(line)
    }

    /// Sends one command (JSON) and returns its `return` line; an `error`
    /// answer is an error.
    pub fn execute(&mut self, command: &str) -> Result<String> {
        self.writer.write_all(command.as_bytes())?;
        self.writer.write_all(b"\n")?;
        loop {
            let line = self.line()?;
            if line.contains("\"return\"") {
                return Ok(line);
            }
            if line.contains("\"error\"") {
                bail!("QMP refused `{command}`: {line}");
            }
            // An asynchronous event: skip it.
        }
    }

    /// Presses and releases the keys named by QEMU `qcode`s together
    /// (e.g. `["ctrl", "alt", "f1"]`), as HMP `sendkey` does.
    pub fn send_key(&mut self, qcodes: &[&str]) -> Result<()> {
        self.execute(&format!(
            r#"{{"execute": "human-monitor-command", "arguments": {{"command-line": "sendkey {}"}}}}"#,
            qcodes.join("-")
        ))
        .map(drop)
    }

    /// Presses and releases one key in a single `input-send-event` (no
    /// QEMU timer involved, unlike `sendkey`, whose release waits on the
    /// virtual clock, which stops under `-icount sleep=off` when every vCPU
    /// sleeps).
    pub fn tap(&mut self, qcode: &str) -> Result<()> {
        let key = |down: bool| {
            format!(r#"{{"type": "key", "data": {{"down": {down}, "key": {{"type": "qcode", "data": "{qcode}"}}}}}}"#)
        };
        self.send_events(&format!("[{}, {}]", key(true), key(false)))
    }

    /// Sends `input-send-event` events (a JSON array of InputEvent). QEMU
    /// gives them to the first input device that takes their kind (abs:
    /// the tablet; mtt: the multi-touch device); naming a device needs a
    /// display console, which headless runs do not have.
    pub fn send_events(&mut self, events: &str) -> Result<()> {
        self.execute(&format!(r#"{{"execute": "input-send-event", "arguments": {{"events": {events}}}}}"#)).map(drop)
    }
}
