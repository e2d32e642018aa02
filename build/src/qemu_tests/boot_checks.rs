// SPDX-License-Identifier: MIT
//! Boot, boot errors, the image and the command line: the banner, CPUs and RAM that do not match the board,
//! a corrupt or foreign configuration, a damaged domain image, a panic, defmt output, the i.MX image and
//! `check`'s exit status.

use super::{Ctx, TIMEOUT, boot, expect};
use crate::board::schema::LogFormat;
use crate::cmd::build::{Built, build};
use crate::elf;
use crate::qemu::{self, Overrides};
use anyhow::{Context, Result, ensure};
use bulkhead_abi::ExitCode;
use std::process::Command;

pub(super) fn banner_reports_all_cpus(ctx: &mut Ctx) -> Result<()> {
    let built = ctx.text()?;
    let cmd = qemu::command(&built.board, &built.image, true, &Overrides::default())?;
    // The domains run for ever: stop once the counter has counted a bit.
    let out = qemu::run_until(cmd, TIMEOUT, |log| log.contains("[counter] count 3 "))?;
    let mut lines = vec![
        "pCPUs:   8 online of 8".to_string(),
        "board:   qemu-virt".to_string(),
        "domains: 2".to_string(),
        "boot complete: starting 2 domains".to_string(),
        "[hello] hello from a Bulkhead domain".to_string(),
        "domain hello halted".to_string(),
        "[counter] cpu_on vCPU 1: 0".to_string(),
    ];
    lines.extend((0..8).map(|i| format!("pCPU {i} online")));
    let missing: Vec<&String> = lines.iter().filter(|l| !out.output.contains(l.as_str())).collect();
    ensure!(!out.timed_out && missing.is_empty(), "missing {missing:?} in:\n{}", out.output);
    Ok(())
}

pub(super) fn fewer_cpus_is_a_boot_error(ctx: &mut Ctx) -> Result<()> {
    let built = ctx.text()?;
    let out = boot(built, &built.image, &Overrides { smp: Some(4), ..Overrides::default() })?;
    expect(&out, ExitCode::BootError, &["boot error: the board file says 8 CPUs but the device tree has 4"])?;
    ensure!(!out.output.contains("online of"), "a banner was printed despite the boot error");
    Ok(())
}

pub(super) fn less_ram_is_a_boot_error(ctx: &mut Ctx) -> Result<()> {
    let built = ctx.text()?;
    let out = boot(built, &built.image, &Overrides { memory_mib: Some(512), ..Overrides::default() })?;
    expect(
        &out,
        ExitCode::BootError,
        &["boot error: the board file's RAM 0x40000000+0x40000000 is not inside the device tree's RAM"],
    )
}

/// A copy of the image with `patch` applied to its configuration blob.
fn patched_image(built: &Built, name: &str, patch: impl Fn(&mut [u8])) -> Result<std::path::PathBuf> {
    let elf_bytes = std::fs::read(&built.kernel_elf)?;
    let offset = usize::try_from(elf::symbol(&elf_bytes, "__payload_start")? - built.board.config.kernel.base.raw())?;
    let mut image = std::fs::read(&built.image)?;
    patch(image.get_mut(offset..).context("image shorter than its kernel")?);
    let path = built.image.with_file_name(format!("qemu-virt.{name}.img"));
    std::fs::write(&path, image)?;
    Ok(path)
}

pub(super) fn corrupt_config_is_refused(ctx: &mut Ctx) -> Result<()> {
    let built = ctx.text()?;
    let image = patched_image(built, "corrupt", |blob| blob[bulkhead_bootcfg::HEADER_LEN + 3] ^= 0x40)?;
    let out = boot(built, &image, &Overrides::default())?;
    expect(&out, ExitCode::BootError, &["boot error: configuration checksum mismatch"])
}

/// Flips one byte of a domain image: in domain 1's 8-byte words (the
/// kernel's CRC32X loop), then the last byte of domain 0's, which is not a
/// multiple of 8 bytes long (the byte loop after the words).
pub(super) fn a_damaged_domain_image_is_refused(ctx: &mut Ctx) -> Result<()> {
    let built = ctx.text()?;
    let elf_bytes = std::fs::read(&built.kernel_elf)?;
    let payload = usize::try_from(elf::symbol(&elf_bytes, "__payload_start")? - built.board.config.kernel.base.raw())?;
    let bytes = std::fs::read(&built.image)?;
    let config = bulkhead_bootcfg::decode(bytes.get(payload..).context("image shorter than its kernel")?)
        .map_err(|e| anyhow::anyhow!("the built image's configuration: {e:?}"))?;
    let span = |d: usize| {
        config
            .domains
            .get(d)
            .map(|d| (d.image.offset as usize, d.image.size as usize))
            .context("qemu-virt has 2 domains")
    };
    let (word_domain, tail_domain) = (span(1)?, span(0)?);
    ensure!(tail_domain.1 % 8 != 0, "domain 0's image ({} bytes) has no bytes after its words", tail_domain.1);
    for (name, domain, at) in [
        ("damaged-word", 1, word_domain.0 + ((word_domain.1 / 2) & !7) + 3),
        ("damaged-tail", 0, tail_domain.0 + tail_domain.1 - 1),
    ] {
        let patched = patched_image(built, name, |payload| payload[at] ^= 0x01)?;
        let out = boot(built, &patched, &Overrides::default())?;
        let line = format!("boot error: the image of domain {domain} is damaged (BadChecksum)");
        expect(&out, ExitCode::BootError, &[&line])?;
        ensure!(!out.output.contains("boot complete"), "{name}: domains started from a damaged image");
    }
    Ok(())
}

/// Domain 1's RAM moved onto the kernel's region, the configuration
/// re-encoded with a correct CRC: only the kernel's boot check of every
/// stage-2 grant (`kernel_core::grants`) can refuse it.
pub(super) fn a_grant_over_the_kernel_is_refused(ctx: &mut Ctx) -> Result<()> {
    let built = ctx.text()?;
    let elf_bytes = std::fs::read(&built.kernel_elf)?;
    let payload = usize::try_from(elf::symbol(&elf_bytes, "__payload_start")? - built.board.config.kernel.base.raw())?;
    let bytes = std::fs::read(&built.image)?;
    let mut config = bulkhead_bootcfg::decode(bytes.get(payload..).context("image shorter than its kernel")?)
        .map_err(|e| anyhow::anyhow!("the built image's configuration: {e:?}"))?;
    let kernel = config.kernel;
    let domain = config.domains.get_mut(1).context("qemu-virt has 2 domains")?;
    // The grant the kernel checks first: the RAM up to its first stack
    // guard page (a hole in the stage-2 map), or all of it.
    let guards: Vec<u64> = domain.guards.iter().map(|g| g.raw()).collect();
    let ram = domain.ram.first_mut().context("domain 1 has RAM")?;
    ram.phys = kernel.base;
    let (start, end) = (ram.ipa.raw(), ram.ipa.raw() + ram.size);
    let size = guards.iter().filter(|&&g| g > start && g < end).min().map_or(ram.size, |&g| g - start);
    let mut blob = vec![0u8; 64 * 1024];
    let len = bulkhead_bootcfg::encode(&config, &mut blob).map_err(|e| anyhow::anyhow!("re-encoding: {e:?}"))?;
    let room = config.domains.iter().map(|d| d.image.offset as usize).min().unwrap_or(0);
    ensure!(len <= room, "the re-encoded configuration ({len} bytes) does not fit before the images ({room})");
    let image = patched_image(built, "grant", |payload| payload[..len].copy_from_slice(&blob[..len]))?;
    let out = boot(built, &image, &Overrides::default())?;
    let line = format!(
        "boot error: domain 1: its RAM grant {:#x}+{size:#x} covers the kernel's region {:#x}+{:#x}",
        kernel.base.raw(),
        kernel.base.raw(),
        kernel.size
    );
    expect(&out, ExitCode::BootError, &[&line])?;
    ensure!(!out.output.contains("boot complete"), "domains started with a grant over the kernel");
    Ok(())
}

pub(super) fn wrong_config_version_is_refused(ctx: &mut Ctx) -> Result<()> {
    let built = ctx.text()?;
    let next = bulkhead_bootcfg::VERSION + 1;
    let image = patched_image(built, "version", |blob| blob[4..8].copy_from_slice(&next.to_le_bytes()))?;
    let out = boot(built, &image, &Overrides::default())?;
    let line = format!("boot error: configuration blob has version {next}, this kernel reads version {}", next - 1);
    expect(&out, ExitCode::BootError, &[&line])
}

pub(super) fn panic_reports_location(ctx: &mut Ctx) -> Result<()> {
    let built = ctx.text()?;
    let o = Overrides { append: Some("bulkhead.selftest=panic".into()), ..Overrides::default() };
    let out = boot(built, &built.image, &o)?;
    expect(&out, ExitCode::Panic, &["PANIC at kernel/aarch64/src/boot.rs:"])?;
    let line = out.output.lines().find(|l| l.starts_with("PANIC at ")).unwrap_or("");
    ensure!(line.contains(": selftest: deliberate panic"), "the panic line is `{line}`");
    Ok(())
}

pub(super) fn defmt_frames_decode(_ctx: &mut Ctx) -> Result<()> {
    let built = build("boards/test/lifecycle.toml", Some(LogFormat::Defmt))?;
    let out = boot(&built, &built.image, &Overrides::default())?;
    // The stop line is a defmt frame too: QEMU ends through PSCI (status 0),
    // and the verdict is read from the decoded text below.
    ensure!(out.qemu_status == Some(0) && !out.timed_out, "defmt build: QEMU status {:?}", out.qemu_status);
    // Format strings are interned in the ELF: a literal one never appears
    // on the wire of a defmt build.
    ensure!(!out.output.contains("boot complete"), "defmt build printed plain text");
    let frames = built.image.with_extension("defmt.bin");
    std::fs::write(&frames, &out.raw)?;
    let decoded = Command::new("defmt-print")
        .arg("-e")
        .arg(&built.kernel_elf)
        .arg("stdin")
        .stdin(std::fs::File::open(&frames)?)
        .output()
        .context("defmt-print is not installed (run ci/setup.sh)")?;
    let text = String::from_utf8_lossy(&decoded.stdout).to_string() + &String::from_utf8_lossy(&decoded.stderr);
    for line in [
        "pCPUs:   8 online of 8",
        "pCPU 7 online",
        "boot complete",
        "[hello] hello from a Bulkhead domain",
        "every domain has stopped",
    ] {
        ensure!(text.contains(line), "defmt-print output lacks `{line}`:\n{text}");
    }
    let code = text.lines().rev().find_map(|l| ExitCode::from_stop_line(l.trim()));
    ensure!(code == Some(0), "the decoded stop line gives {code:?}, not 0:\n{text}");
    Ok(())
}

pub(super) fn check_rejects_a_bad_board_with_exit_2(_ctx: &mut Ctx) -> Result<()> {
    let source = std::fs::read_to_string(crate::workspace::root().join("boards/qemu-virt.toml"))?;
    let bad = source.replacen("cpus = [2, 3]", "cpus = [2, 9]", 1);
    ensure!(bad != source, "fixture edit did not apply");
    let dir = crate::workspace::target_dir().join("xtask-tests");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("bad-cpu.toml");
    std::fs::write(&path, &bad)?;
    // Through cargo, as a user runs it: this process's own executable may
    // have been replaced on disk by the host tests' build.
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(crate::workspace::root())
        .args(["run", "--quiet", "--package", "xtask", "--", "check"])
        .arg(&path)
        .output()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    ensure!(out.status.code() == Some(2), "exit status {:?}, expected 2:\n{stderr}", out.status.code());
    let line = bad.lines().position(|l| l.contains("cpus = [2, 9]")).map_or(0, |i| i + 1);
    let location = format!("bad-cpu.toml:{line}:");
    ensure!(stderr.contains("pCPU 9 does not exist: the board has 8 CPUs"), "wrong message:\n{stderr}");
    ensure!(stderr.contains(&location), "no `{location}` in:\n{stderr}");
    Ok(())
}
