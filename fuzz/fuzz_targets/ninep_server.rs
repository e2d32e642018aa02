// SPDX-License-Identifier: MIT
//! The 9P2000.L server (`bulkhead-ninep-core`): request handling for two
//! clients of a FAT32 volume in memory (made once by Debian's
//! `mkfs.vfat` and `mtools`), one read-write, one read-only.
//!
//! The input is a run of requests: a byte picks the client, two bytes the
//! length, then that many bytes go to the server as one frame. Both
//! clients start versioned and attached (fid 0), so the fuzzer starts
//! deep; the server and its disk live across inputs, as a domain's do.
//!
//! Invariants: nothing panics; every frame gets exactly one reply, which
//! decodes as an R-message within the client's msize, under the request's
//! tag (or NOTAG when not even a header was sent); a client never holds
//! more fids than the limit; the read-only client never makes the disk
//! write a block.
#![no_main]

use bulkhead_ninep::{Frame, Header, MAX_MSIZE, Message, NOFID, NOTAG, VERSION_9P2000L};
use bulkhead_ninep_core::fids::MAX_FIDS;
use bulkhead_ninep_core::{Disk, Export, Server, Store, exports};
use embedded_sdmmc::{Block, BlockCount, BlockDevice, BlockIdx};
use libfuzzer_sys::fuzz_target;
use std::cell::{Cell, RefCell};
use std::process::Command;
use std::rc::Rc;

const MIB: u64 = 40;

#[derive(Debug)]
struct Never;
impl core::fmt::Display for Never {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("never")
    }
}
impl core::error::Error for Never {}

#[derive(Clone)]
struct MemDisk {
    bytes: Rc<RefCell<Vec<u8>>>,
    writes: Rc<Cell<u64>>,
}

impl BlockDevice for MemDisk {
    type Error = Never;
    fn read(&self, blocks: &mut [Block], start: BlockIdx) -> Result<(), Never> {
        let bytes = self.bytes.borrow();
        for (i, b) in blocks.iter_mut().enumerate() {
            let at = (start.0 as usize + i) * 512;
            b.contents.copy_from_slice(&bytes[at..at + 512]);
        }
        Ok(())
    }
    fn write(&self, blocks: &[Block], start: BlockIdx) -> Result<(), Never> {
        let mut bytes = self.bytes.borrow_mut();
        for (i, b) in blocks.iter().enumerate() {
            let at = (start.0 as usize + i) * 512;
            bytes[at..at + 512].copy_from_slice(&b.contents);
            self.writes.set(self.writes.get() + 1);
        }
        Ok(())
    }
    fn num_blocks(&self) -> Result<BlockCount, Never> {
        Ok(BlockCount((self.bytes.borrow().len() / 512) as u32))
    }
}

impl Disk for MemDisk {
    fn flush(&self) -> Result<(), Never> {
        Ok(())
    }
}

fn tool(name: &str) -> String {
    ["/usr/sbin/", "/sbin/", "/usr/bin/"]
        .iter()
        .map(|d| format!("{d}{name}"))
        .find(|p| std::path::Path::new(p).exists())
        .unwrap_or_else(|| name.to_string())
}

/// An MBR with one FAT32 partition at 1 MiB holding /RW/A.TXT and /RO/B.TXT.
fn image() -> Vec<u8> {
    let path = std::env::temp_dir().join(format!("ninep-fuzz-{}.img", std::process::id()));
    let sectors = MIB * 2048;
    let mut bytes = vec![0u8; (MIB << 20) as usize];
    bytes[446 + 4] = 0x0C;
    bytes[454..458].copy_from_slice(&2048u32.to_le_bytes());
    bytes[458..462].copy_from_slice(&((sectors - 2048) as u32).to_le_bytes());
    bytes[510] = 0x55;
    bytes[511] = 0xAA;
    std::fs::write(&path, &bytes).unwrap();
    let ok = |c: &mut Command| assert!(c.env("MTOOLS_SKIP_CHECK", "1").status().unwrap().success(), "{c:?}");
    ok(Command::new(tool("mkfs.vfat"))
        .args(["-F", "32", "-S", "512", "-s", "1", "--invariant", "--offset", "2048"])
        .arg(&path)
        .arg(((sectors - 2048) / 2).to_string()));
    let target = format!("{}@@1M", path.display());
    for dir in ["::/RW", "::/RO"] {
        ok(Command::new(tool("mmd")).args(["-i", &target, dir]));
    }
    let src = path.with_extension("txt");
    std::fs::write(&src, b"some text\n").unwrap();
    for name in ["::/RW/A.TXT", "::/RO/B.TXT"] {
        ok(Command::new(tool("mcopy")).args(["-i", &target]).arg(&src).arg(name));
    }
    let out = std::fs::read(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    let _ = std::fs::remove_file(&src);
    out
}

struct Rig {
    server: Server<MemDisk>,
    writes: Rc<Cell<u64>>,
}

thread_local! {
    /// The server and its disk, made by the first input (libFuzzer runs
    /// the inputs on one thread).
    static RIG: RefCell<Option<Rig>> = const { RefCell::new(None) };
}

fn rig() -> Rig {
    let writes = Rc::new(Cell::new(0));
    let disk = MemDisk { bytes: Rc::new(RefCell::new(image())), writes: writes.clone() };
    let exports: Vec<Export> =
        exports::parse("clients=rw,ro rw=/RW,rw,bytes=200000,files=20 ro=/RO,ro").unwrap().into_iter().collect();
    let server = Server::new(Store::mount(disk).unwrap(), &exports).unwrap();
    Rig { server, writes }
}

fn send(rig: &mut Rig, client: usize, frame: &[u8]) {
    let mut reply = vec![0u8; MAX_MSIZE as usize];
    let before = rig.writes.get();
    let n = rig.server.handle(client, frame, &mut reply);
    let (answer, used) = Frame::decode(&reply[..n]).expect("every reply decodes");
    assert_eq!(used, n);
    assert!(!answer.message.is_request(), "a T-message as a reply: {answer:?}");
    let msize = rig.server.msize(client);
    assert!(msize == 0 || n <= msize as usize, "a reply of {n} bytes over msize {msize}");
    let tag = Header::parse(frame).map_or(NOTAG, |h| h.tag);
    assert_eq!(answer.tag, tag, "the reply's tag");
    assert!(rig.server.fid_count(client) <= MAX_FIDS);
    if client == 1 {
        assert_eq!(rig.writes.get(), before, "the read-only client made the disk write");
    }
}

fn start(rig: &mut Rig) {
    for client in 0..2 {
        let mut buf = vec![0u8; 256];
        for m in [
            Message::Tversion { msize: 8192, version: VERSION_9P2000L },
            Message::Tattach { fid: 0, afid: NOFID, uname: "", aname: "", n_uname: 0 },
        ] {
            let n = Frame::new(1, m).encode(&mut buf).unwrap();
            send(rig, client, &buf[..n]);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    RIG.with(|cell| {
        let mut slot = cell.borrow_mut();
        let rig = slot.get_or_insert_with(rig);
        start(rig);
        let mut rest = data;
        while let [pick, l0, l1, tail @ ..] = rest {
            let len = usize::from(u16::from_le_bytes([*l0, *l1])).min(tail.len());
            let (frame, after) = tail.split_at(len);
            send(rig, usize::from(pick & 1), frame);
            rest = after;
        }
    });
});
