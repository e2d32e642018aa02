// SPDX-License-Identifier: MIT
//! The harness's rig: a disk in host memory that counts its writes and
//! can lose power, FAT32 images made by Debian's own `mkfs.vfat` and
//! `mtools` (an MBR with one FAT32 partition, as on an SD card), and a
//! server whose requests are built and whose replies are decoded with
//! the wire codec.

#![allow(dead_code, reason = "each test module uses part of the rig")]

use bulkhead_ninep::{Frame, Message, NOFID, NOTAG, VERSION_9P2000L};
use bulkhead_ninep_core::{Disk, Export, Server, Store, exports};
use embedded_sdmmc::{Block, BlockCount, BlockDevice, BlockIdx};
use std::cell::{Cell, RefCell};
use std::path::PathBuf;
use std::process::Command;
use std::rc::Rc;

/// The partition's first block (1 MiB in, as partitioning tools do).
pub const PARTITION_START: u64 = 2048;
/// The image's size: FAT32 needs 65,525 clusters; 512-byte clusters.
pub const IMAGE_MIB: u64 = 40;

/// The device lost power: this write and every later one never landed.
#[derive(Debug, Clone, Copy)]
pub struct PowerLost;

impl core::fmt::Display for PowerLost {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("power lost")
    }
}

impl core::error::Error for PowerLost {}

/// What a [`MemDisk`] saw, shared with the test after the disk moved
/// into a store.
#[derive(Debug, Default)]
pub struct Meter {
    /// Blocks written.
    pub writes: Cell<u64>,
    /// Flushes.
    pub flushes: Cell<u64>,
    /// Writes (in blocks) after which power is lost.
    pub power_after: Cell<Option<u64>>,
    /// A log of events: `W` for a block write, `F` for a flush.
    pub log: RefCell<String>,
}

/// A disk in memory.
#[derive(Clone)]
pub struct MemDisk {
    pub bytes: Rc<RefCell<Vec<u8>>>,
    pub meter: Rc<Meter>,
}

impl MemDisk {
    pub fn new(bytes: Vec<u8>) -> Self {
        Self { bytes: Rc::new(RefCell::new(bytes)), meter: Rc::new(Meter::default()) }
    }

    /// A disk with the same bytes as now, and a fresh meter (the device
    /// after a restart, or after power came back).
    pub fn reboot(&self) -> Self {
        Self::new(self.bytes.borrow().clone())
    }
}

impl BlockDevice for MemDisk {
    type Error = PowerLost;

    fn read(&self, blocks: &mut [Block], start: BlockIdx) -> Result<(), PowerLost> {
        let bytes = self.bytes.borrow();
        for (i, block) in blocks.iter_mut().enumerate() {
            let at = (start.0 as usize + i) * 512;
            block.contents.copy_from_slice(&bytes[at..at + 512]);
        }
        Ok(())
    }

    fn write(&self, blocks: &[Block], start: BlockIdx) -> Result<(), PowerLost> {
        let mut bytes = self.bytes.borrow_mut();
        for (i, block) in blocks.iter().enumerate() {
            let n = self.meter.writes.get();
            if self.meter.power_after.get().is_some_and(|limit| n >= limit) {
                return Err(PowerLost);
            }
            self.meter.writes.set(n + 1);
            self.meter.log.borrow_mut().push('W');
            let at = (start.0 as usize + i) * 512;
            bytes[at..at + 512].copy_from_slice(&block.contents);
        }
        Ok(())
    }

    fn num_blocks(&self) -> Result<BlockCount, PowerLost> {
        Ok(BlockCount((self.bytes.borrow().len() / 512) as u32))
    }
}

impl Disk for MemDisk {
    fn flush(&self) -> Result<(), PowerLost> {
        if self.meter.power_after.get().is_some_and(|limit| self.meter.writes.get() >= limit) {
            return Err(PowerLost);
        }
        self.meter.flushes.set(self.meter.flushes.get() + 1);
        self.meter.log.borrow_mut().push('F');
        Ok(())
    }
}

fn run(cmd: &mut Command) {
    let out = cmd
        .env("MTOOLS_SKIP_CHECK", "1")
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e} (dosfstools and mtools: `bash ci/setup.sh` installs them)"));
    assert!(out.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&out.stderr));
}

fn mkfs() -> &'static str {
    ["/usr/sbin/mkfs.vfat", "/sbin/mkfs.vfat"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .unwrap_or("mkfs.vfat")
}

/// A unique scratch file.
fn scratch(name: &str) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    std::env::temp_dir().join(format!("ninep-harness-{}-{n}-{name}", std::process::id()))
}

/// An image with an MBR and one FAT32 partition holding `dirs` (created
/// in order) and `files` (path, contents), put there by `mtools`.
pub fn image(dirs: &[&str], files: &[(&str, &[u8])]) -> Vec<u8> {
    let path = scratch("disk.img");
    let total = IMAGE_MIB * 1024 * 1024 / 512;
    let mut bytes = vec![0u8; (IMAGE_MIB * 1024 * 1024) as usize];
    let entry = &mut bytes[446..462];
    entry[4] = 0x0C;
    entry[8..12].copy_from_slice(&(PARTITION_START as u32).to_le_bytes());
    entry[12..16].copy_from_slice(&((total - PARTITION_START) as u32).to_le_bytes());
    bytes[510] = 0x55;
    bytes[511] = 0xAA;
    std::fs::write(&path, &bytes).unwrap();
    let kib = (total - PARTITION_START) / 2;
    run(Command::new(mkfs())
        .args(["-F", "32", "-S", "512", "-s", "1", "--invariant", "--offset", "2048"])
        .arg(&path)
        .arg(kib.to_string()));
    let target = format!("{}@@1M", path.display());
    for dir in dirs {
        run(Command::new("mmd").args(["-i", &target, &format!("::{dir}")]));
    }
    for (name, contents) in files {
        let src = scratch("file");
        std::fs::write(&src, contents).unwrap();
        run(Command::new("mcopy").args(["-i", &target]).arg(&src).arg(format!("::{name}")));
        let _ = std::fs::remove_file(&src);
    }
    let out = std::fs::read(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    out
}

/// Reads `name` from the image's FAT partition with the host's `mtools`.
pub fn host_read(bytes: &[u8], name: &str) -> Option<Vec<u8>> {
    let path = scratch("check.img");
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("mtype")
        .env("MTOOLS_SKIP_CHECK", "1")
        .args(["-i", &format!("{}@@1M", path.display()), &format!("::{name}")])
        .output()
        .expect("mtype (mtools: `bash ci/setup.sh` installs it)");
    let _ = std::fs::remove_file(&path);
    out.status.success().then_some(out.stdout)
}

/// The standard disk: exports `/CLUSTER` (rw) and `/SHARED` (ro) with a
/// configuration file, a map directory and a file with a long name.
pub fn standard_disk() -> MemDisk {
    MemDisk::new(image(
        &["/CLUSTER", "/SHARED", "/SHARED/MAPS"],
        &[
            ("/SHARED/CONFIG.TXT", b"brightness=70\n"),
            ("/SHARED/MAPS/TILE0.BIN", &[7u8; 3000]),
            ("/SHARED/route-plan.toml", b"[route]\n"),
            ("/CLUSTER/OLD.LOG", b"boot 1\n"),
        ],
    ))
}

/// The standard board line: client 0 is the cluster (read-write, quotas),
/// client 1 the infotainment (read-only).
pub const PARAMS: &str = "clients=cluster,ivi cluster=/CLUSTER,rw,bytes=65536,files=8 ivi=/SHARED,ro";

pub fn server_on<D: Disk>(disk: D, params: &str) -> Server<D> {
    let exports: Vec<Export> = exports::parse(params).unwrap().into_iter().collect();
    Server::new(Store::mount(disk).unwrap(), &exports).unwrap()
}

/// A server on the standard disk and board line, with the disk's meter.
pub fn standard() -> (Server<MemDisk>, MemDisk) {
    let disk = standard_disk();
    (server_on(disk.clone(), PARAMS), disk)
}

/// Sends `message` with `tag` from `client`; the raw reply.
pub fn call_raw<D: Disk>(server: &mut Server<D>, client: usize, tag: u16, message: Message<'_>) -> Vec<u8> {
    let mut req = vec![0u8; 70_000];
    let n = Frame::new(tag, message).encode(&mut req).unwrap();
    send_bytes(server, client, &req[..n])
}

/// Sends raw bytes as one frame; the raw reply.
pub fn send_bytes<D: Disk>(server: &mut Server<D>, client: usize, bytes: &[u8]) -> Vec<u8> {
    let mut reply = vec![0u8; 70_000];
    let n = server.handle(client, bytes, &mut reply);
    reply.truncate(n);
    reply
}

/// Sends `message`, decodes the reply (checking the tag), and hands it
/// to `f`.
pub fn call<R, D: Disk>(
    server: &mut Server<D>,
    client: usize,
    message: Message<'_>,
    f: impl FnOnce(Message<'_>) -> R,
) -> R {
    let tag = 0x0042;
    let raw = call_raw(server, client, tag, message);
    let (frame, used) = Frame::decode(&raw).expect("the server's reply decodes");
    assert_eq!(used, raw.len());
    assert_eq!(frame.tag, tag);
    f(frame.message)
}

/// The errno of an Rlerror reply, or panics with what came instead.
pub fn errno_of<D: Disk>(server: &mut Server<D>, client: usize, message: Message<'_>) -> u32 {
    call(server, client, message, |m| match m {
        Message::Rlerror { ecode } => ecode,
        other => panic!("expected Rlerror, got {other:?}"),
    })
}

/// Sends `message` and asserts it succeeded (no Rlerror).
pub fn ok<D: Disk>(server: &mut Server<D>, client: usize, message: Message<'_>) {
    call(server, client, message, |m| assert!(!matches!(m, Message::Rlerror { .. }), "unexpected {m:?}"));
}

/// Tversion + Tattach of fid 0 for `client`.
pub fn attach<D: Disk>(server: &mut Server<D>, client: usize) {
    call(server, client, Message::Tversion { msize: 65536, version: VERSION_9P2000L }, |m| {
        assert_eq!(m, Message::Rversion { msize: 65536, version: VERSION_9P2000L });
    });
    ok(server, client, Message::Tattach { fid: 0, afid: NOFID, uname: "u", aname: "", n_uname: 0 });
}

/// Walks fid 0 to `newfid` through `names`.
pub fn walk_to<D: Disk>(server: &mut Server<D>, client: usize, newfid: u32, names: &[&str]) {
    let names = names.iter().copied().collect();
    call(server, client, Message::Twalk { fid: 0, newfid, names }, |m| match m {
        Message::Rwalk { .. } => {}
        other => panic!("walk failed: {other:?}"),
    });
}

/// Reads all of open fid `fid`.
pub fn read_all<D: Disk>(server: &mut Server<D>, client: usize, fid: u32) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let got = call(server, client, Message::Tread { fid, offset: out.len() as u64, count: 8192 }, |m| match m {
            Message::Rread { data } => data.to_vec(),
            other => panic!("read failed: {other:?}"),
        });
        if got.is_empty() {
            return out;
        }
        out.extend_from_slice(&got);
    }
}

pub const NO_TAG: u16 = NOTAG;
