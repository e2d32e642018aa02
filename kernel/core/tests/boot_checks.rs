// SPDX-License-Identifier: MIT
//! Host tests of the boot-time device-tree reading and cross-checks, against
//! device trees written with `vm-fdt` the way QEMU and the i.MX firmware
//! write theirs.

use bulkhead_abi::PhysAddr;
use bulkhead_bootcfg::*;
use kernel_core::platform::DtbError;
use kernel_core::{Banner, BootError, cross_check, read_platform};

struct TreeSpec {
    cpus: u32,
    ram: (u64, u64),
    gic: Option<(u64, u64)>,
    uart: (&'static str, u64),
    soc_one_cell: bool,
}

fn qemu_like(cpus: u32) -> TreeSpec {
    TreeSpec {
        cpus,
        ram: (0x4000_0000, 0x4000_0000),
        gic: Some((0x0800_0000, 0x080a_0000)),
        uart: ("arm,pl011", 0x0900_0000),
        soc_one_cell: false,
    }
}

fn write_tree(spec: &TreeSpec) -> Vec<u8> {
    let mut fdt = vm_fdt::FdtWriter::new().unwrap();
    let root = fdt.begin_node("").unwrap();
    fdt.property_u32("#address-cells", 2).unwrap();
    fdt.property_u32("#size-cells", 2).unwrap();
    let chosen = fdt.begin_node("chosen").unwrap();
    fdt.property_string("bootargs", "bulkhead.selftest=none").unwrap();
    fdt.end_node(chosen).unwrap();
    let mem = fdt.begin_node(&format!("memory@{:x}", spec.ram.0)).unwrap();
    fdt.property_string("device_type", "memory").unwrap();
    fdt.property_array_u64("reg", &[spec.ram.0, spec.ram.1]).unwrap();
    fdt.end_node(mem).unwrap();
    let cpus = fdt.begin_node("cpus").unwrap();
    fdt.property_u32("#address-cells", 1).unwrap();
    fdt.property_u32("#size-cells", 0).unwrap();
    for i in 0..spec.cpus {
        let cpu = fdt.begin_node(&format!("cpu@{i}")).unwrap();
        fdt.property_string("device_type", "cpu").unwrap();
        fdt.property_u32("reg", i).unwrap();
        fdt.end_node(cpu).unwrap();
    }
    let map = fdt.begin_node("cpu-map").unwrap();
    fdt.end_node(map).unwrap();
    fdt.end_node(cpus).unwrap();
    let soc = fdt.begin_node("soc").unwrap();
    let cells = if spec.soc_one_cell { 1 } else { 2 };
    fdt.property_u32("#address-cells", cells).unwrap();
    fdt.property_u32("#size-cells", cells).unwrap();
    let reg = |fdt: &mut vm_fdt::FdtWriter, pairs: &[(u64, u64)]| {
        if spec.soc_one_cell {
            let v: Vec<u32> = pairs.iter().flat_map(|&(a, s)| [a as u32, s as u32]).collect();
            fdt.property_array_u32("reg", &v).unwrap();
        } else {
            let v: Vec<u64> = pairs.iter().flat_map(|&(a, s)| [a, s]).collect();
            fdt.property_array_u64("reg", &v).unwrap();
        }
    };
    if let Some((d, r)) = spec.gic {
        let gic = fdt.begin_node(&format!("interrupt-controller@{d:x}")).unwrap();
        fdt.property_string("compatible", "arm,gic-v3").unwrap();
        reg(&mut fdt, &[(d, 0x1_0000), (r, 0xf6_0000)]);
        fdt.end_node(gic).unwrap();
    }
    let uart = fdt.begin_node(&format!("serial@{:x}", spec.uart.1)).unwrap();
    fdt.property_string_list("compatible", vec![spec.uart.0.into(), "arm,primecell".into()]).unwrap();
    reg(&mut fdt, &[(spec.uart.1, 0x1000)]);
    fdt.end_node(uart).unwrap();
    fdt.end_node(soc).unwrap();
    fdt.end_node(root).unwrap();
    fdt.finish().unwrap()
}

fn config(pcpus: u8) -> BootConfig {
    bulkhead_bootcfg::sample::board(pcpus)
}

#[test]
fn reads_a_qemu_like_tree() {
    let dtb = write_tree(&qemu_like(8));
    let facts = read_platform(&dtb).unwrap();
    assert_eq!(facts.cpu_count, 8);
    assert_eq!(facts.cpu_mpidrs.as_slice(), &[0, 1, 2, 3, 4, 5, 6, 7]);
    assert_eq!(facts.ram.as_slice(), &[PhysRange { base: PhysAddr::new(0x4000_0000), size: 0x4000_0000 }]);
    assert_eq!(facts.gicv3, Some((PhysAddr::new(0x0800_0000), PhysAddr::new(0x080a_0000))));
    assert_eq!(facts.uarts.as_slice(), &[(UartKind::Pl011, PhysAddr::new(0x0900_0000))]);
    assert_eq!(facts.bootargs, Some("bulkhead.selftest=none"));
    assert_eq!(cross_check(&facts, &config(8)), Ok(()));
}

#[test]
fn reads_one_cell_soc_bus_like_imx8mp() {
    let spec = TreeSpec {
        cpus: 4,
        ram: (0x4000_0000, 0xc000_0000),
        gic: Some((0x3880_0000, 0x3888_0000)),
        uart: ("fsl,imx8mp-uart", 0x3089_0000),
        soc_one_cell: true,
    };
    let dtb = write_tree(&spec);
    let facts = read_platform(&dtb).unwrap();
    assert_eq!(facts.gicv3, Some((PhysAddr::new(0x3880_0000), PhysAddr::new(0x3888_0000))));
    assert_eq!(facts.uarts.as_slice(), &[(UartKind::ImxUart, PhysAddr::new(0x3089_0000))]);
}

#[test]
fn fewer_cpus_than_the_board_is_refused() {
    let facts_dtb = write_tree(&qemu_like(4));
    let facts = read_platform(&facts_dtb).unwrap();
    let err = cross_check(&facts, &config(8)).unwrap_err();
    assert_eq!(err, BootError::CpuCountMismatch { board: 8, dtb: 4 });
    assert!(err.to_string().contains("the board file says 8 CPUs but the device tree has 4"));
}

#[test]
fn less_ram_than_the_board_is_refused() {
    let mut spec = qemu_like(8);
    spec.ram.1 = 0x2000_0000;
    let facts_dtb = write_tree(&spec);
    let facts = read_platform(&facts_dtb).unwrap();
    assert!(matches!(cross_check(&facts, &config(8)), Err(BootError::RamMismatch { .. })));
}

#[test]
fn a_gic_elsewhere_or_missing_is_refused() {
    let mut spec = qemu_like(8);
    spec.gic = Some((0x0800_0000, 0x0810_0000));
    let dtb = write_tree(&spec);
    assert!(matches!(
        cross_check(&read_platform(&dtb).unwrap(), &config(8)),
        Err(BootError::GicMismatch { dtb: Some(_), .. })
    ));
    spec.gic = None;
    let dtb = write_tree(&spec);
    assert!(matches!(
        cross_check(&read_platform(&dtb).unwrap(), &config(8)),
        Err(BootError::GicMismatch { dtb: None, .. })
    ));
}

#[test]
fn a_console_of_another_model_is_refused() {
    let mut spec = qemu_like(8);
    spec.uart = ("fsl,imx8mp-uart", 0x0900_0000);
    let dtb = write_tree(&spec);
    assert_eq!(
        cross_check(&read_platform(&dtb).unwrap(), &config(8)),
        Err(BootError::ConsoleMissing { base: PhysAddr::new(0x0900_0000) })
    );
}

#[test]
fn garbage_is_not_a_tree() {
    assert_eq!(read_platform(&[0u8; 64]), Err(DtbError::Malformed));
    let mut dtb = write_tree(&qemu_like(2));
    dtb.truncate(40);
    assert_eq!(read_platform(&dtb), Err(DtbError::Malformed));
}

#[test]
fn banner_reports_online_cpus_and_domains() {
    let mut cfg = config(8);
    let mut counter = bulkhead_bootcfg::sample::domain("counter", &[3], 0x4200_0000);
    counter.image.size = 1234;
    cfg.domains.push(counter).unwrap();
    let text = Banner { version: "0.1.0", config: &cfg, online: 8 }.to_string();
    assert!(text.contains("pCPUs:   8 online of 8"), "{text}");
    assert!(text.contains("board:   qemu-virt"), "{text}");
    assert!(text.contains("counter      vCPUs 1 on pCPU 3, RAM 2048 KiB, devices 0, image 1234 bytes"), "{text}");
}
