// SPDX-License-Identifier: MIT
//! What a capability slot looks like from inside the domain: the
//! `CapInfo` record the kernel writes for the `CapInfo` hypercall.
//!
//! Owns the mapping from a configured [`Capability`] to its description.
//! It must not check whether the caller holds the slot (the dispatcher
//! does, before calling this) or write guest memory.

use bulkhead_abi::{CapInfo, CapKind};
use bulkhead_bootcfg::{BootConfig, Capability};

/// Describes `cap`, a capability of domain `domain` (its index). A
/// capability naming something the configuration lacks (never produced by
/// the build tool) is described with kind 0.
pub fn describe(config: &BootConfig, domain: usize, cap: Capability) -> CapInfo {
    let mut info = CapInfo { kind: 0, end: 0, ipa: 0, size: 0, name: [0; 24] };
    let mut set_name = |text: &str| {
        for (slot, b) in info.name.iter_mut().zip(text.bytes()) {
            *slot = b;
        }
    };
    let tag = |t: u8| u32::from(t);
    match cap {
        Capability::Console => {
            set_name("console");
            info.kind = tag(bulkhead_abi::Console::TAG);
        }
        Capability::Channel { channel, end } => {
            if let Some(ch) = config.channels.get(usize::from(channel)) {
                set_name(ch.name.as_str());
                info.kind = tag(bulkhead_abi::Channel::TAG);
                info.end = u32::from(end);
                info.ipa = ch.ends.get(usize::from(end)).map_or(0, |e| e.ipa.raw());
                info.size = ch.window.size;
            }
        }
        Capability::Device { device } => {
            if let Some(dev) = config.domains.get(domain).and_then(|d| d.devices.get(usize::from(device))) {
                set_name(dev.name.as_str());
                info.kind = tag(bulkhead_abi::Device::TAG);
                info.end = dev.irqs.first().copied().unwrap_or(0);
                info.ipa = dev.mmio.base.raw();
                info.size = dev.mmio.size;
            }
        }
        Capability::Irq { intid } => {
            set_name("irq");
            info.kind = tag(bulkhead_abi::Irq::TAG);
            info.end = intid;
        }
        Capability::DmTarget { target, ipa, size, .. } => {
            if let Some(t) = config.domains.get(usize::from(target)) {
                set_name(t.name.as_str());
                info.kind = tag(bulkhead_abi::DmTarget::TAG);
                info.end = u32::from(target);
                info.ipa = ipa.raw();
                info.size = size;
            }
        }
        Capability::DmMemory { target, window } => {
            if let Some(t) = config.domains.get(usize::from(target))
                && let Some(r) = t.ram.first()
            {
                set_name(t.name.as_str());
                info.kind = tag(bulkhead_abi::DmMemory::TAG);
                info.end = u32::from(target);
                info.ipa = bulkhead_abi::ioreq::guest_window(window).saturating_add(r.ipa.raw());
                info.size = r.size;
            }
        }
        Capability::DmIrq { target, intid } => {
            if let Some(t) = config.domains.get(usize::from(target)) {
                set_name(t.name.as_str());
                info.kind = tag(bulkhead_abi::DmIrq::TAG);
                info.end = u32::from(target);
                info.size = u64::from(intid);
            }
        }
        Capability::DmVram { target, ipa, size } => {
            if let Some(t) = config.domains.get(usize::from(target)) {
                set_name(t.name.as_str());
                info.kind = tag(bulkhead_abi::DmVram::TAG);
                info.end = u32::from(target);
                info.ipa = ipa.raw();
                info.size = size;
            }
        }
        Capability::Kept { ipa, size, .. } => {
            set_name("kept");
            info.kind = tag(bulkhead_abi::Kept::TAG);
            info.ipa = ipa.raw();
            info.size = size;
        }
    }
    info
}

#[cfg(test)]
mod tests {
    use super::*;
    use bulkhead_abi::{DomainId, Ipa, PhysAddr};
    use bulkhead_bootcfg::sample;
    use bulkhead_bootcfg::{Channel, ChannelEnd, DeviceGrant, DeviceReset, NotifyBudget, PhysRange};

    fn config() -> BootConfig {
        let mut c = sample::board(4);
        let mut a = sample::domain("model", &[1], 0x4100_0000);
        a.devices
            .push(DeviceGrant {
                name: "rtc".try_into().unwrap(),
                mmio: PhysRange { base: PhysAddr::new(0x0901_0000), size: 0x1000 },
                irqs: heapless::Vec::from_slice(&[34]).unwrap(),
                reset: DeviceReset::None,
            })
            .unwrap();
        c.domains.push(a).unwrap();
        c.domains.push(sample::domain("guest", &[2], 0x4120_0000)).unwrap();
        c.channels
            .push(Channel {
                name: "ring".try_into().unwrap(),
                window: PhysRange { base: PhysAddr::new(0x4140_0000), size: 0x1_0000 },
                ends: [
                    ChannelEnd { domain: DomainId::new(0), ipa: Ipa::new(0x5000_0000) },
                    ChannelEnd { domain: DomainId::new(1), ipa: Ipa::new(0x6000_0000) },
                ],
                notify_budget: NotifyBudget::DEFAULT,
            })
            .unwrap();
        c
    }

    fn name(info: &CapInfo) -> &str {
        let len = info.name.iter().position(|&b| b == 0).unwrap_or(24);
        core::str::from_utf8(&info.name[..len]).unwrap()
    }

    #[test]
    fn every_kind_is_described() {
        let c = config();
        let console = describe(&c, 0, Capability::Console);
        assert_eq!((console.kind, name(&console)), (4, "console"));
        let ch = describe(&c, 1, Capability::Channel { channel: 0, end: 1 });
        assert_eq!((ch.kind, ch.end, ch.ipa, ch.size, name(&ch)), (1, 1, 0x6000_0000, 0x1_0000, "ring"));
        let dev = describe(&c, 0, Capability::Device { device: 0 });
        assert_eq!((dev.kind, dev.end, dev.ipa, dev.size, name(&dev)), (2, 34, 0x0901_0000, 0x1000, "rtc"));
        let irq = describe(&c, 0, Capability::Irq { intid: 40 });
        assert_eq!((irq.kind, irq.end, name(&irq)), (3, 40, "irq"));
        let dm = describe(
            &c,
            0,
            Capability::DmTarget { target: 1, ipa: Ipa::new(0x0b00_0000), size: 0x2000, timeout_ms: 50 },
        );
        assert_eq!((dm.kind, dm.end, dm.ipa, dm.size, name(&dm)), (5, 1, 0x0b00_0000, 0x2000, "guest"));
    }

    #[test]
    fn dangling_references_describe_nothing() {
        let c = config();
        assert_eq!(describe(&c, 0, Capability::Channel { channel: 9, end: 0 }).kind, 0);
        assert_eq!(describe(&c, 1, Capability::Device { device: 0 }).kind, 0, "guest has no devices");
        assert_eq!(
            describe(&c, 0, Capability::DmTarget { target: 7, ipa: Ipa::new(0), size: 0, timeout_ms: 50 }).kind,
            0
        );
    }
}
