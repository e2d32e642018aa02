// SPDX-License-Identifier: MIT
//! I1: the configuration space answers Linux's `virtinput_probe` for each
//! kind with golden sizes and bytes.
//!
//! Owns that evidence; must not test the queues (i2..i5 do).

use bulkhead_virtio_device::regs;
use bulkhead_virtio_input_device::{Kind, select};

use crate::rig::Rig;

/// EV_KEY, EV_REL, EV_ABS, EV_MSC, EV_SW, EV_LED, EV_SND: the types Linux
/// asks EV_BITS for, after EV_REP.
const TYPES: [u8; 7] = [0x01, 0x02, 0x03, 0x04, 0x05, 0x11, 0x12];

/// A 128-byte bitmap with `bits` set, cut to its last non-zero byte.
fn bitmap(bits: &[u16]) -> Vec<u8> {
    let mut m = [0u8; 128];
    for &b in bits {
        m[usize::from(b / 8)] |= 1 << (b % 8);
    }
    let n = m.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    m[..n].to_vec()
}

/// ABS_INFO bytes for min..max (fuzz, flat, res 0).
fn absinfo(min: i32, max: i32) -> Vec<u8> {
    let mut v = Vec::new();
    for x in [min, max, 0, 0, 0] {
        v.extend_from_slice(&x.to_le_bytes());
    }
    v
}

/// The probe's answers: name, serial, devids, prop bits, EV_REP, then
/// EV_BITS of each type and ABS_INFO of each advertised axis.
struct Probe {
    name: Vec<u8>,
    serial: Vec<u8>,
    devids: Vec<u8>,
    props: Vec<u8>,
    rep: Vec<u8>,
    ev: Vec<(u8, Vec<u8>)>,
    abs: Vec<(u8, Vec<u8>)>,
}

fn probe(r: &mut Rig) -> Probe {
    let name = r.query(select::ID_NAME, 0);
    let serial = r.query(select::ID_SERIAL, 0);
    let devids = r.query(select::ID_DEVIDS, 0);
    let props = r.query(select::PROP_BITS, 0);
    let rep = r.query(select::EV_BITS, 0x14);
    let ev: Vec<(u8, Vec<u8>)> = TYPES.iter().map(|&t| (t, r.query(select::EV_BITS, t))).collect();
    let mut abs = Vec::new();
    if let Some((_, bits)) = ev.iter().find(|(t, b)| *t == 3 && !b.is_empty()) {
        for axis in 0..64u8 {
            if bits.get(usize::from(axis / 8)).is_some_and(|b| b & (1 << (axis % 8)) != 0) {
                abs.push((axis, r.query(select::ABS_INFO, axis)));
            }
        }
    }
    Probe { name, serial, devids, props, rep, ev, abs }
}

fn ev(p: &Probe, ty: u8) -> &[u8] {
    &p.ev.iter().find(|(t, _)| *t == ty).unwrap().1
}

#[test]
fn keyboard_probe() {
    let mut r = Rig::up(Kind::Keyboard);
    let p = probe(&mut r);
    assert_eq!(p.name, b"Bulkhead keyboard");
    assert_eq!(p.serial, b"bulkhead-keyboard");
    assert_eq!(p.devids, [0x06, 0, 0x42, 0x4b, 1, 0, 1, 0]);
    assert!(p.props.is_empty());
    assert!(p.rep.is_empty(), "no EV_REP: the guest repeats");
    let keys = ev(&p, 1);
    assert_eq!(keys.len(), 21, "up to KEY_PLAYPAUSE (164)");
    assert_eq!(keys, bitmap(&[1, 30, 164]), "BTN_LEFT belongs to the tablet");
    for t in [2, 3, 4, 5, 0x11, 0x12] {
        assert!(ev(&p, t).is_empty(), "type {t:#x}");
    }
    assert!(p.abs.is_empty());
    assert!(r.query(select::ABS_INFO, 0).is_empty());
}

#[test]
fn tablet_probe() {
    let mut r = Rig::up(Kind::Tablet);
    let p = probe(&mut r);
    assert_eq!(p.name, b"Bulkhead tablet");
    assert_eq!(p.serial, b"bulkhead-tablet");
    assert_eq!(p.devids, [0x06, 0, 0x42, 0x4b, 2, 0, 1, 0]);
    assert!(p.props.is_empty());
    assert!(p.rep.is_empty());
    assert_eq!(ev(&p, 1).len(), 42);
    assert_eq!(ev(&p, 1), bitmap(&[0x110, 0x111, 0x112, 0x14a]));
    assert_eq!(ev(&p, 3), [0x03]);
    assert!(ev(&p, 2).is_empty(), "no relative axes");
    assert_eq!(p.abs, vec![(0, absinfo(0, 1919)), (1, absinfo(0, 1079))]);
    assert_eq!(p.abs[0].1.len(), 20);
    assert!(r.query(select::ABS_INFO, 0x35).is_empty(), "no MT axes");
}

#[test]
fn multitouch_probe() {
    let mut r = Rig::up(Kind::MultiTouch);
    let p = probe(&mut r);
    assert_eq!(p.name, b"Bulkhead touchscreen");
    assert_eq!(p.serial, b"bulkhead-multitouch");
    assert_eq!(p.devids, [0x06, 0, 0x42, 0x4b, 3, 0, 1, 0]);
    assert_eq!(p.props, [0x02], "INPUT_PROP_DIRECT");
    assert_eq!(ev(&p, 1), bitmap(&[0x14a]));
    assert_eq!(ev(&p, 3), [0x03, 0, 0, 0, 0, 0x80, 0x60, 0x02]);
    assert_eq!(
        p.abs,
        vec![
            (0x00, absinfo(0, 1919)),
            (0x01, absinfo(0, 1079)),
            (0x2f, absinfo(0, 9)),
            (0x35, absinfo(0, 1919)),
            (0x36, absinfo(0, 1079)),
            (0x39, absinfo(0, 65535)),
        ]
    );
}

#[test]
fn layout_unknown_selects_and_writes() {
    let mut r = Rig::up(Kind::Tablet);
    let c = regs::CONFIG;
    // select and subsel read back; a 4-byte read sees select, subsel, size.
    r.query(select::ID_SERIAL, 0);
    assert_eq!(r.dev.read(c, 4), 0x0f_00_02, "select 2, subsel 0, size 15");
    assert_eq!(r.dev.read(c + 8, 8), u64::from_le_bytes(*b"bulkhead"));
    // The union beyond size reads 0, as do the reserved bytes.
    assert_eq!(r.dev.read(c + 8 + 15, 1), 0);
    assert_eq!(r.dev.read(c + 3, 4), 0);
    // Writes other than select/subsel are ignored: size and union.
    r.dev.write(c + 2, 1, 0x77, &mut r.mem);
    r.dev.write(c + 8, 4, 0xdead_beef, &mut r.mem);
    assert_eq!(r.dev.read(c + 2, 1), 15);
    assert_eq!(r.dev.read(c + 8, 1), u64::from(b'b'));
    // A 2-byte write sets both select and subsel.
    r.dev.write(c, 2, 0x0011, &mut r.mem);
    assert_eq!(r.dev.read(c, 1), 0x11);
    assert_eq!(r.dev.read(c + 1, 1), 0);
    assert_eq!(r.dev.read(c + 2, 1), 0, "EV_BITS subsel 0 (EV_SYN): size 0");
    // UNSET, unknown selects, subsel on the ID selects, absent axes: size 0.
    for (s, sub) in [(0, 0), (0x04, 0), (0x13, 0), (0x20, 0), (0xff, 3), (1, 1), (3, 5), (0x10, 1), (0x12, 2)] {
        assert!(r.query(s, sub).is_empty(), "select {s:#x} subsel {sub}");
        assert_eq!(r.dev.read(c + 8, 8), 0);
    }
    // The config space is 136 bytes: the last byte reads, beyond it is 0.
    r.query(select::ID_NAME, 0);
    assert_eq!(r.dev.read(c + 135, 1), 0);
    assert_eq!(r.dev.read(c + 136, 1), 0);
    assert_eq!(r.dev.read(c + 132, 8), 0, "crossing the end reads 0");
}

#[test]
fn long_name_is_cut_to_128_bytes() {
    use bulkhead_virtio_input_device::InputDevice;
    let name = "n".repeat(200);
    let mut r = Rig::new(Kind::Keyboard);
    r.dev = bulkhead_virtio_device::MmioDevice::new(InputDevice::new(Kind::Keyboard, &crate::rig::caps(), &name));
    r.bring_up();
    assert_eq!(r.query(select::ID_NAME, 0), vec![b'n'; 128]);
}
