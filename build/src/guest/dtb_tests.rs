// SPDX-License-Identifier: MIT
//! Tests of the Linux guest device tree: the tree is parsed back with the
//! `fdt` crate and every node and property is checked; a golden text dump
//! pins the whole tree (`BULKHEAD_BLESS=1` rewrites it).

use super::*;
use fdt::Fdt;
use fdt::node::FdtNode;

fn spec() -> LinuxDtbSpec {
    LinuxDtbSpec {
        model: "Bulkhead domain linux".into(),
        ram: vec![Range { base: 0x4000_0000, size: 0x1000_0000 }, Range { base: 0x8000_0000, size: 0x20_0000 }],
        vcpus: 2,
        gic: GicSpec { distributor: 0x0800_0000, redistributors: 0x080a_0000 },
        console: ConsoleSpec { base: 0x0900_0000, intid: 33 },
        bootargs: "console=ttyAMA0 panic=-1 bulkhead.test=workload,poweroff".into(),
        initrd: Some(Range { base: 0x4800_0000, size: 0x12_3456 }),
        devices: vec![DeviceSpec {
            name: "virtio0".into(),
            compatible: vec!["virtio,mmio".into()],
            reg: Range { base: 0x0a00_3e00, size: 0x200 },
            intids: vec![79],
        }],
        channels: vec![ChannelSpec { name: "ab".into(), reg: Range { base: 0x5000_0000, size: 0x1_0000 } }],
    }
}

fn cells(node: FdtNode<'_, '_>, name: &str) -> Vec<u32> {
    let p = node.property(name).unwrap_or_else(|| panic!("{} has no {name}", node.name));
    p.value.chunks(4).map(|c| u32::from_be_bytes(c.try_into().unwrap())).collect()
}

fn u64s(node: FdtNode<'_, '_>, name: &str) -> Vec<u64> {
    let p = node.property(name).unwrap_or_else(|| panic!("{} has no {name}", node.name));
    p.value.chunks(8).map(|c| u64::from_be_bytes(c.try_into().unwrap())).collect()
}

fn strings<'a>(node: FdtNode<'_, 'a>, name: &str) -> Vec<&'a str> {
    let p = node.property(name).unwrap_or_else(|| panic!("{} has no {name}", node.name));
    p.value.split(|&b| b == 0).filter(|s| !s.is_empty()).map(|s| std::str::from_utf8(s).unwrap()).collect()
}

fn node<'b, 'a>(fdt: &'b Fdt<'a>, path: &str) -> FdtNode<'b, 'a> {
    fdt.find_node(path).unwrap_or_else(|| panic!("no node {path}"))
}

#[test]
fn root_memory_and_cpus() {
    let bytes = linux_dtb(&spec()).unwrap();
    let fdt = Fdt::new(&bytes).unwrap();
    let root = node(&fdt, "/");
    assert_eq!(cells(root, "#address-cells"), [2]);
    assert_eq!(cells(root, "#size-cells"), [2]);
    assert_eq!(strings(root, "model"), ["Bulkhead domain linux"]);
    assert_eq!(cells(root, "interrupt-parent"), [PHANDLE_GIC]);
    let ram = node(&fdt, "/memory@40000000");
    assert_eq!(strings(ram, "device_type"), ["memory"]);
    assert_eq!(u64s(ram, "reg"), [0x4000_0000, 0x1000_0000]);
    assert_eq!(u64s(node(&fdt, "/memory@80000000"), "reg"), [0x8000_0000, 0x20_0000]);

    let cpus = node(&fdt, "/cpus");
    assert_eq!(cells(cpus, "#address-cells"), [1]);
    assert_eq!(cells(cpus, "#size-cells"), [0]);
    assert_eq!(cpus.children().count(), 2);
    for i in 0..2u32 {
        let cpu = node(&fdt, &format!("/cpus/cpu@{i}"));
        assert_eq!(cells(cpu, "reg"), [i], "compact MPIDRs");
        assert_eq!(strings(cpu, "device_type"), ["cpu"]);
        assert_eq!(strings(cpu, "compatible"), ["arm,armv8"]);
        assert_eq!(strings(cpu, "enable-method"), ["psci"]);
    }
    let psci = node(&fdt, "/psci");
    assert_eq!(strings(psci, "compatible"), ["arm,psci-1.0", "arm,psci-0.2"]);
    assert_eq!(strings(psci, "method"), ["hvc"]);
}

#[test]
fn gic_and_timer() {
    let bytes = linux_dtb(&spec()).unwrap();
    let fdt = Fdt::new(&bytes).unwrap();
    let gic = node(&fdt, "/intc@8000000");
    assert_eq!(strings(gic, "compatible"), ["arm,gic-v3"]);
    assert_eq!(cells(gic, "#interrupt-cells"), [3]);
    assert!(gic.property("interrupt-controller").is_some_and(|p| p.value.is_empty()));
    assert_eq!(u64s(gic, "reg"), [0x0800_0000, 0x1_0000, 0x080a_0000, 2 * 0x2_0000]);
    assert_eq!(cells(gic, "phandle"), [PHANDLE_GIC]);
    assert_eq!(gic.children().count(), 0, "no ITS");
    assert!(fdt.find_compatible(&["arm,gic-v3-its"]).is_none());

    let timer = node(&fdt, "/timer");
    assert_eq!(strings(timer, "compatible"), ["arm,armv8-timer"]);
    assert_eq!(cells(timer, "interrupts"), [1, 13, 0xf04, 1, 14, 0xf04, 1, 11, 0xf04, 1, 10, 0xf04]);
}

#[test]
fn console_and_its_clock() {
    let bytes = linux_dtb(&spec()).unwrap();
    let fdt = Fdt::new(&bytes).unwrap();
    let uart = node(&fdt, "/pl011@9000000");
    assert_eq!(strings(uart, "compatible"), ["arm,pl011", "arm,primecell"]);
    assert_eq!(u64s(uart, "reg"), [0x0900_0000, 0x1000]);
    assert_eq!(cells(uart, "interrupts"), [0, 1, 4], "INTID 33 is SPI 1");
    assert_eq!(cells(uart, "clocks"), [PHANDLE_CLOCK, PHANDLE_CLOCK]);
    assert_eq!(strings(uart, "clock-names"), ["uartclk", "apb_pclk"]);
    assert_eq!(cells(uart, "arm,primecell-periphid"), [PL011_PERIPHID]);
    let clock = fdt.find_phandle(PHANDLE_CLOCK).expect("the clock's phandle");
    assert_eq!(clock.name, "apb-pclk");
    assert_eq!(strings(clock, "compatible"), ["fixed-clock"]);
    assert_eq!(cells(clock, "#clock-cells"), [0]);
    assert_eq!(cells(clock, "clock-frequency"), [24_000_000]);
    assert_eq!(fdt.aliases().and_then(|a| a.resolve("serial0")), Some("/pl011@9000000"));
}

#[test]
fn chosen_devices_and_channels() {
    let bytes = linux_dtb(&spec()).unwrap();
    let fdt = Fdt::new(&bytes).unwrap();
    let chosen = node(&fdt, "/chosen");
    assert_eq!(fdt.chosen().bootargs(), Some("console=ttyAMA0 panic=-1 bulkhead.test=workload,poweroff"));
    assert_eq!(strings(chosen, "stdout-path"), ["/pl011@9000000"]);
    assert_eq!(fdt.chosen().stdout().map(|n| n.name), Some("pl011@9000000"));
    assert_eq!(u64s(chosen, "linux,initrd-start"), [0x4800_0000]);
    assert_eq!(u64s(chosen, "linux,initrd-end"), [0x4812_3456]);

    let virtio = node(&fdt, "/virtio0@a003e00");
    assert_eq!(strings(virtio, "compatible"), ["virtio,mmio"]);
    assert_eq!(u64s(virtio, "reg"), [0x0a00_3e00, 0x200]);
    assert_eq!(cells(virtio, "interrupts"), [0, 47, 4]);

    let channel = node(&fdt, "/channel@50000000");
    assert_eq!(strings(channel, "compatible"), ["bulkhead,channel"]);
    assert_eq!(u64s(channel, "reg"), [0x5000_0000, 0x1_0000]);
    assert_eq!(strings(channel, "bulkhead,name"), ["ab"]);
}

#[test]
fn no_initrd_no_initrd_properties() {
    let bytes = linux_dtb(&LinuxDtbSpec { initrd: None, ..spec() }).unwrap();
    let fdt = Fdt::new(&bytes).unwrap();
    assert!(node(&fdt, "/chosen").property("linux,initrd-start").is_none());
}

#[test]
fn wrong_specs_are_refused_with_a_reason() {
    let err = |s: LinuxDtbSpec| linux_dtb(&s).unwrap_err().to_string();
    assert!(err(LinuxDtbSpec { vcpus: 0, ..spec() }).contains("1 to 512 vCPUs"));
    assert!(err(LinuxDtbSpec { ram: vec![], ..spec() }).contains("needs RAM"));
    assert!(
        err(LinuxDtbSpec { console: ConsoleSpec { base: 0x0900_0000, intid: 27 }, ..spec() }).contains("not an SPI")
    );
    let mut twice = spec();
    twice.channels[0].reg.base = 0x0900_0000;
    twice.channels[0].reg.size = 0x1000;
    twice.devices[0].name = "pl011".into();
    twice.devices[0].reg.base = 0x0900_0000;
    assert!(err(twice).contains("`pl011@9000000`"));
    let mut bad_name = spec();
    bad_name.devices[0].name = "Virtio 0".into();
    assert!(err(bad_name).contains("not a device-tree node name"));
}

/// A property value as `"strings"`, `<cells>` or `[bytes]`.
fn show_value(v: &[u8]) -> String {
    let words: Vec<&[u8]> = v.strip_suffix(&[0]).map(|s| s.split(|&b| b == 0).collect()).unwrap_or_default();
    if !words.is_empty() && words.iter().all(|w| !w.is_empty() && w.iter().all(|b| b.is_ascii_graphic() || *b == b' '))
    {
        let quoted: Vec<String> = words.iter().map(|w| format!("{:?}", String::from_utf8_lossy(w))).collect();
        quoted.join(", ")
    } else if !v.is_empty() && v.len().is_multiple_of(4) {
        let cells: Vec<String> =
            v.chunks(4).map(|c| format!("{:#x}", u32::from_be_bytes(c.try_into().unwrap()))).collect();
        format!("<{}>", cells.join(" "))
    } else {
        let hex: Vec<String> = v.iter().map(|b| format!("{b:02x}")).collect();
        format!("[{}]", hex.join(" "))
    }
}

/// A text rendering of the tree: one line per node and property, values in hex.
fn dump(n: FdtNode<'_, '_>, depth: usize, out: &mut String) {
    let indent = "  ".repeat(depth);
    out.push_str(&format!("{indent}{} {{\n", if n.name.is_empty() { "/" } else { n.name }));
    for p in n.properties() {
        out.push_str(&format!("{indent}  {} = {}\n", p.name, show_value(p.value)));
    }
    for child in n.children() {
        dump(child, depth + 1, out);
    }
    out.push_str(&format!("{indent}}}\n"));
}

#[test]
fn golden_and_deterministic() {
    let bytes = linux_dtb(&spec()).unwrap();
    assert_eq!(bytes, linux_dtb(&spec()).unwrap(), "the same spec gives the same bytes");
    let fdt = Fdt::new(&bytes).unwrap();
    let mut text = format!("total_size = {}\n", fdt.total_size());
    dump(node(&fdt, "/"), 0, &mut text);
    let golden = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/guest/testdata/linux-dtb.golden");
    if std::env::var_os("BULKHEAD_BLESS").is_some() {
        std::fs::write(&golden, &text).unwrap();
    }
    let expected = std::fs::read_to_string(&golden).unwrap_or_default();
    assert!(
        text == expected,
        "the device tree differs from {} (BULKHEAD_BLESS=1 rewrites it after a deliberate change):\n{text}",
        golden.display()
    );
}
