// SPDX-License-Identifier: MIT
//! Packing a Linux domain: where its kernel `Image`, initramfs and device
//! tree go in its first RAM region, and the device tree itself, generated
//! from the checked board (`dtb::linux_dtb`).
//!
//! Owns the placement ([`place`]) and the translation of the board's
//! configuration into a [`LinuxDtbSpec`]. Must not touch the payload layout
//! (that is `crate::image`) or decide what the board allows (`crate::board`).
//!
//! ```text
//! first RAM region  [2 MiB free] [Image at +2 MiB + text_offset .. image_size] ... [initramfs] [DTB: last 2 MiB]
//! ```

use super::dtb::{self, ChannelSpec, ConsoleSpec, DeviceSpec, GicSpec, LinuxDtbSpec, Range};
use crate::board::image_header;
use crate::board::linux::{DTB_ROOM, KERNEL_OFFSET};
use crate::board::schema::BoardFile;
use crate::board::{LinuxImage, ValidBoard};
use crate::image::{BootFileImage, DomainImage};
use anyhow::{Context, Result, bail, ensure};
use bulkhead_abi::{DomainId, Ipa, PAGE_SIZE};
use bulkhead_bootcfg as cfg;

/// Where the parts of a Linux domain go (IPAs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    /// The kernel's first byte, and its entry point.
    pub kernel: u64,
    /// One past the last byte the running kernel uses (`image_size`, .bss included).
    pub kernel_end: u64,
    /// The initramfs, if there is one.
    pub initrd: Option<Range>,
    /// The device tree's first byte (the last 2 MiB of the region).
    pub dtb: u64,
}

/// Places a kernel whose header says `header` (file of `image_len` bytes)
/// and an initramfs of `initrd_len` bytes (0: none) in the RAM region
/// `region`; the error says what does not fit and what to do.
pub fn place(region: Range, header: image_header::ImageHeader, image_len: u64, initrd_len: u64) -> Result<Placement> {
    let end = region.base.checked_add(region.size).context("the first RAM region wraps")?;
    ensure!(region.base.is_multiple_of(KERNEL_OFFSET), "the first RAM region {:#x} is not 2 MiB aligned", region.base);
    let kernel = region.base + KERNEL_OFFSET + header.text_offset;
    let kernel_end = kernel + header.image_size.max(image_len);
    let dtb = end.checked_sub(DTB_ROOM).context("the first RAM region is smaller than the device tree's 2 MiB")?;
    let initrd =
        (initrd_len > 0).then(|| Range { base: dtb.saturating_sub(initrd_len) & !(PAGE_SIZE - 1), size: initrd_len });
    let lowest = initrd.map_or(dtb, |r| r.base);
    if kernel_end > lowest || dtb < region.base {
        bail!(
            "the first RAM region ({:#x}..{end:#x}) cannot hold the kernel ({:#x}..{kernel_end:#x}), the initramfs \
             ({initrd_len} bytes) and the device tree (2 MiB): give it at least {} MiB",
            region.base,
            kernel,
            (KERNEL_OFFSET + header.text_offset + (kernel_end - kernel) + initrd_len + DTB_ROOM).div_ceil(1 << 20)
        );
    }
    Ok(Placement { kernel, kernel_end, initrd, dtb })
}

/// The device tree of domain `index` of `board`, with `initrd` where the
/// initramfs goes and `cmdline` as its command line.
pub fn dtb_spec(board: &ValidBoard, index: usize, initrd: Option<Range>, cmdline: &str) -> Result<LinuxDtbSpec> {
    let config = &board.config;
    let domain = config.domains.get(index).context("no such domain")?;
    let console = domain.console.with_context(|| format!("domain `{}` has no emulated console", domain.name))?;
    let devices = domain
        .devices
        .iter()
        .map(|grant| {
            let compatible = board
                .file
                .devices
                .iter()
                .map(|d| d.get_ref())
                .find(|d| d.name.get_ref() == grant.name.as_str())
                .map(|d| d.compatible.clone())
                .with_context(|| format!("device `{}` is not in the board file", grant.name))?;
            Ok(DeviceSpec {
                name: grant.name.to_string(),
                compatible: vec![compatible],
                reg: Range { base: grant.mmio.base.raw(), size: grant.mmio.size },
                intids: grant.irqs.to_vec(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let mut devices = devices;
    devices.extend(emulated_devices(&board.file, domain.name.as_str()));
    let me = DomainId::new(u16::try_from(index)?);
    let channels = config
        .channels
        .iter()
        .flat_map(|ch| {
            ch.ends.iter().filter(move |e| e.domain == me).map(move |e| ChannelSpec {
                name: ch.name.to_string(),
                reg: Range { base: e.ipa.raw(), size: ch.window.size },
            })
        })
        .collect();
    Ok(LinuxDtbSpec {
        model: format!("Bulkhead domain {} on {}", domain.name, config.board),
        ram: domain.ram.iter().map(|r| Range { base: r.ipa.raw(), size: r.size }).collect(),
        vcpus: u32::try_from(domain.pcpus.len())?,
        gic: GicSpec { distributor: config.gic.distributor.raw(), redistributors: config.gic.redistributors.raw() },
        console: ConsoleSpec { base: console.ipa.raw(), intid: console.intid },
        bootargs: cmdline.to_string(),
        initrd,
        devices,
        channels,
    })
}

/// The virtio-mmio devices device models emulate for the domain called
/// `name`: range `n` of a `device_model` entry naming it is one
/// `virtio,mmio` node with the entry's interrupt `n`. No `dma-coherent`:
/// the device model reaches the target's RAM without caches (its stage-1
/// MMU is off), so Linux's non-coherent DMA (buffers cleaned and
/// invalidated around each transfer, rings mapped non-cacheable) is what
/// keeps both sides' views equal.
fn emulated_devices(file: &BoardFile, name: &str) -> Vec<DeviceSpec> {
    let entries = file.domains.iter().flat_map(|d| d.get_ref().device_model.iter()).map(|dm| dm.get_ref());
    entries
        .filter(|dm| dm.target.get_ref() == name)
        .flat_map(|dm| {
            dm.mmio.get_ref().iter().enumerate().map(|(n, r)| {
                let r = r.get_ref();
                DeviceSpec {
                    name: "virtio_mmio".into(),
                    compatible: vec!["virtio,mmio".into()],
                    reg: Range { base: *r.ipa.get_ref(), size: r.size.get_ref().0 },
                    intids: dm.irqs.get(n).map(|i| vec![*i.get_ref()]).unwrap_or_default(),
                }
            })
        })
        .collect()
}

/// Domain `index` of `board`, a Linux domain with the files `linux`: its
/// kernel as the image, its initramfs and device tree as boot files, and
/// the Linux entry convention (x0 = the device tree).
pub fn linux_image(board: &ValidBoard, index: usize, linux: &LinuxImage) -> Result<DomainImage> {
    let domain = board.config.domains.get(index).context("no such domain")?;
    let name = domain.name.as_str();
    // The header was parsed when the board was checked: `linux.header`.
    let kernel = std::fs::read(&linux.image).with_context(|| format!("reading {}", linux.image.display()))?;
    ensure!(
        kernel.len() as u64 == linux.image_len,
        "{}: changed since the board was checked ({} bytes then, {} now)",
        linux.image.display(),
        linux.image_len,
        kernel.len()
    );
    let initrd = match &linux.initrd {
        Some(path) => std::fs::read(path).with_context(|| format!("reading {}", path.display()))?,
        None => Vec::new(),
    };
    let region = domain.ram.first().with_context(|| format!("domain `{name}` has no RAM"))?;
    let at =
        place(Range { base: region.ipa.raw(), size: region.size }, linux.header, linux.image_len, initrd.len() as u64)
            .with_context(|| format!("domain `{name}`"))?;
    let dtb = dtb::linux_dtb(&dtb_spec(board, index, at.initrd, &linux.cmdline)?)
        .with_context(|| format!("domain `{name}`: its device tree"))?;
    ensure!(dtb.len() as u64 <= DTB_ROOM, "domain `{name}`: its device tree ({} bytes) exceeds 2 MiB", dtb.len());
    let mut boot_files = Vec::new();
    if let Some(r) = at.initrd {
        boot_files.push(BootFileImage { bytes: initrd, load: r.base });
    }
    boot_files.push(BootFileImage { bytes: dtb, load: at.dtb });
    Ok(DomainImage {
        bytes: kernel,
        load: at.kernel,
        entry: at.kernel,
        mem_end: at.kernel_end,
        boot_files,
        entry_abi: cfg::EntryAbi::Linux { dtb: Ipa::new(at.dtb) },
        guards: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use image_header::ImageHeader;

    const MIB: u64 = 1 << 20;

    #[test]
    fn a_targets_emulated_devices_are_virtio_mmio_nodes_with_their_interrupts() {
        let path = crate::workspace::root().join("boards/test/ioreq.toml");
        let file: BoardFile = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let probe = emulated_devices(&file, "probe");
        assert_eq!(
            probe,
            [DeviceSpec {
                name: "virtio_mmio".into(),
                compatible: vec!["virtio,mmio".into()],
                reg: Range { base: 0x0a00_0000, size: 0x1000 },
                intids: vec![48],
            }]
        );
        assert_eq!(emulated_devices(&file, "mute-probe")[0].intids, Vec::<u32>::new());
        assert!(emulated_devices(&file, "dm").is_empty());
    }

    #[test]
    fn kernel_above_the_first_2_mib_initrd_below_the_dtb() {
        let region = Range { base: 0x4000_0000, size: 256 * MIB };
        let header = ImageHeader { text_offset: 0, image_size: 46 * MIB, flags: 0 };
        let at = place(region, header, 44 * MIB, 0x12_3456).unwrap();
        assert_eq!(at.kernel, 0x4020_0000);
        assert_eq!(at.kernel_end, 0x4020_0000 + 46 * MIB);
        assert_eq!(at.dtb, 0x4fe0_0000, "the last 2 MiB");
        let initrd = at.initrd.unwrap();
        assert_eq!(initrd.base, (0x4fe0_0000 - 0x12_3456) & !0xfff);
        assert!(initrd.base + initrd.size <= at.dtb);
        assert_eq!(place(region, header, 44 * MIB, 0).unwrap().initrd, None);
    }

    #[test]
    fn text_offset_and_file_longer_than_image_size() {
        let region = Range { base: 0x8000_0000, size: 64 * MIB };
        let at = place(region, ImageHeader { text_offset: 0x8_0000, image_size: 0, flags: 0 }, 3 * MIB, 0).unwrap();
        assert_eq!(at.kernel, 0x8028_0000);
        assert_eq!(at.kernel_end, 0x8028_0000 + 3 * MIB);
    }

    #[test]
    fn too_small_says_how_much_is_needed() {
        let region = Range { base: 0x4000_0000, size: 32 * MIB };
        let err =
            place(region, ImageHeader { text_offset: 0, image_size: 46 * MIB, flags: 0 }, 44 * MIB, MIB).unwrap_err();
        assert!(err.to_string().contains("give it at least 51 MiB"), "{err}");
    }
}
