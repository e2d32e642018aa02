// SPDX-License-Identifier: MIT
//! A fake 9pfs server for the client's host tests: it owns end 0 of a
//! `TestWindow` channel (pushing on TO_CLIENT, popping from TO_BACKEND),
//! records every request it pops, and answers with canned replies, or with
//! whatever a test's hook says. The test port's `wait` runs one step of it,
//! so a call completes in one thread.
#![allow(dead_code, reason = "each test file uses part of the fake")]
#![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "test code: a failure is a test failure")]
#![allow(clippy::cast_possible_truncation, reason = "test code with small, known values")]

use bulkhead_ninep::channel::{HELLO, MIN_WINDOW, RING_CAPACITY, TO_BACKEND, TO_CLIENT};
use bulkhead_ninep::{
    Dirent, DirentWriter, Frame, MAX_MSIZE, Message, Qid, Stat, StatFs, VERSION_9P2000L, WalkQids, errno,
};
use bulkhead_ninep_client::{NinepClient, Port};
use bulkhead_ring::{Link, LinkError, RingError, TestWindow};
use std::cell::RefCell;

/// What the server does about one request.
pub enum Action {
    /// Pushes these bytes as one frame.
    Send(Vec<u8>),
    /// Moves the channel to a new epoch (the server "crashes").
    Restart,
}

/// A test's say over the answers: `Some(actions)` replaces the canned one.
pub type Hook = Box<dyn FnMut(&Frame<'_>) -> Option<Vec<Action>>>;

pub struct Server {
    link: Link<TestWindow>,
    pub epoch: u32,
    /// The largest msize it accepts.
    pub msize: u32,
    /// Every request popped, raw, in order.
    pub log: Vec<Vec<u8>>,
    pub hook: Option<Hook>,
    /// Waits in a row that found nothing to do.
    idle: u32,
    /// Restart after a few idle waits instead of failing the test (the
    /// client waits for an answer that never comes).
    pub restart_when_idle: bool,
}

pub fn encode(tag: u16, message: Message<'_>) -> Vec<u8> {
    let mut buf = vec![0u8; MAX_MSIZE as usize];
    let len = Frame::new(tag, message).encode(&mut buf).unwrap();
    buf.truncate(len);
    buf
}

pub fn qid(path: u64) -> Qid {
    Qid { kind: 0, version: 0, path }
}

pub fn stat() -> Stat {
    Stat { valid: 0x7ff, qid: qid(7), mode: 0o100_644, size: 1234, nlink: 1, ..Stat::default() }
}

pub fn statfs() -> StatFs {
    StatFs {
        fs_type: 0x01021997,
        bsize: 4096,
        blocks: 100,
        bfree: 50,
        bavail: 50,
        files: 10,
        ffree: 5,
        fsid: 1,
        namelen: 255,
    }
}

/// The directory the canned readdir lists: (name, offset).
pub const ENTRIES: [(&str, u64); 3] = [(".", 1), ("..", 2), ("file", 3)];

/// A pattern byte of a file at `offset`.
pub fn pattern(offset: u64) -> u8 {
    (offset % 251) as u8
}

fn canned<'a>(request: &Frame<'a>, msize: u32, scratch: &'a mut [u8]) -> Message<'a> {
    match &request.message {
        Message::Tversion { msize: theirs, version } => Message::Rversion {
            msize: (*theirs).min(msize),
            version: if *version == VERSION_9P2000L { VERSION_9P2000L } else { "unknown" },
        },
        Message::Tattach { .. } => Message::Rattach { qid: Qid { kind: Qid::DIR, version: 0, path: 1 } },
        Message::Twalk { names, .. } => {
            Message::Rwalk { qids: names.iter().enumerate().map(|(i, _)| qid(i as u64 + 2)).collect::<WalkQids>() }
        }
        Message::Tlopen { .. } => Message::Rlopen { qid: qid(7), iounit: 0 },
        Message::Tlcreate { .. } => Message::Rlcreate { qid: qid(8), iounit: 0 },
        Message::Tread { offset, count, .. } => {
            let data = &mut scratch[..*count as usize];
            for (i, b) in data.iter_mut().enumerate() {
                *b = pattern(offset + i as u64);
            }
            Message::Rread { data }
        }
        Message::Twrite { data, .. } => Message::Rwrite { count: data.len() as u32 },
        Message::Tclunk { .. } => Message::Rclunk,
        Message::Tgetattr { .. } => Message::Rgetattr(stat()),
        Message::Tsetattr { .. } => Message::Rsetattr,
        Message::Treaddir { offset, count, .. } => {
            let mut w = DirentWriter::new(&mut scratch[..*count as usize]);
            for (name, at) in ENTRIES.iter().filter(|(_, at)| at > offset) {
                let entry = Dirent { qid: qid(*at + 10), offset: *at, kind: Dirent::DT_REG, name };
                if w.push(&entry).is_err() {
                    break;
                }
            }
            Message::Rreaddir { data: w.into_bytes() }
        }
        Message::Tmkdir { .. } => Message::Rmkdir { qid: Qid { kind: Qid::DIR, version: 0, path: 9 } },
        Message::Tunlinkat { .. } => Message::Runlinkat,
        Message::Trenameat { .. } => Message::Rrenameat,
        Message::Tstatfs { .. } => Message::Rstatfs(statfs()),
        Message::Tfsync { .. } => Message::Rfsync,
        Message::Tflush { .. } => Message::Rflush,
        _ => Message::Rlerror { ecode: errno::EOPNOTSUPP },
    }
}

impl Server {
    pub fn new(window: TestWindow) -> Self {
        let link = Link::connect(window, 0, 1, HELLO, TO_CLIENT, TO_BACKEND).unwrap();
        Self { link, epoch: 1, msize: MAX_MSIZE, log: Vec::new(), hook: None, idle: 0, restart_when_idle: false }
    }

    pub fn restart(&mut self) {
        self.epoch += 1;
        self.link.reconnect(self.epoch).unwrap();
    }

    /// The requests logged since `from`, decoded.
    pub fn requests(&self, from: usize) -> Vec<Frame<'_>> {
        self.log[from..].iter().map(|raw| Frame::decode(raw).unwrap().0).collect()
    }

    /// Answers every request waiting; whether there was one.
    pub fn step(&mut self) -> bool {
        let mut worked = false;
        loop {
            let mut buf = vec![0u8; RING_CAPACITY as usize];
            let raw = match self.link.pop(&mut buf) {
                Ok(frame) => frame.to_vec(),
                Err(LinkError::Down | LinkError::Ring(RingError::Empty)) => break,
                Err(e) => panic!("server link: {e:?}"),
            };
            worked = true;
            let (request, used) = Frame::decode(&raw).expect("the client sends valid 9P");
            assert_eq!(used, raw.len(), "one message per frame, exactly");
            assert!(request.message.is_request());
            self.log.push(raw.clone());
            let actions = match self.hook.as_mut().and_then(|hook| hook(&request)) {
                Some(actions) => actions,
                None => {
                    let mut scratch = vec![0u8; MAX_MSIZE as usize];
                    vec![Action::Send(encode(request.tag, canned(&request, self.msize, &mut scratch)))]
                }
            };
            for action in actions {
                match action {
                    Action::Send(bytes) => self.link.push(&bytes).unwrap(),
                    Action::Restart => {
                        self.restart();
                        return true;
                    }
                }
            }
        }
        worked
    }
}

/// The client's port: waiting is one step of the server.
pub struct FakePort {
    pub server: RefCell<Server>,
}

impl Port for FakePort {
    fn epoch(&self) -> u32 {
        self.server.borrow().epoch
    }
    fn notify(&self) {}
    fn wait(&self) {
        let mut server = self.server.borrow_mut();
        if server.step() {
            server.idle = 0;
            return;
        }
        server.idle += 1;
        if server.idle >= 4 {
            assert!(server.restart_when_idle, "the client waits for an answer that never comes");
            server.idle = 0;
            server.restart();
        }
    }
}

impl FakePort {
    pub fn set_hook(&self, hook: impl FnMut(&Frame<'_>) -> Option<Vec<Action>> + 'static) {
        self.server.borrow_mut().hook = Some(Box::new(hook));
    }

    pub fn logged(&self) -> usize {
        self.server.borrow().log.len()
    }

    /// The requests logged since `from`, re-encoded as `(tag, Debug of the message)`
    /// (decoded frames borrow the log, which stays behind the RefCell).
    pub fn requests(&self, from: usize) -> Vec<(u16, String)> {
        self.server.borrow().requests(from).iter().map(|f| (f.tag, format!("{:?}", f.message))).collect()
    }

    /// The last request, decoded, handed to `check`.
    pub fn last<R>(&self, check: impl FnOnce(&Frame<'_>) -> R) -> R {
        let server = self.server.borrow();
        let raw = server.log.last().expect("a request");
        check(&Frame::decode(raw).unwrap().0)
    }
}

/// A message buffer as a domain has one: static, not on the stack.
pub fn buffer(len: usize) -> &'static mut [u8] {
    Box::leak(vec![0u8; len].into_boxed_slice())
}

/// A fake server and a client connected to it in epoch 1 (not versioned).
pub fn setup() -> (FakePort, NinepClient<'static, TestWindow>) {
    setup_with(MAX_MSIZE as usize)
}

pub fn setup_with(buffers: usize) -> (FakePort, NinepClient<'static, TestWindow>) {
    let window = TestWindow::new(MIN_WINDOW);
    let server = Server::new(window.clone());
    let client = NinepClient::connect(window, 1, buffer(buffers), buffer(buffers)).unwrap();
    (FakePort { server: RefCell::new(server) }, client)
}

/// As `setup`, versioned at the server's msize `msize`.
pub fn versioned(msize: u32) -> (FakePort, NinepClient<'static, TestWindow>) {
    let (port, mut client) = setup();
    port.server.borrow_mut().msize = msize;
    assert_eq!(client.version(&port, MAX_MSIZE), Ok(msize));
    (port, client)
}
