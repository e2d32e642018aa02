// SPDX-License-Identifier: MIT
//! Host tests of the board-file parser and validator: one test per kind of
//! error, each asserting the message and the line it points at. The line is
//! the one carrying the `# <-` marker in the edited fixture.

use xtask::board::{self, ImageResolver, ImageSource, Report};

const BASE: &str = r#"
[board]
name = "test"
cpus = 4
ram = { base = 0x4000_0000, size = "256 MiB" }

[board.gic]
version = 3
distributor = 0x0800_0000
redistributors = 0x080a_0000
maintenance_irq = 25

[board.console]
uart = "pl011"
base = 0x0900_0000
irq = 33

[kernel]
base = 0x4020_0000
size = "8 MiB"
sgis = [0, 1]

[[device]]
name = "rtc"
compatible = "arm,pl031"
base = 0x0901_0000
size = "4 KiB"
irqs = [34]

[[device]]
name = "gpio"
compatible = "arm,pl061"
base = 0x0903_0000
size = "4 KiB"
irqs = [39]

[[device]]
name = "virtio0"
compatible = "virtio,mmio"
base = 0x0a00_3e00
size = 0x200
irqs = [79]

[[device]]
name = "virtio1"
compatible = "virtio,mmio"
base = 0x0a00_3c00
size = 0x200
irqs = [78]

[[domain]]
name = "alpha"
image = "hello"
cpus = [1]
memory = [{ ipa = 0x4000_0000, size = "2 MiB" }]
devices = ["rtc", "virtio0"]

[[domain]]
name = "beta"
image = "counter"
cpus = [2]
memory = [{ ipa = 0x4000_0000, size = "2 MiB" }]
devices = ["gpio"]

[[channel]]
name = "ab"
size = "64 KiB"
ends = [{ domain = "alpha", ipa = 0x5000_0000 }, { domain = "beta", ipa = 0x5000_0000 }]
"#;

struct Images;

impl ImageResolver for Images {
    fn resolve(&self, name: &str) -> Option<ImageSource> {
        ["hello", "counter"].contains(&name).then(|| ImageSource::Crate(name.to_string()))
    }
    fn known(&self) -> Vec<String> {
        vec!["counter".into(), "hello".into()]
    }
}

fn edit(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "fixture lacks `{from}`");
    BASE.replacen(from, to, 1)
}

fn errors(source: &str) -> Report {
    match board::load("test.toml", source, &Images) {
        Ok(_) => panic!("board was accepted:\n{source}"),
        Err(report) => report,
    }
}

/// Asserts that some diagnostic contains `message` and points at the
/// marked line.
fn assert_error(source: &str, message: &str) {
    let report = errors(source);
    let marked = source.lines().position(|l| l.contains("# <-")).expect("fixture has a marker") + 1;
    let found = report.diagnostics.iter().find(|d| d.message.contains(message));
    let Some(d) = found else {
        panic!("no error containing `{message}`; got:\n{}", report.render());
    };
    assert_eq!(report.position(d).0, marked, "wrong line for `{message}`:\n{}", report.render());
    assert!(d.help.is_some(), "no help for `{message}`");
    let rendered = report.render();
    assert!(rendered.contains(&format!("--> test.toml:{marked}:")), "{rendered}");
}

#[test]
fn the_fixture_is_valid_and_placed_above_the_kernel() {
    let valid = board::load("test.toml", BASE, &Images).unwrap_or_else(|r| panic!("{}", r.render()));
    let c = &valid.config;
    assert_eq!(c.domains.len(), 2);
    assert_eq!(c.domains[0].ram[0].phys.raw(), 0x40a0_0000, "first domain right after the kernel, 2 MiB aligned");
    assert_eq!(c.domains[1].ram[0].phys.raw(), 0x40c0_0000);
    assert_eq!(c.channels[0].window.base.raw(), 0x40e0_0000);
    assert_eq!(c.reserved_irqs.as_slice(), &[0, 1, 25, 33]);
    assert_eq!(valid.images, vec![ImageSource::Crate("hello".into()), ImageSource::Crate("counter".into())]);
}

#[test]
fn overlapping_memory_regions() {
    let src = edit(
        r#"memory = [{ ipa = 0x4000_0000, size = "2 MiB" }]
devices = ["gpio"]"#,
        r#"memory = [{ ipa = 0x4000_0000, size = "2 MiB", phys = 0x4060_0000 }] # <-
devices = ["gpio"]"#,
    );
    assert_error(&src, "overlaps the kernel's region");
}

#[test]
fn memory_outside_ram() {
    let src = edit(
        r#"memory = [{ ipa = 0x4000_0000, size = "2 MiB" }]
devices = ["gpio"]"#,
        r#"memory = [{ ipa = 0x4000_0000, size = "2 MiB", phys = 0x8000_0000 }] # <-
devices = ["gpio"]"#,
    );
    assert_error(&src, "falls outside the board's RAM");
}

#[test]
fn pcpu_pinned_twice() {
    let src = edit("cpus = [2]", "cpus = [1] # <-");
    assert_error(&src, "pCPU 1 is pinned twice");
}

#[test]
fn cpu_index_beyond_the_board() {
    let src = edit("cpus = [2]", "cpus = [4] # <-");
    assert_error(&src, "pCPU 4 does not exist: the board has 4 CPUs");
}

#[test]
fn interrupt_owned_twice() {
    let src = edit("irqs = [39]", "irqs = [34] # <-");
    assert_error(&src, "interrupt 34 is owned twice");
}

#[test]
fn interrupt_reserved_for_the_console() {
    let src = edit("irqs = [39]", "irqs = [33] # <-");
    assert_error(&src, "interrupt 33 is reserved by the kernel: it is the kernel's console UART");
}

#[test]
fn interrupt_reserved_for_maintenance_and_sgis() {
    let src = edit("devices = [\"gpio\"]", "devices = [\"gpio\"]\nirqs = [25] # <-");
    assert_error(&src, "interrupt 25 is reserved by the kernel: it is the GIC maintenance interrupt");
    let src = edit("devices = [\"gpio\"]", "devices = [\"gpio\"]\nirqs = [1] # <-");
    assert_error(&src, "interrupt 1 is reserved by the kernel: it is one of the kernel's SGIs");
}

#[test]
fn ppis_are_not_owned() {
    let src = edit("devices = [\"gpio\"]", "devices = [\"gpio\"]\nirqs = [27] # <-");
    assert_error(&src, "interrupt 27 is a PPI");
}

#[test]
fn devices_of_two_domains_on_one_page_are_accepted() {
    // The page is mapped into neither: each domain's accesses to its own
    // device trap and the kernel performs them (`kernel_core::shared_mmio`).
    let src = edit("devices = [\"gpio\"]", "devices = [\"gpio\", \"virtio1\"]");
    if let Err(report) = board::load("test.toml", &src, &Images) {
        panic!("refused:\n{}", report.render());
    }
}

#[test]
fn device_owned_twice() {
    let src = edit("devices = [\"gpio\"]", "devices = [\"rtc\"] # <-");
    assert_error(&src, "device `rtc` is owned twice");
}

#[test]
fn missing_device() {
    let src = edit("devices = [\"gpio\"]", "devices = [\"gpoi\"] # <-");
    assert_error(&src, "owns device `gpoi`, but no [[device]] has that name");
}

#[test]
fn channel_to_a_missing_domain() {
    let src = edit(
        r#"ends = [{ domain = "alpha", ipa = 0x5000_0000 }, { domain = "beta", ipa = 0x5000_0000 }]"#,
        r#"ends = [{ domain = "alpha", ipa = 0x5000_0000 }, { domain = "gamma", ipa = 0x5000_0000 }] # <-"#,
    );
    assert_error(&src, "channel `ab` names domain `gamma`, which does not exist");
}

#[test]
fn domain_without_cpu() {
    let src = edit("cpus = [2]", "cpus = [] # <-");
    assert_error(&src, "domain `beta` has no CPU");
}

#[test]
fn missing_image() {
    let src = edit("image = \"counter\"", "image = \"countr\" # <-");
    assert_error(&src, "domain `beta`: image `countr` not found");
}

#[test]
fn guest_address_space_overlap() {
    let src = edit(
        r#"ends = [{ domain = "alpha", ipa = 0x5000_0000 }, { domain = "beta", ipa = 0x5000_0000 }]"#,
        r#"ends = [{ domain = "alpha", ipa = 0x4010_0000 }, { domain = "beta", ipa = 0x5000_0000 }] # <-"#,
    );
    assert_error(&src, "in domain `alpha`'s address space, channel `ab`");
}

#[test]
fn unknown_key_is_rejected() {
    let src = edit("cpus = [2]", "cpus = [2]\ncpu_affinity = 3 # <-");
    assert_error(&src, "unknown field `cpu_affinity`");
}

#[test]
fn malformed_toml_is_an_error_not_a_panic() {
    let src = edit("cpus = [2]", "cpus = [2 # <-");
    let report = errors(&src);
    assert_eq!(report.diagnostics.len(), 1);
    let line = report.position(&report.diagnostics[0]).0;
    let marked = src.lines().position(|l| l.contains("# <-")).unwrap() + 1;
    assert!(line == marked || line == marked + 1, "syntax error reported at line {line}, marker at {marked}");
}

#[test]
fn wrong_type_points_at_the_value() {
    let src = edit("cpus = 4", "cpus = \"four\" # <-");
    assert_error(&src, "invalid type");
}

#[test]
fn bad_size_unit() {
    let src = edit("size = \"64 KiB\"", "size = \"64 KB\" # <-");
    assert_error(&src, "unknown unit `KB`");
}

#[test]
fn duplicate_domain_names() {
    let src = edit("name = \"beta\"", "name = \"alpha\" # <-");
    assert_error(&src, "domain `alpha` is declared twice");
}

#[test]
fn every_error_is_reported_at_once() {
    let src = edit("cpus = [2]", "cpus = [9]").replacen("image = \"hello\"", "image = \"nope\"", 1);
    let report = errors(&src);
    assert!(report.diagnostics.len() >= 2, "{}", report.render());
    assert!(report.render().ends_with("test.toml: 2 errors in the board file\n"), "{}", report.render());
}

#[test]
fn real_boards_pass() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    for name in ["qemu-virt", "imx8mp-evk"] {
        let source = std::fs::read_to_string(root.join("boards").join(format!("{name}.toml"))).unwrap();
        let valid = board::load(name, &source, &Images).unwrap_or_else(|r| panic!("{}", r.render()));
        assert_eq!(valid.config.board.as_str(), name);
    }
}

#[test]
fn kernel_devices_cannot_be_granted() {
    let src = edit("base = 0x0903_0000", "base = 0x0800_0000 # <-");
    assert_error(&src, "overlaps the GIC distributor");
    let src = edit("base = 0x0903_0000", "base = 0x080c_0000 # <-");
    assert_error(&src, "overlaps the GIC redistributors");
    let src = edit("base = 0x0903_0000", "base = 0x0900_0800 # <-");
    assert_error(&src, "overlaps the kernel's console UART");
}

#[test]
fn the_its_is_kernel_owned_when_the_board_has_one() {
    // QEMU virt's ITS: 0x0808_0000, 128 KiB. Without `its`, the board says
    // it has none and a device there is the board's business.
    let src = edit("base = 0x0903_0000", "base = 0x0809_0000");
    board::load("test.toml", &src, &Images).unwrap_or_else(|r| panic!("{}", r.render()));
    let src = edit("maintenance_irq = 25", "maintenance_irq = 25\nits = 0x0808_0000").replacen(
        "base = 0x0903_0000",
        "base = 0x0809_0000 # <-",
        1,
    );
    assert_error(&src, "device `gpio` at 0x8090000..0x8091000 overlaps the GIC ITS at 0x8080000..0x80a0000");
    // A board that keeps it passes, and its ITS reaches the configuration
    // (the kernel refuses any grant over it at boot too).
    let src = edit("maintenance_irq = 25", "maintenance_irq = 25\nits = 0x0808_0000");
    let valid = board::load("test.toml", &src, &Images).unwrap_or_else(|r| panic!("{}", r.render()));
    assert_eq!(valid.config.gic.its.map(|a| a.raw()), Some(0x0808_0000));
    let valid = board::load("test.toml", BASE, &Images).unwrap_or_else(|r| panic!("{}", r.render()));
    assert_eq!(valid.config.gic.its, None);
    let src = edit("maintenance_irq = 25", "maintenance_irq = 25\nits = 0x0808_1000 # <-");
    assert_error(&src, "the ITS base 0x8081000 is not 64 KiB aligned");
}

#[test]
fn guest_addresses_beyond_the_guest_address_space() {
    let src = edit(
        r#"memory = [{ ipa = 0x4000_0000, size = "2 MiB" }]
devices = ["gpio"]"#,
        r#"memory = [{ ipa = 0x10_0000_0000, size = "2 MiB" }] # <-
devices = ["gpio"]"#,
    );
    assert_error(&src, "guest address 0x1000000000 (+2 MiB) is beyond 64 GiB");
}

#[test]
fn huge_devices_are_refused_quickly() {
    let src = edit("size = \"4 KiB\"\nirqs = [39]", "size = 0xffff_ffff_ffff # <-\nirqs = [39]");
    assert_error(&src, "device `gpio` has size");
}

#[test]
fn domain_interrupts_reach_the_configuration() {
    let src = edit("devices = [\"gpio\"]", "devices = [\"gpio\"]\nirqs = [40, 41]");
    let valid = board::load("test.toml", &src, &Images).unwrap_or_else(|r| panic!("{}", r.render()));
    assert_eq!(valid.config.domains[1].irqs.as_slice(), &[40, 41]);
}

#[test]
fn interrupts_and_device_model_ranges_get_capability_slots() {
    use bulkhead_bootcfg::Capability;
    let src = edit(
        r#"devices = ["gpio"]"#,
        r#"devices = ["gpio"]
irqs = [40]
device_model = [{ target = "alpha", mmio = [{ ipa = 0x0b00_0000, size = "4 KiB" }, { ipa = 0x0b00_2000, size = "8 KiB" }] }]"#,
    );
    let valid = board::load("test.toml", &src, &Images).unwrap_or_else(|r| panic!("{}", r.render()));
    let caps = valid.config.domains[1].caps.as_slice();
    assert_eq!(
        caps,
        &[
            Capability::Console,
            Capability::Channel { channel: 0, end: 1 },
            Capability::Device { device: 0 },
            Capability::Irq { intid: 40 },
            Capability::DmTarget { target: 0, ipa: bulkhead_abi::Ipa::new(0x0b00_0000), size: 0x1000, timeout_ms: 50 },
            Capability::DmTarget { target: 0, ipa: bulkhead_abi::Ipa::new(0x0b00_2000), size: 0x2000, timeout_ms: 50 },
        ]
    );
}

#[test]
fn device_model_of_an_unknown_domain() {
    let src = edit(
        r#"devices = ["gpio"]"#,
        r#"devices = ["gpio"]
device_model = [{ target = "gamma", mmio = [{ ipa = 0x0a00_0000, size = "4 KiB" }] }] # <-"#,
    );
    assert_error(&src, "models devices for `gamma`, but no domain has that name");
}

#[test]
fn device_model_of_itself() {
    let src = edit(
        r#"devices = ["gpio"]"#,
        r#"devices = ["gpio"]
device_model = [{ target = "beta", mmio = [{ ipa = 0x0a00_0000, size = "4 KiB" }] }] # <-"#,
    );
    assert_error(&src, "cannot be its own device model");
}

#[test]
fn device_model_range_over_the_targets_ram() {
    let src = edit(
        r#"devices = ["gpio"]"#,
        r#"devices = ["gpio"]
device_model = [{ target = "alpha", mmio = [{ ipa = 0x4010_0000, size = "4 KiB" }] }] # <-"#,
    );
    assert_error(&src, "overlaps memory[0] at 0x40000000..0x40200000 in domain `alpha`");
}

#[test]
fn device_model_range_misaligned() {
    let src = edit(
        r#"devices = ["gpio"]"#,
        r#"devices = ["gpio"]
device_model = [{ target = "alpha", mmio = [{ ipa = 0x0a00_0100, size = "4 KiB" }] }] # <-"#,
    );
    assert_error(&src, "0xa000100");
}

#[test]
fn a_range_emulated_twice() {
    let src = edit(
        r#"devices = ["gpio"]"#,
        r#"devices = ["gpio"]
device_model = [{ target = "alpha", mmio = [{ ipa = 0x0a00_0000, size = "8 KiB" }] }, { target = "alpha", mmio = [{ ipa = 0x0a00_1000, size = "4 KiB" }] }] # <-"#,
    );
    assert_error(&src, "is emulated twice");
}

#[test]
fn kept_memory_is_placed_mapped_and_last_in_the_capability_table() {
    use bulkhead_bootcfg::Capability;
    let src = edit(
        r#"devices = ["gpio"]"#,
        r#"devices = ["gpio"]
kept = { ipa = 0x4100_0000, size = "8 KiB" }"#,
    );
    let valid = board::load("test.toml", &src, &Images).unwrap_or_else(|r| panic!("{}", r.render()));
    let caps = valid.config.domains[1].caps.as_slice();
    let Some(&Capability::Kept { ipa, phys, size }) = caps.last() else { panic!("no kept memory last: {caps:?}") };
    assert_eq!((ipa.raw(), size), (0x4100_0000, 0x2000));
    // Placed right after the domains' RAM, apart from it and from the
    // channel window.
    assert_eq!(phys.raw(), 0x40e0_0000);
    let apart = |base: u64, len: u64| phys.raw() + size <= base || base + len <= phys.raw();
    for d in &valid.config.domains {
        for r in &d.ram {
            assert!(apart(r.phys.raw(), r.size));
        }
    }
    let window = valid.config.channels[0].window;
    assert!(apart(window.base.raw(), window.size));
}

#[test]
fn kept_memory_over_the_domains_ram() {
    let src = edit(
        r#"devices = ["gpio"]"#,
        r#"devices = ["gpio"]
kept = { ipa = 0x4010_0000, size = "4 KiB" } # <-"#,
    );
    assert_error(&src, "overlaps memory[0]");
}

#[test]
fn kept_memory_too_large_or_not_whole_pages() {
    let src = edit(
        r#"devices = ["gpio"]"#,
        r#"devices = ["gpio"]
kept = { ipa = 0x4100_0000,
         size = "2 MiB" } # <-"#,
    );
    assert_error(&src, "kept memory of 0x200000 bytes is not 4 KiB to 1 MiB");
    let src = edit(
        r#"devices = ["gpio"]"#,
        r#"devices = ["gpio"]
kept = { ipa = 0x4100_0000,
         size = 0x1800 } # <-"#,
    );
    assert_error(&src, "kept memory");
}

#[test]
fn kept_memory_unknown_key() {
    let src = edit(
        r#"devices = ["gpio"]"#,
        r#"devices = ["gpio"]
kept = { ipa = 0x4100_0000, size = "4 KiB", phys = 0x4f00_0000 } # <-"#,
    );
    let report = errors(&src);
    assert!(report.render().contains("phys"), "{}", report.render());
}

#[test]
fn a_tracked_range_becomes_a_capability() {
    use bulkhead_bootcfg::Capability;
    let src = edit(
        r#"devices = ["gpio"]"#,
        r#"devices = ["gpio"]
device_model = [{ target = "alpha", mmio = [{ ipa = 0x0b00_0000, size = "4 KiB" }], vram = { ipa = 0x4010_0000, size = "64 KiB" } }]"#,
    );
    let valid = board::load("test.toml", &src, &Images).unwrap_or_else(|r| panic!("{}", r.render()));
    assert!(
        valid.config.domains[1].caps.contains(&Capability::DmVram {
            target: 0,
            ipa: bulkhead_abi::Ipa::new(0x4010_0000),
            size: 0x1_0000
        }),
        "{:?}",
        valid.config.domains[1].caps
    );
}

#[test]
fn a_tracked_range_outside_the_targets_ram() {
    let src = edit(
        r#"devices = ["gpio"]"#,
        r#"devices = ["gpio"]
device_model = [{ target = "alpha", mmio = [{ ipa = 0x0b00_0000, size = "4 KiB" }],
                  vram = { ipa = 0x401f_0000, size = "128 KiB" } }] # <-"#,
    );
    assert_error(&src, "vram 0x401f0000..0x40210000 is not inside one of `alpha`'s memory regions");
}

#[test]
fn a_tracked_range_too_large_or_twice() {
    let src = edit(
        r#"devices = ["gpio"]"#,
        r#"devices = ["gpio"]
device_model = [{ target = "alpha", mmio = [{ ipa = 0x0b00_0000, size = "4 KiB" }], vram = { ipa = 0x4000_0000,
                  size = "32 MiB" } }] # <-"#,
    );
    assert_error(&src, "vram of 0x2000000 bytes is not 4 KiB to 16 MiB");
    let src = edit(
        r#"devices = ["gpio"]"#,
        r#"devices = ["gpio"]
device_model = [{ target = "alpha", mmio = [{ ipa = 0x0b00_0000, size = "4 KiB" }], vram = { ipa = 0x4000_0000, size = "4 KiB" } },
  { target = "alpha", mmio = [{ ipa = 0x0b00_1000, size = "4 KiB" }], vram = { ipa = 0x4001_0000, size = "4 KiB" } }] # <-"#,
    );
    assert_error(&src, "`alpha` has a second tracked range");
}

#[test]
fn params_too_long() {
    let long = "x".repeat(200);
    let src = edit(r#"devices = ["gpio"]"#, &format!("devices = [\"gpio\"]\nparams = \"{long}\" # <-"));
    assert_error(&src, "params are 200 bytes long");
}

#[test]
fn params_reach_the_configuration() {
    let src = edit(r#"devices = ["gpio"]"#, "devices = [\"gpio\"]\nparams = \"keyboard=alpha\"");
    let valid = board::load("test.toml", &src, &Images).unwrap_or_else(|r| panic!("{}", r.render()));
    assert_eq!(valid.config.domains[1].params.as_str(), "keyboard=alpha");
}

// Linux domains: `linux = { image, initrd, cmdline }` instead of `image`.

/// Resolves `guest:Image` and `guest:initramfs` to fixture files (a fake
/// Image header that asks for 32 MiB, a 4 KiB initramfs) and everything
/// else as `cargo xtask check` does, relative to the fixture directory.
struct LinuxImages {
    dir: std::path::PathBuf,
}

impl LinuxImages {
    fn new() -> Self {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("bulkhead-board-check-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut header = vec![0u8; 64];
        header[16..24].copy_from_slice(&(32u64 << 20).to_le_bytes());
        header[56..60].copy_from_slice(b"ARM\x64");
        std::fs::write(dir.join("Image"), &header).unwrap();
        std::fs::write(dir.join("initramfs.cpio.gz"), [0u8; 4096]).unwrap();
        std::fs::write(dir.join("not-an-image"), [0x1f, 0x8b, 8, 0, 0, 0, 0, 0]).unwrap();
        Self { dir }
    }
}

impl Drop for LinuxImages {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl ImageResolver for LinuxImages {
    fn resolve(&self, name: &str) -> Option<ImageSource> {
        Images.resolve(name)
    }
    fn known(&self) -> Vec<String> {
        Images.known()
    }
    fn guest_file(&self, name: &str) -> Result<board::GuestFile, String> {
        let path = match name {
            "guest:Image" => self.dir.join("Image"),
            "guest:initramfs" => self.dir.join("initramfs.cpio.gz"),
            _ => xtask::guest::resolve_file(name, &self.dir)?,
        };
        xtask::board_files::guest_file(&path)
    }
}

const LINUX_LINE: &str =
    r#"linux = { image = "guest:Image", initrd = "guest:initramfs", cmdline = "console=ttyAMA0 panic=-1" }"#;

/// The fixture with `beta` as a Linux domain of 64 MiB.
fn linux_base() -> String {
    edit(
        r#"image = "counter"
cpus = [2]
memory = [{ ipa = 0x4000_0000, size = "2 MiB" }]"#,
        &format!("{LINUX_LINE}\ncpus = [2]\nmemory = [{{ ipa = 0x4000_0000, size = \"64 MiB\" }}]"),
    )
}

fn linux_edit(from: &str, to: &str) -> String {
    let base = linux_base();
    assert!(base.contains(from), "Linux fixture lacks `{from}`");
    base.replacen(from, to, 1)
}

fn assert_linux_error(source: &str, message: &str) {
    let images = LinuxImages::new();
    let report = match board::load("test.toml", source, &images) {
        Ok(_) => panic!("board was accepted:\n{source}"),
        Err(report) => report,
    };
    let marked = source.lines().position(|l| l.contains("# <-")).expect("fixture has a marker") + 1;
    let Some(d) = report.diagnostics.iter().find(|d| d.message.contains(message)) else {
        panic!("no error containing `{message}`; got:\n{}", report.render());
    };
    assert_eq!(report.position(d).0, marked, "wrong line for `{message}`:\n{}", report.render());
    assert!(d.help.is_some(), "no help for `{message}`");
}

#[test]
fn a_linux_domain_cannot_have_kept_memory() {
    let src =
        linux_edit("size = \"64 MiB\" }]", "size = \"64 MiB\" }]\nkept = { ipa = 0x4800_0000, size = \"4 KiB\" } # <-");
    assert_linux_error(&src, "is a Linux domain and cannot have kept memory");
}

#[test]
fn a_linux_domain_is_valid_and_keeps_its_files() {
    let images = LinuxImages::new();
    let valid = board::load("test.toml", &linux_base(), &images).unwrap_or_else(|r| panic!("{}", r.render()));
    assert_eq!(valid.images.len(), 2);
    assert_eq!(
        valid.images[1],
        ImageSource::Linux(board::LinuxImage {
            image: images.dir.join("Image"),
            header: board::image_header::ImageHeader { text_offset: 0, image_size: 32 << 20, flags: 0 },
            image_len: 64,
            initrd: Some(images.dir.join("initramfs.cpio.gz")),
            cmdline: "console=ttyAMA0 panic=-1".into(),
        })
    );
    assert_eq!(valid.config.domains[1].ram[0].size, 64 << 20);
}

#[test]
fn a_linux_domain_packs_its_kernel_initramfs_and_device_tree() {
    let images = LinuxImages::new();
    let valid = board::load("test.toml", &linux_base(), &images).unwrap_or_else(|r| panic!("{}", r.render()));
    let console = valid.config.domains[1].console.expect("a Linux domain has an emulated console");
    assert_eq!((console.ipa.raw(), console.intid), (0x0900_0000, 33));
    assert_eq!(valid.config.domains[0].console, None, "a bare-metal domain has none");
    let ImageSource::Linux(linux) = &valid.images[1] else { panic!("beta is not a Linux domain") };
    let packed = xtask::guest::pack::linux_image(&valid, 1, linux).unwrap();
    // 64 MiB at 0x4000_0000: the kernel 2 MiB in, the device tree in the
    // last 2 MiB, the initramfs just below it.
    assert_eq!((packed.load, packed.entry), (0x4020_0000, 0x4020_0000));
    assert_eq!(packed.mem_end, 0x4020_0000 + (32 << 20), "image_size from the header");
    let dtb_at = 0x4000_0000 + (62 << 20);
    assert_eq!(packed.entry_abi, bulkhead_bootcfg::EntryAbi::Linux { dtb: bulkhead_abi::Ipa::new(dtb_at) });
    assert_eq!(packed.boot_files.len(), 2);
    assert_eq!(packed.boot_files[0].load, dtb_at - 4096, "the 4 KiB initramfs ends at the device tree");
    assert_eq!(packed.boot_files[1].load, dtb_at);
    let dtb = fdt::Fdt::new(&packed.boot_files[1].bytes).unwrap();
    let chosen = dtb.find_node("/chosen").unwrap();
    let u64_of = |name: &str| u64::from_be_bytes(chosen.property(name).unwrap().value.try_into().unwrap());
    assert_eq!((u64_of("linux,initrd-start"), u64_of("linux,initrd-end")), (dtb_at - 4096, dtb_at));
    assert_eq!(dtb.chosen().bootargs(), Some("console=ttyAMA0 panic=-1"));
    assert_eq!(dtb.cpus().count(), 1);
    assert!(dtb.find_node("/pl011@9000000").is_some(), "no console node");
    assert!(dtb.find_node("/memory@40000000").is_some(), "no memory node");
}

#[test]
fn a_linux_domain_may_not_own_its_console_interrupt_or_map_over_its_gic() {
    let src = linux_edit("cpus = [2]\nmemory", "cpus = [2]\nirqs = [33] # <-\nmemory");
    assert_linux_error(&src, "interrupt 33 is the interrupt of `beta`'s emulated console");
    let src = linux_edit(LINUX_LINE, &format!("{LINUX_LINE} # <-")).replacen(
        r#"size = "64 MiB" }]"#,
        r#"size = "64 MiB" }, { ipa = 0x0800_0000, size = "64 KiB" }]"#,
        1,
    );
    assert_linux_error(&src, "the virtual GIC distributor at 0x8000000..0x8010000 overlaps memory[1]");
}

#[test]
fn linux_and_image_together() {
    let src = linux_edit(LINUX_LINE, &format!("image = \"counter\"\n{LINUX_LINE} # <-"));
    assert_linux_error(&src, "domain `beta` has both `image` and `linux`");
}

#[test]
fn neither_image_nor_linux() {
    let src = linux_edit(&format!("name = \"beta\"\n{LINUX_LINE}"), "name = \"beta\" # <-");
    assert_linux_error(&src, "domain `beta` has neither `image` nor `linux`");
}

#[test]
fn unknown_guest_file() {
    let src = linux_edit(LINUX_LINE, &format!("{} # <-", LINUX_LINE.replace("guest:Image", "guest:vmlinux")));
    assert_linux_error(&src, "domain `beta`: kernel `guest:vmlinux` not found");
    let report = board::load("test.toml", &src, &LinuxImages::new()).unwrap_err();
    assert!(report.render().contains("the guest cache holds `guest:Image`, `guest:initramfs`"), "{}", report.render());
}

#[test]
fn missing_kernel_file() {
    let src = linux_edit(LINUX_LINE, &format!("{} # <-", LINUX_LINE.replace("guest:Image", "no/such/Image")));
    assert_linux_error(&src, "domain `beta`: kernel `no/such/Image` not found");
}

#[test]
fn kernel_that_is_not_an_arm64_image() {
    let src = linux_edit(LINUX_LINE, &format!("{} # <-", LINUX_LINE.replace("guest:Image", "not-an-image")));
    assert_linux_error(&src, "not a raw arm64 Linux Image");
}

#[test]
fn missing_initramfs() {
    let src = linux_edit(LINUX_LINE, &format!("{} # <-", LINUX_LINE.replace("guest:initramfs", "guest:initrd")));
    assert_linux_error(&src, "domain `beta`: initramfs `guest:initrd` not found");
}

#[test]
fn command_line_too_long() {
    let long = "x".repeat(3000);
    let src = linux_edit(LINUX_LINE, &format!("{} # <-", LINUX_LINE.replace("console=ttyAMA0 panic=-1", &long)));
    assert_linux_error(&src, "the command line (3000 bytes) is too long");
}

#[test]
fn linux_ram_not_2_mib_aligned() {
    let src = linux_edit(
        r#"memory = [{ ipa = 0x4000_0000, size = "64 MiB" }]"#,
        r#"memory = [{ ipa = 0x4010_0000, size = "64 MiB" }] # <-"#,
    );
    assert_linux_error(&src, "domain `beta` loads Linux at 0x40100000, not 2 MiB aligned");
}

#[test]
fn linux_ram_too_small_for_the_kernel() {
    let src = linux_edit(
        r#"memory = [{ ipa = 0x4000_0000, size = "64 MiB" }]"#,
        r#"memory = [{ ipa = 0x4000_0000, size = "16 MiB" }] # <-"#,
    );
    assert_linux_error(&src, "the first RAM region of domain `beta` (16 MiB) cannot hold its kernel");
}

#[test]
fn unknown_key_in_the_linux_table() {
    let src = linux_edit(LINUX_LINE, r#"linux = { image = "guest:Image", initramfs = "guest:initramfs" } # <-"#);
    assert_linux_error(&src, "unknown field `initramfs`");
}

#[test]
fn a_bare_metal_console_reaches_the_configuration() {
    use bulkhead_bootcfg::VirtualConsole;
    let src = edit("devices = [\"gpio\"]", "devices = [\"gpio\"]\nconsole = \"pl011\"");
    let valid = board::load("test.toml", &src, &Images).unwrap_or_else(|r| panic!("{}", r.render()));
    assert_eq!(valid.config.domains[0].console, None);
    let console = VirtualConsole { ipa: bulkhead_abi::Ipa::new(0x0900_0000), intid: 33 };
    assert_eq!(valid.config.domains[1].console, Some(console));
}

#[test]
fn a_console_domain_cannot_own_its_consoles_interrupt() {
    let src = edit("devices = [\"gpio\"]", "devices = [\"gpio\"]\nconsole = \"pl011\"\nirqs = [33] # <-");
    assert_error(&src, "interrupt 33 is the interrupt of `beta`'s emulated console");
}

#[test]
fn a_console_overlapping_ram_is_refused() {
    let src = edit(
        "memory = [{ ipa = 0x4000_0000, size = \"2 MiB\" }]\ndevices = [\"gpio\"]",
        r#"memory = [{ ipa = 0x4000_0000, size = "2 MiB" }, { ipa = 0x0900_0000, size = "4 KiB" }]
devices = ["gpio"]
console = "pl011" # <-"#,
    );
    let report = errors(&src);
    let rendered = report.render();
    assert!(rendered.contains("the emulated console UART"), "{rendered}");
}

#[test]
fn an_unknown_console_model_is_refused() {
    let src = edit("devices = [\"gpio\"]", "devices = [\"gpio\"]\nconsole = \"16550\" # <-");
    let rendered = errors(&src).render();
    assert!(rendered.contains("unknown variant `16550`"), "{rendered}");
}

#[test]
fn direct_delivery_without_trust_for_liveness_is_refused() {
    let src = edit("name = \"alpha\"", "name = \"alpha\" # <-\ninterrupts = \"direct\"");
    assert_error(&src, "domain `alpha` has `interrupts = \"direct\"`, which this machine cannot contain");
    let report = errors(&src);
    let rendered = report.render();
    assert!(rendered.contains("trusted_for_liveness = true"), "{rendered}");
    let trusted = edit("name = \"alpha\"", "name = \"alpha\"\ninterrupts = \"direct\"\ntrusted_for_liveness = true");
    let valid = board::load("test.toml", &trusted, &Images).unwrap_or_else(|r| panic!("{}", r.render()));
    assert_eq!(valid.config.domains[0].delivery, bulkhead_bootcfg::Delivery::Direct);
}

#[test]
fn max_restarts_reach_the_configuration_with_a_default() {
    let valid = board::load("test.toml", BASE, &Images).unwrap_or_else(|r| panic!("{}", r.render()));
    assert_eq!(valid.config.domains[0].max_restarts, bulkhead_bootcfg::DEFAULT_MAX_RESTARTS);
    let src = edit("cpus = [2]", "cpus = [2]\nmax_restarts = 3");
    let valid = board::load("test.toml", &src, &Images).unwrap_or_else(|r| panic!("{}", r.render()));
    assert_eq!(valid.config.domains[1].max_restarts, 3);
}

#[test]
fn max_restarts_out_of_range_is_refused() {
    let src = edit("cpus = [2]", "cpus = [2]\nmax_restarts = 0 # <-");
    assert_error(&src, "domain `beta` has `max_restarts = 0`");
    let src = edit("cpus = [2]", "cpus = [2]\nmax_restarts = 1001 # <-");
    assert_error(&src, "domain `beta` has `max_restarts = 1001`");
    let src = edit("cpus = [2]", "cpus = [2]\nmax_restarts = -1 # <-");
    assert_error(&src, "invalid value");
}

const CHANNEL_ENDS: &str =
    r#"ends = [{ domain = "alpha", ipa = 0x5000_0000 }, { domain = "beta", ipa = 0x5000_0000 }]"#;

#[test]
fn notify_budget_reaches_the_configuration_with_a_default() {
    let valid = board::load("test.toml", BASE, &Images).unwrap_or_else(|r| panic!("{}", r.render()));
    assert_eq!(valid.config.channels[0].notify_budget, bulkhead_bootcfg::NotifyBudget::DEFAULT);
    let src = edit(CHANNEL_ENDS, &format!("{CHANNEL_ENDS}\nnotify_budget = {{ per_ms = 5, burst = 7 }}"));
    let valid = board::load("test.toml", &src, &Images).unwrap_or_else(|r| panic!("{}", r.render()));
    assert_eq!(valid.config.channels[0].notify_budget, bulkhead_bootcfg::NotifyBudget { per_ms: 5, burst: 7 });
}

#[test]
fn notify_budget_out_of_range_is_refused() {
    let src = edit(CHANNEL_ENDS, &format!("{CHANNEL_ENDS}\nnotify_budget = {{ per_ms = 0, burst = 7 }} # <-"));
    assert_error(&src, "channel `ab` has a notify budget `per_ms = 0`");
    let src = edit(CHANNEL_ENDS, &format!("{CHANNEL_ENDS}\nnotify_budget = {{ per_ms = 5, burst = 0 }} # <-"));
    assert_error(&src, "channel `ab` has a notify budget `burst = 0`");
    let src = edit(CHANNEL_ENDS, &format!("{CHANNEL_ENDS}\nnotify_budget = {{ per_ms = 100001, burst = 1 }} # <-"));
    assert_error(&src, "`per_ms = 100001`");
}

#[test]
fn notify_budget_keys_are_checked() {
    let src =
        edit(CHANNEL_ENDS, &format!("{CHANNEL_ENDS}\nnotify_budget = {{ per_ms = 5, burst = 7, rate = 1 }} # <-"));
    assert_error(&src, "unknown field `rate`");
    let src = edit(CHANNEL_ENDS, &format!("{CHANNEL_ENDS}\nnotify_budget = {{ per_ms = 5 }} # <-"));
    assert_error(&src, "missing field `burst`");
}

#[test]
fn a_gicv2_is_refused_by_check_at_its_version_key() {
    let src = edit("version = 3", "version = 2 # <-");
    assert_error(&src, "board `test` has a GICv2: this kernel drives GICv3 only");
    let report = errors(&src);
    assert_eq!(report.diagnostics.len(), 1, "{}", report.render());
    assert_eq!(
        report.render(),
        "error: board `test` has a GICv2: this kernel drives GICv3 only\n --> test.toml:8:11\n  |\n8 | version = 2 \
         # <-\n  |           ^\n  |\n  = help: GICv2 support is not written yet: `cargo xtask build` cannot make an \
         image for this board\n\ntest.toml: 1 error in the board file\n"
    );
}

#[test]
fn device_model_timeout_outside_its_range() {
    let src = edit(
        r#"devices = ["gpio"]"#,
        r#"devices = ["gpio"]
device_model = [{ target = "alpha", mmio = [{ ipa = 0x0a00_0000, size = "4 KiB" }], timeout_ms = 0 }] # <-"#,
    );
    assert_error(&src, "timeout_ms = 0 is outside 1..=10000");
}

#[test]
fn device_model_interrupts_one_per_range() {
    let src = edit(
        r#"devices = ["gpio"]"#,
        r#"devices = ["gpio"]
device_model = [{ target = "alpha", mmio = [{ ipa = 0x0a00_0000, size = "4 KiB" }], irqs = [48, 49] }] # <-"#,
    );
    assert_error(&src, "1 ranges but 2 interrupts for `alpha`");
}

#[test]
fn device_model_interrupts_must_be_free_spis() {
    for (irq, message) in [
        ("27", "interrupt 27 of an emulated device is not an SPI (32..=1019)"),
        ("25", "interrupt 25 of an emulated device is not an SPI"),
        ("1020", "not an SPI"),
    ] {
        let src = edit(
            r#"devices = ["gpio"]"#,
            &format!(
                r#"devices = ["gpio"]
device_model = [{{ target = "alpha", mmio = [{{ ipa = 0x0a00_0000, size = "4 KiB" }}], irqs = [{irq}] }}] # <-"#
            ),
        );
        assert_error(&src, message);
    }
}

#[test]
fn device_model_interrupts_get_capability_slots() {
    let src = edit(
        r#"devices = ["gpio"]"#,
        r#"devices = ["gpio"]
device_model = [{ target = "alpha", mmio = [{ ipa = 0x0a00_0000, size = "4 KiB" }], irqs = [48] }]"#,
    );
    let valid = board::load("test.toml", &src, &Images).unwrap_or_else(|r| panic!("{}", r.render()));
    let caps = valid.config.domains[1].caps.as_slice();
    assert!(caps.contains(&bulkhead_bootcfg::Capability::DmIrq { target: 0, intid: 48 }), "{caps:?}");
}

#[test]
fn device_model_memory_gets_a_capability_and_a_window() {
    let src = edit(
        r#"devices = ["gpio"]"#,
        r#"devices = ["gpio"]
device_model = [{ target = "alpha", mmio = [{ ipa = 0x0a00_0000, size = "4 KiB" }], memory = true }]"#,
    );
    let valid = board::load("test.toml", &src, &Images).unwrap_or_else(|r| panic!("{}", r.render()));
    let caps = valid.config.domains[1].caps.as_slice();
    assert!(caps.contains(&bulkhead_bootcfg::Capability::DmMemory { target: 0, window: 0 }), "{caps:?}");
}

#[test]
fn device_model_memory_of_a_target_with_two_regions() {
    let src = edit(
        r#"devices = ["gpio"]"#,
        r#"devices = ["gpio"]
device_model = [{ target = "alpha", mmio = [{ ipa = 0x0a00_0000, size = "4 KiB" }], memory = true }] # <-"#,
    );
    let src = src.replacen(
        r#"memory = [{ ipa = 0x4000_0000, size = "2 MiB" }]"#,
        r#"memory = [{ ipa = 0x4000_0000, size = "2 MiB" }, { ipa = 0x6000_0000, size = "2 MiB" }]"#,
        1,
    );
    assert_error(&src, "`alpha` has 2 RAM regions; a device model reaches a target with exactly one");
}
