// SPDX-License-Identifier: MIT
//! Hypercall decoding and dispatch. Every argument is untrusted: guest
//! pointers are checked against the domain's RAM grants before a byte is
//! read, lengths are bounded, unknown numbers get `NotSupported`.

use crate::fault::FaultReason;
use crate::psci::{self, PsciAction, VcpuPower};
use crate::stage2::Stage2Plan;
use bulkhead_abi::hypercall::CAP_INFO_LEN;
use bulkhead_abi::hypercall::CONSOLE_WRITE_MAX;
use bulkhead_abi::{CapInfo, Error, Hypercall, PhysAddr};
use bulkhead_bootcfg::Capability;

/// Bytes copied out of a domain per console call.
const CONSOLE_BUF: usize = 256;
const _: () = assert!(CONSOLE_BUF as u64 == CONSOLE_WRITE_MAX);

/// A call the kernel refused, for the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    /// Unknown function number.
    UnknownFunction(u32),
    /// A guest buffer outside the domain's RAM.
    BadBuffer {
        /// The alleged address.
        ipa: u64,
        /// The alleged length.
        len: u64,
    },
    /// A length beyond the limit.
    TooLong(u64),
    /// A PSCI call refused with this status.
    Psci {
        /// The function.
        function: u32,
        /// The first argument (the target, for CPU_ON).
        target: u64,
        /// The status returned.
        status: i64,
    },
    /// A benchmark-only call in a normal build.
    BenchmarkOnly,
    /// A capability slot the caller does not have.
    NoSuchSlot(u64),
    /// A slot that holds a different kind of capability.
    WrongKind(u64),
    /// A device model's ioreq page not page-aligned or not in its RAM.
    BadIoreqPage(u64),
    /// Pages outside a device model's tracked range (`DmModifiedMemory`),
    /// or a dirty bitmap too short for it (`DmTrackDirty`).
    OutsideTrackedRange {
        /// The first page, or the bitmap's length in bytes.
        first: u64,
        /// How many pages (0 for a bitmap).
        count: u64,
    },
    /// A completion of an ioreq the target vCPU is not waiting for (a
    /// wrong vCPU or id, or one already answered or timed out).
    NoSuchIoreq {
        /// The alleged target vCPU.
        vcpu: u64,
        /// The alleged id.
        id: u64,
    },
}

/// What the kernel provides to the dispatcher for the calling domain.
pub trait Services {
    /// The caller's stage-2 plan.
    fn plan(&self) -> &Stage2Plan;
    /// Power state of each of the caller's vCPUs (read only for PSCI, so
    /// that other calls do not pay for it).
    fn vcpus(&self) -> VcpuSnapshot;
    /// Copies `buf.len()` bytes of RAM at `pa` (already checked) into `buf`.
    fn read_ram(&self, pa: PhysAddr, buf: &mut [u8]);
    /// Console output of the caller.
    fn console(&mut self, bytes: &[u8]);
    /// Records a heartbeat.
    fn heartbeat(&mut self);
    /// EL2 entries on a pCPU, if benchmarks are built in.
    fn el2_entries(&self, pcpu: u64) -> Option<u64>;
    /// PMU counter 0 increments while the caller's pCPU slept in `Wait`,
    /// if benchmarks are built in.
    fn wait_slept(&self) -> Option<u64>;
    /// Sleeps `ms` on this pCPU, if benchmarks are built in.
    fn bench_sleep(&mut self, ms: u64) -> bool;
    /// Notes a refused call.
    fn audit(&mut self, denial: Denial);
    /// The capability in the caller's slot `slot`, if any.
    fn capability(&self, slot: u64) -> Option<Capability>;
    /// The description of a capability of the caller.
    fn describe(&self, cap: Capability) -> CapInfo;
    /// Copies `bytes` into RAM at `pa` (already checked).
    fn write_ram(&self, pa: PhysAddr, bytes: &[u8]);
    /// Rings the doorbell of the peer of end `end` of channel `channel`;
    /// the call's x0 (0, or `RateLimited` over the channel's notify
    /// budget).
    fn ring_doorbell(&mut self, channel: u16, end: u8) -> u64;
    /// Returns and clears the caller's pending doorbells.
    fn take_pending(&mut self) -> u64;
    /// The current connection epoch of channel `channel`.
    fn channel_epoch(&self, channel: u16) -> u32;
    /// The caller's parameter string.
    fn params(&self) -> &str;
    /// Sleeps until doorbells are pending or something else wakes this
    /// pCPU; returns and clears the pending doorbells (0 if none).
    fn wait(&mut self) -> u64;
    /// Device model: the page at `pa` (checked: in the caller's RAM)
    /// receives `target`'s ioreqs; the caller registered it through its
    /// capability slot `slot`, whose bit its doorbells will carry.
    fn register_ioreq_page(&mut self, target: u16, slot: u64, pa: PhysAddr);
    /// Device model: answers target vCPU `vcpu`'s waiting ioreq `id` with
    /// `data`; false if that vCPU waits for no ioreq of that id.
    fn complete_ioreq(&mut self, target: u16, vcpu: u64, id: u64, data: u64) -> bool;
    /// How many vCPUs domain `target` has.
    fn vcpu_count(&self, target: u16) -> u64;
    /// Takes the dirty pages of target `target`'s tracked range `range`
    /// into `out` (see `dirty::DirtyLog::harvest`) and write-protects
    /// them again; how many.
    fn harvest_dirty(&mut self, target: u16, range: crate::dirty::Tracked, out: &mut [u8]) -> u64;
    /// Records pages `first..first + count` (checked: inside the range) of
    /// target `target`'s tracked range as dirty.
    fn mark_dirty(&mut self, target: u16, first: u64, count: u64);
    /// Domain `target`'s life: a number that changes the moment it begins
    /// to stop and stays the same for the whole of one life.
    fn target_life(&self, target: u16) -> u64;
    /// Stops domain `target` (restarts it if `restart`).
    fn remote_shutdown(&mut self, target: u16, restart: bool);
    /// Raises (`high`) or lowers the line of virtual SPI `intid` of domain
    /// `target` (an emulated device's: the capability was checked).
    fn set_irq_level(&mut self, target: u16, intid: u32, high: bool);
}

/// The target of device-model slot `slot` of the caller; the refusal
/// (audited) if the slot is not a device-model target.
fn dm_target(s: &mut impl Services, slot: u64) -> Result<u16, Effect> {
    match s.capability(slot) {
        Some(Capability::DmTarget { target, .. }) => Ok(target),
        Some(_) => {
            s.audit(Denial::WrongKind(slot));
            Err(Effect::Return(Error::Denied.to_x0()))
        }
        None => {
            s.audit(Denial::NoSuchSlot(slot));
            Err(Effect::Return(Error::Denied.to_x0()))
        }
    }
}

/// The device-model calls (DMOP), each checked against the caller's
/// device-model capability for the target; refusals are audited.
#[inline(never)]
fn dmop(call: Hypercall, [x1, x2, x3]: [u64; 3], s: &mut impl Services) -> Effect {
    let target = match dm_target(s, x1) {
        Ok(t) => t,
        Err(refused) => return refused,
    };
    match call {
        Hypercall::DmIoreqPage => {
            let page = bulkhead_abi::ioreq::PAGE_BYTES as u64;
            let pa = if x2.is_multiple_of(page) { s.plan().ram_span(x2, page) } else { None };
            let Some(pa) = pa else {
                s.audit(Denial::BadIoreqPage(x2));
                return Effect::Return(Error::InvalidAddress.to_x0());
            };
            s.register_ioreq_page(target, x1, pa);
            Effect::Return(0)
        }
        Hypercall::DmIoreqComplete => {
            let (vcpu, id) = (x2 >> 32, x2 & 0xffff_ffff);
            if s.complete_ioreq(target, vcpu, id, x3) {
                Effect::Return(0)
            } else {
                s.audit(Denial::NoSuchIoreq { vcpu, id });
                Effect::Return(Error::InvalidArgument.to_x0())
            }
        }
        Hypercall::DmNrVcpus => Effect::Return(s.vcpu_count(target)),
        Hypercall::DmTargetLife => Effect::Return(s.target_life(target)),
        Hypercall::DmRemoteShutdown => match x2 {
            0 | 1 => {
                s.remote_shutdown(target, x2 == 1);
                Effect::Return(0)
            }
            _ => Effect::Return(Error::InvalidArgument.to_x0()),
        },
        _ => Effect::Return(Error::NotSupported.to_x0()),
    }
}

/// `DmTrackDirty` and `DmModifiedMemory`: through a `DmVram` slot only,
/// with a bitmap in the caller's RAM long enough for the range, or pages
/// inside it; refusals are audited.
#[inline(never)]
fn dirty_call(call: Hypercall, [x1, x2, x3]: [u64; 3], s: &mut impl Services) -> Effect {
    let (target, range) = match s.capability(x1) {
        Some(Capability::DmVram { target, ipa, size }) => {
            let pages = (size / bulkhead_abi::PAGE_SIZE).min(bulkhead_bootcfg::MAX_TRACKED_PAGES);
            (target, crate::dirty::Tracked { ipa: ipa.raw(), pages })
        }
        Some(_) => {
            s.audit(Denial::WrongKind(x1));
            return Effect::Return(Error::Denied.to_x0());
        }
        None => {
            s.audit(Denial::NoSuchSlot(x1));
            return Effect::Return(Error::Denied.to_x0());
        }
    };
    if call == Hypercall::DmModifiedMemory {
        if !range.holds(x2, x3) {
            s.audit(Denial::OutsideTrackedRange { first: x2, count: x3 });
            return Effect::Return(Error::InvalidArgument.to_x0());
        }
        s.mark_dirty(target, x2, x3);
        return Effect::Return(0);
    }
    let bytes = range.bitmap_bytes();
    if x3 < bytes {
        s.audit(Denial::OutsideTrackedRange { first: x3, count: 0 });
        return Effect::Return(Error::InvalidArgument.to_x0());
    }
    let Some(pa) = s.plan().ram_span(x2, bytes) else {
        s.audit(Denial::BadBuffer { ipa: x2, len: bytes });
        return Effect::Return(Error::InvalidAddress.to_x0());
    };
    let mut bitmap = [0u8; crate::dirty::MAX_BITMAP_BYTES];
    let Some(out) = bitmap.get_mut(..usize::try_from(bytes).unwrap_or(usize::MAX)) else {
        return Effect::Return(Error::InvalidArgument.to_x0());
    };
    let count = s.harvest_dirty(target, range, out);
    s.write_ram(pa, out);
    Effect::Return(count)
}

/// The power state of a domain's vCPUs at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VcpuSnapshot {
    /// Per vCPU; only the first `count` are meaningful.
    pub power: [VcpuPower; bulkhead_bootcfg::MAX_PCPUS],
    /// How many vCPUs the domain has.
    pub count: usize,
}

impl VcpuSnapshot {
    /// The meaningful part.
    pub fn as_slice(&self) -> &[VcpuPower] {
        self.power.get(..self.count).unwrap_or(&[])
    }
}

/// What to do after a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Return `x0` to the caller.
    Return(u64),
    /// Return `x0`, then carry out a PSCI action.
    Psci(u64, PsciAction),
    /// Stop the caller.
    Fault(FaultReason),
}

/// Copies a guest buffer after checking it against the RAM grants.
#[inline(never)]
fn guest_bytes<'b>(s: &mut impl Services, ipa: u64, len: u64, buf: &'b mut [u8]) -> Result<&'b [u8], Error> {
    let max = buf.len() as u64;
    if len > max {
        s.audit(Denial::TooLong(len));
        return Err(Error::InvalidArgument);
    }
    let Some(pa) = s.plan().ram_span(ipa, len) else {
        s.audit(Denial::BadBuffer { ipa, len });
        return Err(Error::InvalidAddress);
    };
    let out = buf.get_mut(..usize::try_from(len).map_err(|_| Error::InvalidArgument)?).ok_or(Error::InvalidArgument)?;
    s.read_ram(pa, out);
    Ok(out)
}

fn result(r: Result<(), Error>) -> Effect {
    Effect::Return(match r {
        Ok(()) => 0,
        Err(e) => e.to_x0(),
    })
}

/// A PSCI call (kept out of line: the common calls stay small).
#[inline(never)]
fn psci_call(function: u32, args: [u64; 3], s: &mut impl Services) -> Effect {
    let vcpus = s.vcpus();
    let plan = s.plan();
    let out = psci::call(function, args, vcpus.as_slice(), |entry| plan.ram_span(entry, 4).is_some());
    if out.ret < 0 && out.ret != i64::from(smccc::psci::error::NOT_SUPPORTED) {
        s.audit(Denial::Psci { function, target: args[0], status: out.ret });
    }
    Effect::Psci(out.ret as u64, out.action)
}

/// Calls answered before anything about the caller is looked up: they
/// need no domain state, so the trap path answers them first. Today only
/// `Null`, whose round trip is therefore the floor cost of a hypercall.
#[inline(always)]
pub fn answer_without_context(x0: u64) -> Option<u64> {
    (x0 == Hypercall::Null as u64).then_some(0)
}

/// Dispatches the call in x0..x3.
pub fn dispatch(x: [u64; 4], s: &mut impl Services) -> Effect {
    let [x0, x1, x2, x3] = x;
    let function = u32::try_from(x0).unwrap_or(u32::MAX);
    if u64::from(function) == x0
        && (psci::is_psci(function) || psci::is_arch_call(function) || psci::is_service_probe(function))
    {
        return psci_call(function, [x1, x2, x3], s);
    }
    let call = if u64::from(function) == x0 { Hypercall::try_from(function).ok() } else { None };
    let Some(call) = call else {
        s.audit(Denial::UnknownFunction(function));
        return Effect::Return(Error::NotSupported.to_x0());
    };
    match call {
        Hypercall::Null => Effect::Return(0),
        Hypercall::ConsoleWrite => {
            let mut buf = [0u8; CONSOLE_BUF];
            result(guest_bytes(s, x1, x2, &mut buf).map(|bytes| s.console(bytes)))
        }
        Hypercall::Heartbeat => {
            s.heartbeat();
            Effect::Return(0)
        }
        Hypercall::Panic => {
            let mut buf = [0u8; CONSOLE_BUF];
            if let Ok(bytes) = guest_bytes(s, x1, x2, &mut buf) {
                s.console(bytes);
                s.console(b"\n");
            }
            Effect::Fault(FaultReason::Panic)
        }
        Hypercall::CapInfo => {
            let Some(cap) = s.capability(x1) else {
                s.audit(Denial::NoSuchSlot(x1));
                return Effect::Return(Error::Denied.to_x0());
            };
            if x3 < CAP_INFO_LEN {
                return Effect::Return(Error::InvalidArgument.to_x0());
            }
            let Some(pa) = s.plan().ram_span(x2, CAP_INFO_LEN) else {
                s.audit(Denial::BadBuffer { ipa: x2, len: CAP_INFO_LEN });
                return Effect::Return(Error::InvalidAddress.to_x0());
            };
            s.write_ram(pa, &s.describe(cap).to_bytes());
            Effect::Return(0)
        }
        Hypercall::Notify => match s.capability(x1) {
            Some(Capability::Channel { channel, end }) => Effect::Return(s.ring_doorbell(channel, end)),
            Some(_) => {
                s.audit(Denial::WrongKind(x1));
                Effect::Return(Error::Denied.to_x0())
            }
            None => {
                s.audit(Denial::NoSuchSlot(x1));
                Effect::Return(Error::Denied.to_x0())
            }
        },
        Hypercall::Pending => Effect::Return(s.take_pending()),
        Hypercall::Wait => Effect::Return(s.wait()),
        Hypercall::Params => {
            let len = s.params().len() as u64;
            let copy = len.min(x2);
            if copy > 0 {
                let Some(pa) = s.plan().ram_span(x1, copy) else {
                    s.audit(Denial::BadBuffer { ipa: x1, len: copy });
                    return Effect::Return(Error::InvalidAddress.to_x0());
                };
                let bytes = s.params().as_bytes().get(..usize::try_from(copy).unwrap_or(0)).unwrap_or(&[]);
                s.write_ram(pa, bytes);
            }
            Effect::Return(len)
        }
        Hypercall::ChannelEpoch => match s.capability(x1) {
            Some(Capability::Channel { channel, .. }) => Effect::Return(u64::from(s.channel_epoch(channel))),
            Some(_) => {
                s.audit(Denial::WrongKind(x1));
                Effect::Return(Error::Denied.to_x0())
            }
            None => {
                s.audit(Denial::NoSuchSlot(x1));
                Effect::Return(Error::Denied.to_x0())
            }
        },
        Hypercall::BenchSleep => {
            if x1 > 1000 {
                return Effect::Return(Error::InvalidArgument.to_x0());
            }
            if s.bench_sleep(x1) {
                Effect::Return(0)
            } else {
                s.audit(Denial::BenchmarkOnly);
                Effect::Return(Error::NotSupported.to_x0())
            }
        }
        Hypercall::BenchWaitSlept => match s.wait_slept() {
            Some(n) => Effect::Return(n),
            None => {
                s.audit(Denial::BenchmarkOnly);
                Effect::Return(Error::NotSupported.to_x0())
            }
        },
        Hypercall::DmSetIrqLevel => match s.capability(x1) {
            Some(Capability::DmIrq { target, intid }) if x2 <= 1 => {
                s.set_irq_level(target, intid, x2 == 1);
                Effect::Return(0)
            }
            Some(Capability::DmIrq { .. }) => Effect::Return(Error::InvalidArgument.to_x0()),
            Some(_) => {
                s.audit(Denial::WrongKind(x1));
                Effect::Return(Error::Denied.to_x0())
            }
            None => {
                s.audit(Denial::NoSuchSlot(x1));
                Effect::Return(Error::Denied.to_x0())
            }
        },
        Hypercall::DmTrackDirty | Hypercall::DmModifiedMemory => dirty_call(call, [x1, x2, x3], s),
        Hypercall::DmIoreqPage
        | Hypercall::DmIoreqComplete
        | Hypercall::DmNrVcpus
        | Hypercall::DmRemoteShutdown
        | Hypercall::DmTargetLife => dmop(call, [x1, x2, x3], s),
        Hypercall::BenchEl2Entries => match s.el2_entries(x1) {
            Some(n) => Effect::Return(n),
            None => {
                s.audit(Denial::BenchmarkOnly);
                Effect::Return(Error::NotSupported.to_x0())
            }
        },
    }
}

#[cfg(test)]
#[allow(clippy::identity_op, clippy::cast_possible_truncation, reason = "tests")]
mod tests {
    extern crate std;
    use super::*;
    use crate::testing::config_with;
    use bulkhead_abi::DomainId;
    use std::vec::Vec;

    struct Fake {
        plan: Stage2Plan,
        ram: Vec<u8>,
        console: Vec<u8>,
        beats: u32,
        denials: Vec<Denial>,
        vcpus: [VcpuPower; 2],
        written: core::cell::RefCell<Vec<u8>>,
        doorbells: Vec<(u16, u8)>,
        pending: u64,
        /// (target, slot, pa) registered; ioreqs waiting (target, vcpu, id); completions; shutdowns.
        pages: Vec<(u16, u64, u64)>,
        waiting: Vec<(u16, u64, u64)>,
        completed: Vec<(u16, u64, u64, u64)>,
        shutdowns: Vec<(u16, bool)>,
        lines: Vec<(u16, u32, bool)>,
        /// Pages recorded dirty per target (the fake's log).
        dirty: Vec<(u16, u64)>,
    }

    impl Fake {
        fn new() -> Self {
            let plan = Stage2Plan::for_domain(&config_with(&[&[1, 2]]), DomainId::new(0)).unwrap();
            let mut ram = std::vec![0u8; 0x20_0000];
            ram[0x100..0x105].copy_from_slice(b"hello");
            Self {
                plan,
                ram,
                console: Vec::new(),
                beats: 0,
                denials: Vec::new(),
                vcpus: [VcpuPower::On, VcpuPower::Off],
                written: core::cell::RefCell::new(Vec::new()),
                doorbells: Vec::new(),
                pending: 0b10,
                pages: Vec::new(),
                waiting: std::vec![(3, 1, 9)],
                completed: Vec::new(),
                shutdowns: Vec::new(),
                lines: Vec::new(),
                dirty: Vec::new(),
            }
        }
    }

    impl Services for Fake {
        fn plan(&self) -> &Stage2Plan {
            &self.plan
        }
        fn vcpus(&self) -> VcpuSnapshot {
            let mut power = [VcpuPower::Off; bulkhead_bootcfg::MAX_PCPUS];
            power[..2].copy_from_slice(&self.vcpus);
            VcpuSnapshot { power, count: 2 }
        }
        fn read_ram(&self, pa: PhysAddr, buf: &mut [u8]) {
            let off = (pa.raw() - 0x4200_0000) as usize;
            buf.copy_from_slice(&self.ram[off..off + buf.len()]);
        }
        fn console(&mut self, bytes: &[u8]) {
            self.console.extend_from_slice(bytes);
        }
        fn heartbeat(&mut self) {
            self.beats += 1;
        }
        fn el2_entries(&self, _: u64) -> Option<u64> {
            None
        }
        fn wait_slept(&self) -> Option<u64> {
            None
        }
        fn bench_sleep(&mut self, _: u64) -> bool {
            false
        }
        fn capability(&self, slot: u64) -> Option<Capability> {
            [
                Capability::Console,
                Capability::Channel { channel: 0, end: 1 },
                Capability::DmTarget {
                    target: 3,
                    ipa: bulkhead_abi::Ipa::new(0x0a00_0000),
                    size: 4096,
                    timeout_ms: 50,
                },
                Capability::DmIrq { target: 3, intid: 48 },
                Capability::DmVram { target: 3, ipa: bulkhead_abi::Ipa::new(0x4010_0000), size: 16 * 4096 },
            ]
            .get(slot as usize)
            .copied()
        }
        fn describe(&self, cap: Capability) -> CapInfo {
            CapInfo {
                kind: if cap == Capability::Console { 4 } else { 1 },
                end: 1,
                ipa: 0x5000_0000,
                size: 4096,
                name: [b'c'; 24],
            }
        }
        fn write_ram(&self, _pa: PhysAddr, bytes: &[u8]) {
            self.written.borrow_mut().extend_from_slice(bytes);
        }
        fn ring_doorbell(&mut self, channel: u16, end: u8) -> u64 {
            self.doorbells.push((channel, end));
            0
        }
        fn take_pending(&mut self) -> u64 {
            core::mem::take(&mut self.pending)
        }
        fn channel_epoch(&self, channel: u16) -> u32 {
            7 + u32::from(channel)
        }
        fn wait(&mut self) -> u64 {
            core::mem::take(&mut self.pending)
        }
        fn params(&self) -> &str {
            "keyboard=cluster"
        }
        fn audit(&mut self, d: Denial) {
            self.denials.push(d);
        }
        fn register_ioreq_page(&mut self, target: u16, slot: u64, pa: PhysAddr) {
            self.pages.push((target, slot, pa.raw()));
        }
        fn complete_ioreq(&mut self, target: u16, vcpu: u64, id: u64, data: u64) -> bool {
            let Some(at) = self.waiting.iter().position(|w| *w == (target, vcpu, id)) else { return false };
            self.waiting.remove(at);
            self.completed.push((target, vcpu, id, data));
            true
        }
        fn vcpu_count(&self, target: u16) -> u64 {
            u64::from(target) + 1
        }
        fn harvest_dirty(&mut self, target: u16, range: crate::dirty::Tracked, out: &mut [u8]) -> u64 {
            let log = crate::dirty::DirtyLog::new();
            for &(t, page) in &self.dirty {
                if t == target {
                    log.mark(page);
                }
            }
            self.dirty.retain(|&(t, _)| t != target);
            log.harvest(range.pages, out, |_| {})
        }
        fn mark_dirty(&mut self, target: u16, first: u64, count: u64) {
            self.dirty.extend((first..first + count).map(|p| (target, p)));
        }
        fn target_life(&self, target: u16) -> u64 {
            u64::from(target) * 10
        }
        fn remote_shutdown(&mut self, target: u16, restart: bool) {
            self.shutdowns.push((target, restart));
        }
        fn set_irq_level(&mut self, target: u16, intid: u32, high: bool) {
            self.lines.push((target, intid, high));
        }
    }

    const DM_PAGE: u64 = Hypercall::DmIoreqPage as u64;
    const DM_COMPLETE: u64 = Hypercall::DmIoreqComplete as u64;
    const DM_VCPUS: u64 = Hypercall::DmNrVcpus as u64;
    const DM_SHUTDOWN: u64 = Hypercall::DmRemoteShutdown as u64;
    const DM_LIFE: u64 = Hypercall::DmTargetLife as u64;

    #[test]
    fn dmops_act_on_the_target_their_slot_names() {
        let mut f = Fake::new();
        assert_eq!(dispatch([DM_PAGE, 2, 0x4000_1000, 0], &mut f), Effect::Return(0));
        assert_eq!(f.pages, [(3, 2, 0x4200_1000)]);
        let x2 = bulkhead_abi::ioreq::completion_x2(1, 9);
        assert_eq!(dispatch([DM_COMPLETE, 2, x2, 0xabcd], &mut f), Effect::Return(0));
        assert_eq!(f.completed, [(3, 1, 9, 0xabcd)]);
        assert_eq!(dispatch([DM_VCPUS, 2, 0, 0], &mut f), Effect::Return(4));
        assert_eq!(dispatch([DM_LIFE, 2, 0, 0], &mut f), Effect::Return(30));
        assert_eq!(dispatch([DM_SHUTDOWN, 2, 1, 0], &mut f), Effect::Return(0));
        assert_eq!(f.shutdowns, [(3, true)]);
        assert!(f.denials.is_empty(), "{:?}", f.denials);
    }

    #[test]
    fn an_emulated_devices_line_moves_only_through_its_own_slot() {
        const LEVEL: u64 = Hypercall::DmSetIrqLevel as u64;
        let mut f = Fake::new();
        assert_eq!(dispatch([LEVEL, 3, 1, 0], &mut f), Effect::Return(0));
        assert_eq!(dispatch([LEVEL, 3, 0, 0], &mut f), Effect::Return(0));
        assert_eq!(f.lines, [(3, 48, true), (3, 48, false)]);
        assert_eq!(dispatch([LEVEL, 3, 2, 0], &mut f), Effect::Return(Error::InvalidArgument.to_x0()));
        // The target slot, a channel, nothing: refused and audited.
        for slot in [2, 1, 9] {
            assert_eq!(dispatch([LEVEL, slot, 1, 0], &mut f), Effect::Return(Error::Denied.to_x0()));
        }
        assert_eq!(f.lines.len(), 2);
        assert!(f.denials.contains(&Denial::WrongKind(2)) && f.denials.contains(&Denial::NoSuchSlot(9)));
    }

    #[test]
    fn dmops_without_the_capability_or_with_bad_arguments_are_refused_and_audited() {
        let mut f = Fake::new();
        let denied = Effect::Return(Error::Denied.to_x0());
        // Not a device-model slot, or no slot at all: nothing happens.
        for call in [DM_PAGE, DM_COMPLETE, DM_VCPUS, DM_SHUTDOWN, DM_LIFE] {
            assert_eq!(dispatch([call, 1, 0x4000_1000, 1], &mut f), denied);
            assert_eq!(dispatch([call, 9, 0x4000_1000, 1], &mut f), denied);
            assert_eq!(dispatch([call, 3, 0x4000_1000, 1], &mut f), denied);
        }
        assert_eq!(f.denials.iter().filter(|d| matches!(d, Denial::WrongKind(3))).count(), 5);
        assert_eq!(f.denials.iter().filter(|d| matches!(d, Denial::WrongKind(1))).count(), 5);
        assert_eq!(f.denials.iter().filter(|d| matches!(d, Denial::NoSuchSlot(9))).count(), 5);
        // A page outside the caller's RAM, or not aligned.
        for ipa in [0x4000_1001, 0x9000_0000, u64::MAX - 4095] {
            assert_eq!(dispatch([DM_PAGE, 2, ipa, 0], &mut f), Effect::Return(Error::InvalidAddress.to_x0()));
            assert!(f.denials.contains(&Denial::BadIoreqPage(ipa)));
        }
        // A completion nobody waits for: wrong id, wrong vCPU, twice.
        for (vcpu, id) in [(1, 8), (0, 9)] {
            let x2 = bulkhead_abi::ioreq::completion_x2(vcpu, id);
            assert_eq!(dispatch([DM_COMPLETE, 2, x2, 0], &mut f), Effect::Return(Error::InvalidArgument.to_x0()));
            assert!(f.denials.contains(&Denial::NoSuchIoreq { vcpu: u64::from(vcpu), id: u64::from(id) }));
        }
        assert_eq!(dispatch([DM_SHUTDOWN, 2, 7, 0], &mut f), Effect::Return(Error::InvalidArgument.to_x0()));
        assert!(f.pages.is_empty() && f.completed.is_empty() && f.shutdowns.is_empty());
    }

    #[test]
    fn dirty_tracking_goes_through_a_tracked_range_only() {
        const TRACK: u64 = Hypercall::DmTrackDirty as u64;
        const MODIFIED: u64 = Hypercall::DmModifiedMemory as u64;
        let mut f = Fake::new();
        // The device model marks pages 5 and 15 (it wrote them), then takes them.
        assert_eq!(dispatch([MODIFIED, 4, 5, 1], &mut f), Effect::Return(0));
        assert_eq!(dispatch([MODIFIED, 4, 15, 1], &mut f), Effect::Return(0));
        assert_eq!(dispatch([TRACK, 4, 0x4000_1000, 2], &mut f), Effect::Return(2));
        assert_eq!(*f.written.borrow(), [0b0010_0000, 0b1000_0000]);
        assert_eq!(dispatch([TRACK, 4, 0x4000_1000, 64], &mut f), Effect::Return(0), "taken once");
        assert!(f.denials.is_empty(), "{:?}", f.denials);
        // Pages outside the 16, none, or wrapping: refused and audited.
        for (first, count) in [(16, 1), (15, 2), (3, 0), (u64::MAX, 2)] {
            assert_eq!(dispatch([MODIFIED, 4, first, count], &mut f), Effect::Return(Error::InvalidArgument.to_x0()));
            assert!(f.denials.contains(&Denial::OutsideTrackedRange { first, count }));
        }
        assert!(f.dirty.is_empty());
        // A bitmap too short for 16 pages, or outside the caller's RAM.
        assert_eq!(dispatch([TRACK, 4, 0x4000_1000, 1], &mut f), Effect::Return(Error::InvalidArgument.to_x0()));
        assert_eq!(dispatch([TRACK, 4, 0x4020_0000, 2], &mut f), Effect::Return(Error::InvalidAddress.to_x0()));
        assert!(f.denials.contains(&Denial::BadBuffer { ipa: 0x4020_0000, len: 2 }));
        // Through a target's slot, a channel, nothing.
        for slot in [2, 1, 9] {
            for call in [TRACK, MODIFIED] {
                assert_eq!(dispatch([call, slot, 0x4000_1000, 2], &mut f), Effect::Return(Error::Denied.to_x0()));
            }
        }
        assert!(f.denials.contains(&Denial::WrongKind(2)) && f.denials.contains(&Denial::NoSuchSlot(9)));
        assert_eq!(f.written.borrow().len(), 4, "no refused call wrote anything");
    }

    const WRITE: u64 = Hypercall::ConsoleWrite as u64;

    #[test]
    fn console_write_reads_checked_guest_memory() {
        let mut f = Fake::new();
        assert_eq!(dispatch([WRITE, 0x4000_0100, 5, 0], &mut f), Effect::Return(0));
        assert_eq!(f.console, b"hello");
    }

    #[test]
    fn bad_pointers_and_lengths_are_refused_without_side_effects() {
        let mut f = Fake::new();
        let bad = Error::InvalidAddress.to_x0();
        assert_eq!(dispatch([WRITE, 0x4020_0000, 4, 0], &mut f), Effect::Return(bad), "kernel RAM");
        assert_eq!(dispatch([WRITE, 0x401f_fffe, 4, 0], &mut f), Effect::Return(bad), "straddles");
        assert_eq!(dispatch([WRITE, u64::MAX - 1, 4, 0], &mut f), Effect::Return(bad), "wraps");
        assert_eq!(dispatch([WRITE, 0x4000_0000, 4096, 0], &mut f), Effect::Return(Error::InvalidArgument.to_x0()));
        assert!(f.console.is_empty());
        assert_eq!(f.denials.len(), 4);
    }

    #[test]
    fn unknown_numbers_are_not_supported() {
        let mut f = Fake::new();
        assert_eq!(dispatch([0xC600_00FF, 0, 0, 0], &mut f), Effect::Return(u64::MAX));
        assert_eq!(dispatch([0x1_C600_0000, 0, 0, 0], &mut f), Effect::Return(u64::MAX), "high bits set");
        assert_eq!(dispatch([Hypercall::BenchEl2Entries as u64, 0, 0, 0], &mut f), Effect::Return(u64::MAX));
        assert_eq!(dispatch([Hypercall::BenchWaitSlept as u64, 0, 0, 0], &mut f), Effect::Return(u64::MAX));
        assert_eq!(f.denials[0], Denial::UnknownFunction(0xC600_00FF));
    }

    #[test]
    fn psci_goes_through_and_refusals_are_audited() {
        let mut f = Fake::new();
        assert_eq!(
            dispatch([smccc::psci::PSCI_CPU_ON_64 as u64, 1, 0x4000_0000, 0], &mut f),
            Effect::Psci(0, PsciAction::CpuOn { vcpu: 1, entry: 0x4000_0000, context: 0 })
        );
        assert_eq!(
            dispatch([smccc::psci::PSCI_CPU_ON_64 as u64, 5, 0x4000_0000, 0], &mut f),
            Effect::Psci((-2i64) as u64, PsciAction::None)
        );
        assert_eq!(f.denials, [Denial::Psci { function: smccc::psci::PSCI_CPU_ON_64, target: 5, status: -2 }]);
    }

    #[test]
    fn smccc_architecture_calls_are_answered_like_psci_and_not_audited() {
        use smccc::arch::{SMCCC_ARCH_FEATURES, SMCCC_ARCH_WORKAROUND_1, SMCCC_VERSION};
        let mut f = Fake::new();
        let version = dispatch([u64::from(SMCCC_VERSION), 0, 0, 0], &mut f);
        assert_eq!(version, Effect::Psci(0x1_0001, PsciAction::None));
        let workaround = dispatch([u64::from(SMCCC_ARCH_FEATURES), u64::from(SMCCC_ARCH_WORKAROUND_1), 0, 0], &mut f);
        assert_eq!(workaround, Effect::Psci(u64::MAX, PsciAction::None));
        assert!(f.denials.is_empty(), "a probe for something absent is not a refusal: {:?}", f.denials);
    }

    #[test]
    fn linux_service_probes_are_answered_and_not_audited() {
        // TRNG_VERSION and the vendor hypervisor's Call UID, as Linux asks
        // them; a neighbouring unknown number is still audited.
        let mut f = Fake::new();
        for probe in [0x8400_0050u64, 0x8600_ff01] {
            assert_eq!(dispatch([probe, 0, 0, 0], &mut f), Effect::Psci(u64::MAX, PsciAction::None), "{probe:#x}");
        }
        assert!(f.denials.is_empty(), "probes were audited: {:?}", f.denials);
        assert_eq!(dispatch([0x8600_ff04, 0, 0, 0], &mut f), Effect::Return(u64::MAX));
        assert_eq!(f.denials, [Denial::UnknownFunction(0x8600_ff04)]);
    }

    #[test]
    fn only_null_is_answered_without_context() {
        assert_eq!(answer_without_context(Hypercall::Null as u64), Some(0));
        for h in Hypercall::all().filter(|&h| h != Hypercall::Null) {
            assert_eq!(answer_without_context(h as u64), None, "{h:?}");
        }
        assert_eq!(answer_without_context(0x8400_0000), None);
        let mut f = Fake::new();
        assert_eq!(dispatch([Hypercall::Null as u64, 1, 2, 3], &mut f), Effect::Return(0));
    }

    #[test]
    fn capabilities_are_named_by_slot_and_checked() {
        let mut f = Fake::new();
        let info = Hypercall::CapInfo as u64;
        assert_eq!(dispatch([info, 1, 0x4000_0100, 48], &mut f), Effect::Return(0));
        assert_eq!(f.written.borrow().len(), 48);
        assert_eq!(dispatch([info, 9, 0x4000_0100, 48], &mut f), Effect::Return(Error::Denied.to_x0()));
        assert_eq!(dispatch([info, 1, 0x4000_0100, 8], &mut f), Effect::Return(Error::InvalidArgument.to_x0()));
        assert_eq!(dispatch([info, 1, 0x4020_0000, 48], &mut f), Effect::Return(Error::InvalidAddress.to_x0()));
        let notify = Hypercall::Notify as u64;
        assert_eq!(dispatch([notify, 1, 0, 0], &mut f), Effect::Return(0));
        assert_eq!(f.doorbells, [(0, 1)]);
        assert_eq!(
            dispatch([notify, 0, 0, 0], &mut f),
            Effect::Return(Error::Denied.to_x0()),
            "console is not a channel"
        );
        assert_eq!(dispatch([notify, 7, 0, 0], &mut f), Effect::Return(Error::Denied.to_x0()));
        assert_eq!(f.doorbells.len(), 1, "refused calls have no effect");
        assert_eq!(
            f.denials,
            [
                Denial::NoSuchSlot(9),
                Denial::BadBuffer { ipa: 0x4020_0000, len: 48 },
                Denial::WrongKind(0),
                Denial::NoSuchSlot(7)
            ]
        );
        assert_eq!(dispatch([Hypercall::Pending as u64, 0, 0, 0], &mut f), Effect::Return(0b10));
        assert_eq!(dispatch([Hypercall::Pending as u64, 0, 0, 0], &mut f), Effect::Return(0));
    }

    #[test]
    fn params_are_copied_into_checked_guest_memory() {
        let mut f = Fake::new();
        let params = Hypercall::Params as u64;
        assert_eq!(dispatch([params, 0x4000_0100, 64, 0], &mut f), Effect::Return(16));
        assert_eq!(f.written.borrow().as_slice(), b"keyboard=cluster");
        assert_eq!(dispatch([params, 0x4000_0100, 4, 0], &mut f), Effect::Return(16), "truncated copy, full length");
        assert_eq!(dispatch([params, 0, 0, 0], &mut f), Effect::Return(16), "length only");
        assert_eq!(dispatch([params, 0x4020_0000, 64, 0], &mut f), Effect::Return(Error::InvalidAddress.to_x0()));
    }

    #[test]
    fn wait_returns_and_clears_the_pending_doorbells() {
        let mut f = Fake::new();
        assert_eq!(dispatch([Hypercall::Wait as u64, 0, 0, 0], &mut f), Effect::Return(0b10));
        assert_eq!(f.pending, 0);
    }

    #[test]
    fn channel_epochs_are_read_through_a_channel_slot_only() {
        let mut f = Fake::new();
        let epoch = Hypercall::ChannelEpoch as u64;
        assert_eq!(dispatch([epoch, 1, 0, 0], &mut f), Effect::Return(7), "slot 1 holds channel 0");
        assert_eq!(dispatch([epoch, 0, 0, 0], &mut f), Effect::Return(Error::Denied.to_x0()), "console slot");
        assert_eq!(dispatch([epoch, 99, 0, 0], &mut f), Effect::Return(Error::Denied.to_x0()));
        assert_eq!(f.denials, [Denial::WrongKind(0), Denial::NoSuchSlot(99)]);
    }

    #[test]
    fn heartbeat_and_panic() {
        let mut f = Fake::new();
        assert_eq!(dispatch([Hypercall::Heartbeat as u64, 0, 0, 0], &mut f), Effect::Return(0));
        assert_eq!(f.beats, 1);
        assert_eq!(dispatch([Hypercall::Panic as u64, 0x4000_0100, 5, 0], &mut f), Effect::Fault(FaultReason::Panic));
        assert_eq!(f.console, b"hello\n");
    }
}
