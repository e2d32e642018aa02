// SPDX-License-Identifier: MIT
//! The device tree that boots Xen in dom0less mode with no dom0: QEMU's own
//! tree for the machine (`-machine ...,dumpdtb=`), copied node for node,
//! with Xen's command line and one domU added to `/chosen` (Xen's
//! `docs/misc/arm/device-tree/booting.txt`):
//!
//! ```text
//! chosen {
//!     ...QEMU's properties...
//!     xen,xen-bootargs = "<bootargs>";
//!     #address-cells = <2>; #size-cells = <2>;
//!     domU1 {
//!         compatible = "xen,domain"; #address-cells = <2>; #size-cells = <2>;
//!         memory = <0 KiB>; cpus = <1>; vpl011;
//!         module@<addr> {
//!             compatible = "multiboot,kernel", "multiboot,module";
//!             reg = <addr size>; bootargs = "<the domU's command line>";
//!         };
//!         module@<ramdisk addr> {   /* only with a ramdisk */
//!             compatible = "multiboot,ramdisk", "multiboot,module";
//!             reg = <addr size>;
//!         };
//!         module@<partial tree addr> {   /* only with a passed-through device */
//!             compatible = "multiboot,device-tree", "multiboot,module";
//!             reg = <addr size>;
//!         };
//!     };
//! };
//! ```
//!
//! A device is passed through with a partial device tree ([`passthrough_dtb`],
//! Xen's `docs/misc/arm/passthrough.txt`), loaded beside the kernel. As Xen
//! 4.17 reads it (`xen/arch/arm/domain_build.c`, checked in its source):
//! only the top-level nodes `gic` and `passthrough` count; each
//! `xen,reg` entry is `<host address, size, guest address>` in the cells
//! of `/passthrough`; the interrupts come from the host node named by
//! `xen,path` and keep their numbers (virtual INTID = physical INTID);
//! `xen,force-assign-without-iommu` is required on a machine with no IOMMU
//! (QEMU virt here). Xen reports a device it could not assign on its
//! console and boots the domU anyway, so the guest checks that the device
//! is there.
//!
//! Written with `vm-fdt` and read with `fdt`, so no `dtc` is needed.

use anyhow::{Context, Result, anyhow, bail};
use vm_fdt::FdtWriter;

/// The one domU.
#[derive(Debug, Clone)]
pub struct DomU {
    /// Where its kernel (an arm64 `Image`) is loaded in the machine's RAM.
    pub kernel_addr: u64,
    /// The kernel's size in bytes.
    pub kernel_size: u64,
    /// Its RAM in KiB.
    pub memory_kib: u64,
    /// Its vCPUs.
    pub vcpus: u32,
    /// Its kernel's command line (the kernel module's `bootargs`).
    pub bootargs: String,
    /// Where its ramdisk is loaded and its size in bytes, if it has one.
    pub ramdisk: Option<(u64, u64)>,
    /// Where its partial device tree ([`passthrough_dtb`]) is loaded and
    /// its size in bytes, if a device is passed through.
    pub partial_dtb: Option<(u64, u64)>,
}

/// One MMIO device with one SPI, passed through at its host address.
#[derive(Debug, Clone)]
pub struct Passthrough {
    /// The node's name in the partial tree (`rtc@9010000`).
    pub name: String,
    /// Its compatible strings.
    pub compatible: Vec<String>,
    /// The host node's path in QEMU's tree (`/pl031@9010000`).
    pub host_path: String,
    /// Its MMIO base (host and guest) and size; page-aligned.
    pub base: u64,
    pub size: u64,
    /// Its SPI number (INTID - 32), level-sensitive, active high.
    pub spi: u32,
}

impl Passthrough {
    /// QEMU virt's PL031 RTC (SPI 2), the benchmark's passed-through
    /// device.
    pub fn qemu_virt_pl031() -> Self {
        Passthrough {
            name: "rtc@9010000".into(),
            compatible: vec!["arm,pl031".into(), "arm,primecell".into()],
            host_path: "/pl031@9010000".into(),
            base: 0x0901_0000,
            size: 0x1000,
            spi: 2,
        }
    }
}

/// Xen's placeholder phandle for the guest's GIC (`GUEST_PHANDLE_GIC`).
const GUEST_PHANDLE_GIC: u32 = 65000;
/// GIC interrupt cells: SPI, level-sensitive active high.
const GIC_SPI: u32 = 0;
const IRQ_LEVEL_HIGH: u32 = 4;

/// The partial device tree that passes `device` through to a dom0less
/// domU (see the module's doc for how Xen 4.17 reads it).
pub fn passthrough_dtb(device: &Passthrough) -> Result<Vec<u8>> {
    const PAGE: u64 = 4096;
    if !device.base.is_multiple_of(PAGE) || !device.size.is_multiple_of(PAGE) || device.size == 0 {
        bail!("Xen passes through only whole pages: {:#x} + {:#x}", device.base, device.size);
    }
    let mut w = FdtWriter::new().map_err(err)?;
    let root = w.begin_node("").map_err(err)?;
    w.property_u32("#address-cells", 2).map_err(err)?;
    w.property_u32("#size-cells", 2).map_err(err)?;
    let gic = w.begin_node("gic").map_err(err)?;
    w.property_phandle(GUEST_PHANDLE_GIC).map_err(err)?;
    w.property_u32("#interrupt-cells", 3).map_err(err)?;
    w.property_null("interrupt-controller").map_err(err)?;
    w.end_node(gic).map_err(err)?;
    let bus = w.begin_node("passthrough").map_err(err)?;
    w.property_string("compatible", "simple-bus").map_err(err)?;
    w.property_null("ranges").map_err(err)?;
    w.property_u32("#address-cells", 2).map_err(err)?;
    w.property_u32("#size-cells", 2).map_err(err)?;
    let dev = w.begin_node(&device.name).map_err(err)?;
    w.property_string_list("compatible", device.compatible.clone()).map_err(err)?;
    w.property_array_u64("reg", &[device.base, device.size]).map_err(err)?;
    w.property_u32("interrupt-parent", GUEST_PHANDLE_GIC).map_err(err)?;
    w.property_array_u32("interrupts", &[GIC_SPI, device.spi, IRQ_LEVEL_HIGH]).map_err(err)?;
    w.property_string("xen,path", &device.host_path).map_err(err)?;
    w.property_array_u64("xen,reg", &[device.base, device.size, device.base]).map_err(err)?;
    w.property_null("xen,force-assign-without-iommu").map_err(err)?;
    w.end_node(dev).map_err(err)?;
    w.end_node(bus).map_err(err)?;
    w.end_node(root).map_err(err)?;
    w.finish().map_err(err)
}

/// Properties of `/chosen` this module writes itself (QEMU's are dropped).
const OWN_CHOSEN: [&str; 3] = ["xen,xen-bootargs", "#address-cells", "#size-cells"];

fn err(e: vm_fdt::Error) -> anyhow::Error {
    anyhow!("writing the device tree: {e}")
}

/// QEMU's tree `base` with `bootargs` as Xen's command line and `domu` as
/// its only domain.
pub fn xen_dtb(base: &[u8], bootargs: &str, domu: &DomU) -> Result<Vec<u8>> {
    let fdt = fdt::Fdt::new(base).map_err(|e| anyhow!("QEMU's device tree does not parse: {e:?}"))?;
    let root = fdt.find_node("/").context("QEMU's device tree has no root node")?;
    if fdt.find_node("/chosen").is_none() {
        bail!("QEMU's device tree has no /chosen node");
    }
    let mut w = FdtWriter::new().map_err(err)?;
    copy(&mut w, root, "", 0, bootargs, domu)?;
    w.finish().map_err(err)
}

fn copy(
    w: &mut FdtWriter,
    node: fdt::node::FdtNode<'_, '_>,
    name: &str,
    depth: usize,
    bootargs: &str,
    domu: &DomU,
) -> Result<()> {
    let chosen = depth == 1 && name == "chosen";
    let handle = w.begin_node(name).map_err(err)?;
    for p in node.properties() {
        if chosen && OWN_CHOSEN.contains(&p.name) {
            continue;
        }
        w.property(p.name, p.value).map_err(err)?;
    }
    if chosen {
        w.property_string("xen,xen-bootargs", bootargs).map_err(err)?;
        w.property_u32("#address-cells", 2).map_err(err)?;
        w.property_u32("#size-cells", 2).map_err(err)?;
    }
    for child in node.children() {
        copy(w, child, child.name, depth + 1, bootargs, domu)?;
    }
    if chosen {
        let d = w.begin_node("domU1").map_err(err)?;
        w.property_string("compatible", "xen,domain").map_err(err)?;
        w.property_u32("#address-cells", 2).map_err(err)?;
        w.property_u32("#size-cells", 2).map_err(err)?;
        w.property_array_u32("memory", &[0, u32::try_from(domu.memory_kib).context("domU memory")?]).map_err(err)?;
        w.property_u32("cpus", domu.vcpus).map_err(err)?;
        w.property_null("vpl011").map_err(err)?;
        let m = w.begin_node(&format!("module@{:x}", domu.kernel_addr)).map_err(err)?;
        w.property_string_list("compatible", vec!["multiboot,kernel".into(), "multiboot,module".into()])
            .map_err(err)?;
        w.property_array_u64("reg", &[domu.kernel_addr, domu.kernel_size]).map_err(err)?;
        w.property_string("bootargs", &domu.bootargs).map_err(err)?;
        w.end_node(m).map_err(err)?;
        if let Some((addr, size)) = domu.ramdisk {
            let r = w.begin_node(&format!("module@{addr:x}")).map_err(err)?;
            w.property_string_list("compatible", vec!["multiboot,ramdisk".into(), "multiboot,module".into()])
                .map_err(err)?;
            w.property_array_u64("reg", &[addr, size]).map_err(err)?;
            w.end_node(r).map_err(err)?;
        }
        if let Some((addr, size)) = domu.partial_dtb {
            let t = w.begin_node(&format!("module@{addr:x}")).map_err(err)?;
            w.property_string_list("compatible", vec!["multiboot,device-tree".into(), "multiboot,module".into()])
                .map_err(err)?;
            w.property_array_u64("reg", &[addr, size]).map_err(err)?;
            w.end_node(t).map_err(err)?;
        }
        w.end_node(d).map_err(err)?;
    }
    w.end_node(handle).map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small stand-in for QEMU's tree.
    fn qemu_like() -> Vec<u8> {
        let mut w = FdtWriter::new().unwrap();
        let root = w.begin_node("").unwrap();
        w.property_u32("#address-cells", 2).unwrap();
        w.property_u32("#size-cells", 2).unwrap();
        w.property_string("compatible", "linux,dummy-virt").unwrap();
        let mem = w.begin_node("memory@40000000").unwrap();
        w.property_string("device_type", "memory").unwrap();
        w.property_array_u64("reg", &[0x4000_0000, 0x4000_0000]).unwrap();
        w.end_node(mem).unwrap();
        let chosen = w.begin_node("chosen").unwrap();
        w.property_string("stdout-path", "/pl011@9000000").unwrap();
        w.property_u32("#size-cells", 1).unwrap();
        w.end_node(chosen).unwrap();
        let uart = w.begin_node("pl011@9000000").unwrap();
        w.property_string("compatible", "arm,pl011").unwrap();
        w.end_node(uart).unwrap();
        w.end_node(root).unwrap();
        w.finish().unwrap()
    }

    #[test]
    fn adds_xen_bootargs_and_the_domu_and_keeps_the_rest() {
        let domu = DomU {
            kernel_addr: 0x6000_0000,
            kernel_size: 0x1_5000,
            memory_kib: 0x2_0000,
            vcpus: 1,
            bootargs: String::new(),
            ramdisk: None,
            partial_dtb: None,
        };
        let out = xen_dtb(&qemu_like(), "console=dtuart dtuart=serial0 vwfi=native", &domu).unwrap();
        let fdt = fdt::Fdt::new(&out).unwrap();
        assert_eq!(fdt.root().compatible().first(), "linux,dummy-virt");
        assert!(fdt.find_node("/pl011@9000000").is_some());
        assert_eq!(fdt.memory().regions().next().unwrap().size, Some(0x4000_0000));
        let chosen = fdt.find_node("/chosen").unwrap();
        assert_eq!(chosen.property("stdout-path").unwrap().as_str(), Some("/pl011@9000000"));
        assert_eq!(
            chosen.property("xen,xen-bootargs").unwrap().as_str(),
            Some("console=dtuart dtuart=serial0 vwfi=native")
        );
        // QEMU's own #size-cells is replaced, not duplicated.
        assert_eq!(chosen.properties().filter(|p| p.name == "#size-cells").count(), 1);
        assert_eq!(chosen.property("#size-cells").unwrap().as_usize(), Some(2));
        let d = fdt.find_node("/chosen/domU1").unwrap();
        assert_eq!(d.compatible().unwrap().first(), "xen,domain");
        assert_eq!(d.property("memory").unwrap().value, [0, 0, 0, 0, 0, 2, 0, 0]);
        assert_eq!(d.property("cpus").unwrap().as_usize(), Some(1));
        assert!(d.property("vpl011").unwrap().value.is_empty());
        let m = fdt.find_node("/chosen/domU1/module@60000000").unwrap();
        assert_eq!(m.compatible().unwrap().all().collect::<Vec<_>>(), ["multiboot,kernel", "multiboot,module"]);
        let reg = m.reg().unwrap().next().unwrap();
        assert_eq!((reg.starting_address as u64, reg.size), (0x6000_0000, Some(0x1_5000)));
        assert_eq!(m.property("bootargs").unwrap().as_str(), Some(""));
        assert_eq!(d.children().count(), 1, "no ramdisk module without a ramdisk");
    }

    #[test]
    fn a_linux_domu_gets_its_command_line_and_ramdisk() {
        let domu = DomU {
            kernel_addr: 0x6000_0000,
            kernel_size: 0x2a2_c000,
            memory_kib: 256 * 1024,
            vcpus: 2,
            bootargs: "console=ttyAMA0 quiet".into(),
            ramdisk: Some((0x6400_0000, 0xf_1eba)),
            partial_dtb: Some((0x5800_0000, 0x200)),
        };
        let out = xen_dtb(&qemu_like(), "console=dtuart", &domu).unwrap();
        let fdt = fdt::Fdt::new(&out).unwrap();
        let d = fdt.find_node("/chosen/domU1").unwrap();
        assert_eq!(d.property("memory").unwrap().value, [0, 0, 0, 0, 0, 4, 0, 0]);
        assert_eq!(d.property("cpus").unwrap().as_usize(), Some(2));
        let k = fdt.find_node("/chosen/domU1/module@60000000").unwrap();
        assert_eq!(k.property("bootargs").unwrap().as_str(), Some("console=ttyAMA0 quiet"));
        let r = fdt.find_node("/chosen/domU1/module@64000000").unwrap();
        assert_eq!(r.compatible().unwrap().all().collect::<Vec<_>>(), ["multiboot,ramdisk", "multiboot,module"]);
        let reg = r.reg().unwrap().next().unwrap();
        assert_eq!((reg.starting_address as u64, reg.size), (0x6400_0000, Some(0xf_1eba)));
        assert!(r.property("bootargs").is_none());
        let t = fdt.find_node("/chosen/domU1/module@58000000").unwrap();
        assert_eq!(t.compatible().unwrap().all().collect::<Vec<_>>(), ["multiboot,device-tree", "multiboot,module"]);
        let reg = t.reg().unwrap().next().unwrap();
        assert_eq!((reg.starting_address as u64, reg.size), (0x5800_0000, Some(0x200)));
    }

    #[test]
    fn the_partial_tree_says_what_xen_reads() {
        let out = passthrough_dtb(&Passthrough::qemu_virt_pl031()).unwrap();
        let fdt = fdt::Fdt::new(&out).unwrap();
        let gic = fdt.find_node("/gic").unwrap();
        assert_eq!(gic.property("phandle").unwrap().as_usize(), Some(65000));
        let bus = fdt.find_node("/passthrough").unwrap();
        assert_eq!(bus.property("#address-cells").unwrap().as_usize(), Some(2));
        assert_eq!(bus.property("#size-cells").unwrap().as_usize(), Some(2));
        let rtc = fdt.find_node("/passthrough/rtc@9010000").unwrap();
        assert_eq!(rtc.property("xen,path").unwrap().as_str(), Some("/pl031@9010000"));
        // <host address, size, guest address>, two cells each.
        let be = |v: &[u64]| v.iter().flat_map(|x| x.to_be_bytes()).collect::<Vec<u8>>();
        assert_eq!(rtc.property("xen,reg").unwrap().value, be(&[0x0901_0000, 0x1000, 0x0901_0000]));
        assert_eq!(rtc.property("interrupts").unwrap().value, [0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 4]);
        assert_eq!(rtc.property("interrupt-parent").unwrap().as_usize(), Some(65000));
        assert!(rtc.property("xen,force-assign-without-iommu").unwrap().value.is_empty());
    }

    #[test]
    fn a_device_that_is_not_whole_pages_is_refused() {
        let mut d = Passthrough::qemu_virt_pl031();
        d.base += 0x10;
        assert!(passthrough_dtb(&d).is_err());
        let mut d = Passthrough::qemu_virt_pl031();
        d.size = 0;
        assert!(passthrough_dtb(&d).is_err());
    }

    #[test]
    fn refuses_what_is_not_a_tree() {
        let domu = DomU {
            kernel_addr: 0,
            kernel_size: 0,
            memory_kib: 0,
            vcpus: 1,
            bootargs: String::new(),
            ramdisk: None,
            partial_dtb: None,
        };
        assert!(xen_dtb(b"not a device tree", "", &domu).is_err());
    }
}
