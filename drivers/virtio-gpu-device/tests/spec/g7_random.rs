// SPDX-License-Identifier: MIT
//! G7: random command sequences (256 cases, up to 80 commands, resets and
//! garbage requests among them) never panic nor break a queue; every
//! command is answered with a response type from the spec; resource
//! creation, unref, attach and detach answer exactly as a model of the
//! resource table predicts; the device's state keeps its invariants
//! (resources as the model has them, scanouts show existing resources
//! within their bounds, at most one pending flush per scanout, every flush
//! within its scanout and readable).
//!
//! Owns that evidence; must not test single behaviours (g1..g6 do).

use std::collections::BTreeMap;

use bulkhead_virtio_device::regs;
use bulkhead_virtio_gpu_device::wire::{cmd, resp};
use bulkhead_virtio_gpu_device::{MAX_RESOURCES, ReadError, Rect};
use proptest::prelude::*;

use crate::cmds::{Req, attach, create_2d, detach, entries, flush, set_scanout, transfer, unref};
use crate::rig::{BASE, DISPLAY_INFO, PAGES, Rig};

#[derive(Clone, Debug)]
enum Op {
    Create(u32, u32, u32, u32),
    Unref(u32),
    Attach(u32, u8),
    Detach(u32),
    Scanout(u32, u32, Rect),
    Flush(u32, Rect),
    Transfer(u32, Rect, u64),
    Take,
    Reset,
    Garbage(u32, Vec<u8>),
}

fn rect() -> impl Strategy<Value = Rect> {
    prop_oneof![
        4 => (0u32..24, 0u32..24, 0u32..24, 0u32..24).prop_map(|(x, y, w, h)| Rect::new(x, y, w, h)),
        1 => any::<(u32, u32, u32, u32)>().prop_map(|(x, y, w, h)| Rect::new(x, y, w, h)),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let id = 0u32..6;
    prop_oneof![
        3 => (id.clone(), prop::sample::select(vec![1u32, 2, 4, 134, 5]), 0u32..21, 0u32..21)
            .prop_map(|(i, f, w, h)| Op::Create(i, f, w, h)),
        1 => id.clone().prop_map(Op::Unref),
        3 => (id.clone(), 0u8..4).prop_map(|(i, k)| Op::Attach(i, k)),
        1 => id.clone().prop_map(Op::Detach),
        2 => (0u32..3, id.clone(), rect()).prop_map(|(s, i, r)| Op::Scanout(s, i, r)),
        3 => (id.clone(), rect()).prop_map(|(i, r)| Op::Flush(i, r)),
        2 => (id, rect(), prop_oneof![0u64..4000, any::<u64>()]).prop_map(|(i, r, o)| Op::Transfer(i, r, o)),
        2 => Just(Op::Take),
        1 => Just(Op::Reset),
        1 => (prop::sample::select(vec![0x100u32, 0x101, 0x102, 0x103, 0x104, 0x105, 0x106, 0x107, 0x10a, 0x300, 7]),
              prop::collection::vec(any::<u8>(), 0..80))
            .prop_map(|(t, b)| Op::Garbage(t, b)),
    ]
}

/// The model: resource id → (width, height, backed).
type Model = BTreeMap<u32, (u32, u32, bool)>;

/// Resource `id`'s backing area: 32 KiB of its own.
fn area(id: u32) -> u64 {
    PAGES + u64::from(id) * 0x8000
}

/// Attach variant `kind` for a resource of `size` bytes: 0 one entry,
/// 1 three scattered pieces, 2 outside RAM, 3 too short.
fn backing(id: u32, size: u64, kind: u8) -> Vec<(u64, u32)> {
    let a = area(id);
    let size = size.max(3);
    match kind {
        0 => vec![(a, size as u32)],
        1 => {
            let p = size.div_ceil(3);
            vec![(a + 0x6000, p as u32), (a, p as u32), (a + 0x3000, (size - 2 * p) as u32 + 1)]
        }
        2 => vec![(BASE - 0x1000, size as u32)],
        _ => vec![(a, size as u32 - 1)],
    }
}

fn is_response(ty: u32) -> bool {
    (resp::OK_NODATA..=resp::OK_MAP_INFO).contains(&ty)
        || (resp::ERR_UNSPEC..=resp::ERR_INVALID_PARAMETER).contains(&ty)
}

fn check(r: &mut Rig, model: &Model) {
    assert!(!r.dev.queues().is_broken(0) && !r.dev.queues().is_broken(1));
    let d = r.dev.device();
    let mut ids: Vec<u32> = d.resources().map(|i| i.id).collect();
    ids.sort_unstable();
    assert_eq!(ids, model.keys().copied().collect::<Vec<_>>());
    assert!(ids.len() <= MAX_RESOURCES && !ids.contains(&0));
    for s in 0..3 {
        if let Some(src) = d.scanout_source(s) {
            assert!(s < 2);
            let (w, h, backed) = model[&src.resource.id];
            assert_eq!((src.resource.width, src.resource.height, !src.backing.is_empty()), (w, h, backed));
            assert!(!src.rect.is_empty() && src.rect.within(w, h));
        }
    }
    assert!(d.pending_flushes() <= 2);
}

fn run(ops: &[Op]) {
    let mut r = Rig::up();
    let mut model = Model::new();
    for o in ops {
        let (ty, want) = match o {
            &Op::Create(id, f, w, h) => {
                let ok = id != 0
                    && !model.contains_key(&id)
                    && f != 5
                    && (1..=4096).contains(&w)
                    && (1..=4096).contains(&h)
                    && model.len() < MAX_RESOURCES;
                let ty = r.cmd(&create_2d(id, f, w, h, None));
                if ty == resp::OK_NODATA {
                    model.insert(id, (w, h, false));
                }
                (ty, Some(ok))
            }
            &Op::Unref(id) => {
                let ty = r.cmd(&unref(id));
                (ty, Some(model.remove(&id).is_some()))
            }
            &Op::Attach(id, kind) => {
                let m = model.get(&id).copied();
                let size = m.map_or(1600, |(w, h, _)| u64::from(w * h * 4));
                let e = backing(id, size, kind);
                let ty = r.cmd_data(&attach(id, e.len() as u32), &entries(&e));
                let ok = kind < 2 && m.is_some_and(|(_, _, b)| !b);
                if ty == resp::OK_NODATA {
                    model.get_mut(&id).unwrap().2 = true;
                }
                (ty, Some(ok))
            }
            &Op::Detach(id) => {
                let ty = r.cmd(&detach(id));
                let ok = model.get(&id).is_some_and(|m| m.2);
                if ty == resp::OK_NODATA {
                    model.get_mut(&id).unwrap().2 = false;
                }
                (ty, Some(ok))
            }
            &Op::Scanout(s, id, rect) => (r.cmd(&set_scanout(s, id, rect)), None),
            &Op::Flush(id, rect) => (r.cmd(&flush(id, rect, Some((1, 2)))), None),
            &Op::Transfer(id, rect, off) => (r.cmd(&transfer(id, rect, off, None)), None),
            Op::Take => {
                let num = r.gpu().num_scanouts();
                while let Some(f) = r.gpu().take_flush() {
                    assert!(f.scanout < num && !f.rect.is_empty());
                    let src = r.gpu().scanout_source(f.scanout).expect("a flushed scanout shows something");
                    let sr = src.rect;
                    assert!(f.rect.within(sr.width, sr.height));
                    let mut out = vec![0; (f.rect.width * f.rect.height) as usize];
                    let got = r.dev.device().read_rect(&r.mem, f.scanout, f.rect, &mut out);
                    assert!(matches!(got, Ok(()) | Err(ReadError::NoBacking)), "{got:?}");
                }
                continue;
            }
            Op::Reset => {
                r.w(regs::STATUS, 0);
                r.bring_up();
                model.clear();
                check(&mut r, &model);
                continue;
            }
            Op::Garbage(t, body) => {
                let mut req = Req::new(*t, None).bytes();
                req.extend(body);
                let got = r.send(&req, &[], DISPLAY_INFO);
                let ty = got.ty();
                assert!(got.0.len() == 24 || (ty == resp::OK_DISPLAY_INFO && got.0.len() == 408));
                if *t == cmd::GET_DISPLAY_INFO {
                    assert_eq!(ty, resp::OK_DISPLAY_INFO);
                }
                // Garbage may create, attach or unref: resync the model.
                model = r
                    .gpu()
                    .resources()
                    .map(|i| (i.id, (i.width, i.height, model.get(&i.id).is_some_and(|m| m.2))))
                    .collect();
                if *t == cmd::RESOURCE_ATTACH_BACKING || *t == cmd::RESOURCE_DETACH_BACKING {
                    return; // the model cannot follow a random backing
                }
                (ty, None)
            }
        };
        assert!(is_response(ty), "{o:?}: {ty:#x}");
        if let Some(ok) = want {
            assert_eq!(ty == resp::OK_NODATA, ok, "{o:?}: {ty:#x}");
        }
        check(&mut r, &model);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_commands_keep_invariants(ops in prop::collection::vec(op(), 0..80)) {
        run(&ops);
    }
}
