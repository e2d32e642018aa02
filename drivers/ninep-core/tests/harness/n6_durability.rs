// SPDX-License-Identifier: MIT
//! N6: nothing acknowledged is lost.
//! - an Rwrite comes after its data and the file's size were written;
//!   Rfsync, and the Rclunk of a fid opened for writing, after the
//!   device's cache was flushed;
//! - power cut between any two block writes of a run of creates, writes,
//!   fsyncs, renames and unlinks: when power comes back, the volume
//!   mounts, and everything acknowledged before the cut is there; the
//!   same with the domain's write-through block cache in front of the
//!   disk.

use crate::rig::*;
use bulkhead_ninep::{Message, NOFID, VERSION_9P2000L};
use std::collections::BTreeMap;

#[test]
fn n6_clunk_after_writing_and_fsync_flush_before_they_answer() {
    let (mut s, disk) = standard();
    attach(&mut s, 0);
    walk_to(&mut s, 0, 1, &[]);
    ok(&mut s, 0, Message::Tlcreate { fid: 1, name: "A.LOG", flags: 2, mode: 0, gid: 0 });
    disk.meter.log.borrow_mut().clear();
    ok(&mut s, 0, Message::Twrite { fid: 1, offset: 0, data: b"speed 50\n" });
    assert!(disk.meter.log.borrow().starts_with('W'), "the Rwrite came after its writes");
    assert_eq!(host_read(&disk.bytes.borrow(), "/CLUSTER/A.LOG").as_deref(), Some(&b"speed 50\n"[..]));
    disk.meter.log.borrow_mut().clear();
    ok(&mut s, 0, Message::Tfsync { fid: 1, datasync: 0 });
    assert_eq!(*disk.meter.log.borrow(), "F");
    disk.meter.log.borrow_mut().clear();
    ok(&mut s, 0, Message::Tclunk { fid: 1 });
    assert_eq!(*disk.meter.log.borrow(), "F", "the clunk of a written fid flushes");
    walk_to(&mut s, 0, 2, &["A.LOG"]);
    ok(&mut s, 0, Message::Tlopen { fid: 2, flags: 0 });
    disk.meter.log.borrow_mut().clear();
    ok(&mut s, 0, Message::Tclunk { fid: 2 });
    assert_eq!(*disk.meter.log.borrow(), "", "a read-only clunk has nothing to flush");
}

/// One step of the crash script, and what it means once acknowledged.
enum Step {
    Create(&'static str),
    Write(&'static str, u64, &'static [u8]),
    Fsync(&'static str),
    Rename(&'static str, &'static str),
    Unlink(&'static str),
}

const SCRIPT: &[Step] = &[
    Step::Create("TRIP.LOG"),
    Step::Write("TRIP.LOG", 0, b"trip 1 start\n"),
    Step::Fsync("TRIP.LOG"),
    Step::Create("CFG.NEW"),
    Step::Write("CFG.NEW", 0, &[b'c'; 700]),
    Step::Write("TRIP.LOG", 13, b"trip 1 km 12\n"),
    Step::Rename("CFG.NEW", "CFG.TXT"),
    Step::Unlink("OLD.LOG"),
    Step::Write("TRIP.LOG", 26, &[b't'; 1200]),
    Step::Fsync("TRIP.LOG"),
];

/// Runs the script with power lost after `cut` block writes (none:
/// `None`); the files the acknowledged steps leave, by name.
fn run(disk: &MemDisk, cut: Option<u64>) -> BTreeMap<&'static str, Vec<u8>> {
    disk.meter.power_after.set(cut);
    script(server_on(disk.clone(), PARAMS))
}

/// As [`run`], with the domain's write-through cache in front of the disk.
fn run_cached(disk: &MemDisk, cut: Option<u64>) -> BTreeMap<&'static str, Vec<u8>> {
    disk.meter.power_after.set(cut);
    script(server_on(bulkhead_ninep_core::Cached::new(disk.clone(), 512), PARAMS))
}

/// The script on `s`; what the acknowledged steps leave.
fn script<D: bulkhead_ninep_core::Disk>(mut s: bulkhead_ninep_core::Server<D>) -> BTreeMap<&'static str, Vec<u8>> {
    let mut acked: BTreeMap<&'static str, Vec<u8>> = BTreeMap::from([("OLD.LOG", b"boot 1\n".to_vec())]);
    call(&mut s, 0, Message::Tversion { msize: 65536, version: VERSION_9P2000L }, |_| ());
    ok(&mut s, 0, Message::Tattach { fid: 0, afid: NOFID, uname: "", aname: "", n_uname: 0 });
    let success = |m: Message<'_>| !matches!(m, Message::Rlerror { .. });
    let open = |s: &mut bulkhead_ninep_core::Server<D>, name: &str| -> bool {
        let names = [name].into_iter().collect();
        call(s, 0, Message::Twalk { fid: 0, newfid: 1, names }, success)
            && call(s, 0, Message::Tlopen { fid: 1, flags: 2 }, success)
    };
    for step in SCRIPT {
        let done = match *step {
            Step::Create(name) => {
                let names = heapless::Vec::new();
                call(&mut s, 0, Message::Twalk { fid: 0, newfid: 1, names }, success)
                    && call(&mut s, 0, Message::Tlcreate { fid: 1, name, flags: 2, mode: 0, gid: 0 }, success)
            }
            Step::Write(name, offset, data) => {
                open(&mut s, name) && call(&mut s, 0, Message::Twrite { fid: 1, offset, data }, success)
            }
            Step::Fsync(name) => {
                open(&mut s, name) && call(&mut s, 0, Message::Tfsync { fid: 1, datasync: 0 }, success)
            }
            Step::Rename(from, to) => {
                call(&mut s, 0, Message::Trenameat { olddirfid: 0, oldname: from, newdirfid: 0, newname: to }, success)
            }
            Step::Unlink(name) => call(&mut s, 0, Message::Tunlinkat { dirfid: 0, name, flags: 0 }, success),
        };
        // Whatever happened, fid 1 goes (its clunk may fail after the cut).
        call(&mut s, 0, Message::Tclunk { fid: 1 }, |_| ());
        if !done {
            break;
        }
        match *step {
            Step::Create(name) => {
                acked.insert(name, Vec::new());
            }
            Step::Write(name, offset, data) => {
                let file = acked.get_mut(name).unwrap();
                let end = offset as usize + data.len();
                if file.len() < end {
                    file.resize(end, 0);
                }
                file[offset as usize..end].copy_from_slice(data);
            }
            Step::Fsync(_) => {}
            Step::Rename(from, to) => {
                let contents = acked.remove(from).unwrap();
                acked.insert(to, contents);
            }
            Step::Unlink(name) => {
                acked.remove(name);
            }
        }
    }
    acked
}

#[test]
fn n6_power_cut_between_any_two_block_writes_loses_nothing_acknowledged() {
    power_cuts(run);
}

#[test]
fn n6_the_write_through_cache_changes_nothing_about_it() {
    power_cuts(run_cached);
}

/// Cuts power after every number of block writes that `runner`'s script
/// makes, and checks the volume after each cut.
fn power_cuts(runner: fn(&MemDisk, Option<u64>) -> BTreeMap<&'static str, Vec<u8>>) {
    let pristine = standard_disk();
    let full = pristine.reboot();
    let everything = runner(&full, None);
    let total = full.meter.writes.get();
    assert!(total > 20, "the script writes {total} blocks");
    assert_eq!(everything.get("CFG.TXT").map(Vec::len), Some(700));
    for cut in 0..=total {
        let disk = pristine.reboot();
        let acked = runner(&disk, Some(cut));
        // Power comes back: the same bytes, a new domain.
        let after = disk.reboot();
        let s = server_on(after.clone(), PARAMS);
        drop(s);
        let store = bulkhead_ninep_core::Store::mount(after.clone()).expect("the volume mounts after the cut");
        let root = store.lookup(&[], "CLUSTER").unwrap();
        let dir: bulkhead_ninep_core::store::Path = [root.name].into_iter().collect();
        for (name, contents) in &acked {
            let node =
                store.lookup(&dir, name).unwrap_or_else(|e| panic!("cut {cut}: acknowledged {name} missing: {e:?}"));
            let mut path = dir.clone();
            path.push(node.name).unwrap();
            let mut buf = vec![0u8; contents.len() + 64];
            let n = store.read(&path, 0, &mut buf).unwrap();
            assert!(
                n >= contents.len() && buf[..contents.len()] == contents[..],
                "cut {cut}: {name} lost acknowledged bytes ({n} read, {} acknowledged)",
                contents.len()
            );
        }
        if !acked.contains_key("OLD.LOG") {
            assert!(store.lookup(&dir, "OLD.LOG").is_err(), "cut {cut}: an acknowledged unlink came back");
        }
    }
}

#[test]
fn n6_the_host_checks_the_volume_after_a_cut_in_the_middle() {
    let pristine = standard_disk();
    let full = pristine.reboot();
    run(&full, None);
    let disk = pristine.reboot();
    let acked = run(&disk, Some(full.meter.writes.get() / 2));
    for (name, contents) in &acked {
        let on_host = host_read(&disk.bytes.borrow(), &format!("/CLUSTER/{name}")).expect("mtools reads it");
        assert!(on_host.starts_with(contents), "{name}");
    }
}
