// SPDX-License-Identifier: MIT
//! A QMP client for tests that drive a running QEMU: inject keys and
//! pointer or multi-touch events (`input-send-event`), as a user would.
//!
//! Owns the socket protocol only (greeting, capabilities negotiation, one
//! command at a time, asynchronous events skipped); what to send is the
//! test's business. Commands are built and replies parsed as JSON
//! (`serde_json`): a reply is a success (`return`), a refusal (`error`,
//! with QEMU's class and description) or an asynchronous event (`event`),
//! and anything else is a protocol error.

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::{Duration, Instant};

/// One message from QEMU.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// The greeting sent on connection (`{"QMP": {...}}`).
    Greeting,
    /// A command succeeded: its `return` value.
    Return(Value),
    /// A command was refused.
    Error {
        /// QEMU's error class (e.g. `GenericError`).
        class: String,
        /// Its description.
        desc: String,
    },
    /// An asynchronous event, by name.
    Event(String),
}

impl Message {
    /// Parses one line of the QMP stream.
    pub fn parse(line: &str) -> Result<Self> {
        let value: Value = serde_json::from_str(line).with_context(|| format!("QMP sent bad JSON: {line}"))?;
        let Value::Object(mut object) = value else { bail!("QMP sent something other than an object: {line}") };
        if let Some(value) = object.remove("return") {
            return Ok(Self::Return(value));
        }
        if let Some(error) = object.remove("error") {
            let field = |name: &str| error.get(name).and_then(Value::as_str).unwrap_or_default().to_owned();
            return Ok(Self::Error { class: field("class"), desc: field("desc") });
        }
        if let Some(event) = object.get("event").and_then(Value::as_str) {
            return Ok(Self::Event(event.to_owned()));
        }
        if object.contains_key("QMP") {
            return Ok(Self::Greeting);
        }
        bail!("not a QMP message: {line}")
    }
}

/// The command `execute` with `arguments` (none if `Value::Null`), as one
/// line of JSON.
pub fn command(execute: &str, arguments: Value) -> String {
    let mut command = json!({ "execute": execute });
    if !arguments.is_null() {
        command["arguments"] = arguments;
    }
    command.to_string()
}

/// An `input-send-event` key event for `qcode`, pressed or released.
pub fn key_event(qcode: &str, down: bool) -> Value {
    json!({ "type": "key", "data": { "down": down, "key": { "type": "qcode", "data": qcode } } })
}

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
                Err(_) if start.elapsed() < timeout => std::thread::sleep(Duration::from_millis(50)),
                Err(e) => return Err(e).with_context(|| format!("no QMP socket at {}", path.display())),
            }
        };
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        let writer = stream.try_clone()?;
        let mut qmp = Self { reader: BufReader::new(stream), writer };
        match qmp.message()? {
            Message::Greeting => {}
            other => bail!("not a QMP greeting: {other:?}"),
        }
        qmp.execute("qmp_capabilities", Value::Null)?;
        Ok(qmp)
    }

    fn message(&mut self) -> Result<Message> {
        let mut line = String::new();
        self.reader.read_line(&mut line).context("reading from QMP")?;
        if line.is_empty() {
            bail!("QMP closed the connection");
        }
        Message::parse(&line)
    }

    /// Runs command `execute` with `arguments` (`Value::Null` for none) and
    /// returns its `return` value; an `error` answer is an error. Events
    /// that arrive meanwhile are skipped.
    pub fn execute(&mut self, execute: &str, arguments: Value) -> Result<Value> {
        let command = command(execute, arguments);
        self.writer.write_all(command.as_bytes())?;
        self.writer.write_all(b"\n")?;
        loop {
            match self.message()? {
                Message::Return(value) => return Ok(value),
                Message::Error { class, desc } => bail!("QMP refused `{command}`: {class}: {desc}"),
                Message::Event(_) => {}
                Message::Greeting => bail!("QMP greeted again in answer to `{command}`"),
            }
        }
    }

    /// Presses and releases the keys named by QEMU `qcode`s together
    /// (e.g. `["ctrl", "alt", "f1"]`), as HMP `sendkey` does.
    pub fn send_key(&mut self, qcodes: &[&str]) -> Result<()> {
        let line = format!("sendkey {}", qcodes.join("-"));
        self.execute("human-monitor-command", json!({ "command-line": line })).map(drop)
    }

    /// Presses and releases one key in a single `input-send-event` (no
    /// QEMU timer involved, unlike `sendkey`, whose release waits on the
    /// virtual clock, which stops under `-icount sleep=off` when every vCPU
    /// sleeps).
    pub fn tap(&mut self, qcode: &str) -> Result<()> {
        self.send_events(json!([key_event(qcode, true), key_event(qcode, false)]))
    }

    /// Sends `input-send-event` events (a JSON array of InputEvent). QEMU
    /// gives them to the first input device that takes their kind (abs:
    /// the tablet; mtt: the multi-touch device); naming a device needs a
    /// display console, which headless runs do not have.
    pub fn send_events(&mut self, events: Value) -> Result<()> {
        self.execute("input-send-event", json!({ "events": events })).map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_are_told_apart() {
        let greeting = r#"{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 9}}, "capabilities": []}}"#;
        assert_eq!(Message::parse(greeting).unwrap(), Message::Greeting);
        assert_eq!(Message::parse("{\"return\": {}}\n").unwrap(), Message::Return(json!({})));
        assert_eq!(
            Message::parse(r#"{"return": {"status": {"statuses": "DRIVER_OK"}}, "id": 1}"#).unwrap(),
            Message::Return(json!({"status": {"statuses": "DRIVER_OK"}}))
        );
        assert_eq!(
            Message::parse(r#"{"error": {"class": "GenericError", "desc": "No such device"}}"#).unwrap(),
            Message::Error { class: "GenericError".into(), desc: "No such device".into() }
        );
        // An event whose data mentions "return" is still an event.
        let event =
            r#"{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "RESET", "data": {"reason": "return"}}"#;
        assert_eq!(Message::parse(event).unwrap(), Message::Event("RESET".into()));
        assert!(Message::parse(r#"{"something": "else"}"#).is_err());
        assert!(Message::parse("[1, 2]").is_err());
        assert!(Message::parse("{\"return\": ").is_err());
    }

    #[test]
    fn commands_are_json() {
        assert_eq!(command("qmp_capabilities", Value::Null), r#"{"execute":"qmp_capabilities"}"#);
        let sendkey = command("human-monitor-command", json!({"command-line": "sendkey \"quoted\""}));
        let parsed: Value = serde_json::from_str(&sendkey).unwrap();
        assert_eq!(
            parsed,
            json!({"execute": "human-monitor-command", "arguments": {"command-line": "sendkey \"quoted\""}})
        );
        assert_eq!(
            key_event("a", true),
            json!({"type": "key", "data": {"down": true, "key": {"type": "qcode", "data": "a"}}})
        );
    }
}
