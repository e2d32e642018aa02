// SPDX-License-Identifier: MIT
//! `cargo xtask build <board>`: build the kernel and every domain the board
//! lists (a Linux domain: its kernel, initramfs and a generated device
//! tree), pack them with the configuration into `target/images/<board>.img`
//! and print a size table.

use crate::board::{ImageSource, ValidBoard, schema::LogFormat};
use crate::cargo::{DOMAIN_TARGET, KERNEL_TARGET, TargetBuild};
use crate::elf;
use crate::image::{self, DomainImage};
use crate::workspace;
use anyhow::{Context, Result};
use std::path::PathBuf;

/// A built image and where its parts are.
pub struct Built {
    /// The checked board.
    pub board: ValidBoard,
    /// `target/images/<board>.img`.
    pub image: PathBuf,
    /// The kernel ELF that went into it (for defmt-print and sizes).
    pub kernel_elf: PathBuf,
}

/// What a kernel built for `cargo xtask bench` measures (never anything
/// but benchmarks use them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Instrumented {
    /// The normal kernel.
    No,
    /// The `bench` feature: the PMU open to domains, EL2 entries counted.
    Bench,
    /// The `census` feature: EL2 entries counted per class and printed when
    /// a domain stops, the counter printed when domains start.
    Census,
}

/// Builds the image of `board_arg`; `log` overrides the board's log format.
pub fn build(board_arg: &str, log: Option<LogFormat>) -> Result<Built> {
    build_with(board_arg, log, Instrumented::No)
}

/// As [`build`], with an instrumented kernel.
pub fn build_with(board_arg: &str, log: Option<LogFormat>, instrumented: Instrumented) -> Result<Built> {
    // The checked board (a GICv2 is refused there): its images resolved,
    // Linux headers parsed, once.
    let board = crate::board_files::load(board_arg)?;
    let name = board.config.board.to_string();
    eprintln!("xtask: building image for board `{name}`");
    let log = log.unwrap_or(board.file.kernel.get_ref().log);
    let mut features = Vec::new();
    if board.file.qemu.is_some() {
        features.push("qemu");
    }
    if log == LogFormat::Defmt {
        features.push("defmt");
    }
    match instrumented {
        Instrumented::No => {}
        Instrumented::Bench => features.push("bench"),
        Instrumented::Census => features.push("census"),
    }
    let kernel = TargetBuild {
        package: "bulkhead-kernel",
        target: KERNEL_TARGET,
        features,
        env: vec![
            ("BULKHEAD_RAM_BASE", format!("{:#x}", board.config.ram.base.raw())),
            ("BULKHEAD_KERNEL_BASE", format!("{:#x}", board.config.kernel.base.raw())),
            ("BULKHEAD_KERNEL_SIZE", format!("{:#x}", board.config.kernel.size)),
        ],
    }
    .run()?;
    let kernel_elf = std::fs::read(&kernel).with_context(|| format!("reading {}", kernel.display()))?;

    let mut domains = Vec::new();
    for (index, (domain, source)) in board.config.domains.iter().zip(&board.images).enumerate() {
        let image = match source {
            ImageSource::Crate(crate_name) => {
                let package = format!("domain-{crate_name}");
                let elf_path =
                    TargetBuild { package: &package, target: DOMAIN_TARGET, features: vec![], env: vec![] }.run()?;
                let bytes = std::fs::read(&elf_path).with_context(|| format!("reading {}", elf_path.display()))?;
                DomainImage::from_elf(&bytes).with_context(|| format!("domain `{}`", domain.name))?
            }
            ImageSource::File(_) => {
                let load = domain.ram.first().map_or(0, |r| r.ipa.raw());
                image::raw_file(source, load)?
            }
            ImageSource::Linux(linux) => crate::guest::pack::linux_image(&board, index, linux)?,
        };
        domains.push(image);
    }

    let packed = image::pack(&board, &kernel_elf, domains)?;
    let out_dir = workspace::target_dir().join("images");
    std::fs::create_dir_all(&out_dir)?;
    let image_path = out_dir.join(format!("{name}.img"));
    let elf_copy = out_dir.join(format!("{name}.kernel.elf"));
    std::fs::write(&image_path, &packed.image)?;
    std::fs::copy(&kernel, &elf_copy)?;

    let sizes = elf::section_sizes(&kernel_elf)?;
    println!("image {}", image_path.strip_prefix(workspace::root()).unwrap_or(&image_path).display());
    println!("  {:<28} {:>10}", "part", "bytes");
    println!("  {:<28} {:>10}", "kernel .text", sizes.text);
    println!("  {:<28} {:>10}", "kernel .rodata", sizes.rodata);
    println!("  {:<28} {:>10}", "kernel .data", sizes.data);
    println!("  {:<28} {:>10}", "kernel .bss + stacks (RAM)", sizes.bss);
    println!("  {:<28} {:>10}", "kernel in image (padded)", packed.kernel_bytes);
    println!("  {:<28} {:>10}", "config blob", packed.config_bytes);
    for (d, bytes) in packed.config.domains.iter().zip(&packed.domain_bytes) {
        println!("  {:<28} {:>10}", format!("domain {}", d.name), bytes);
    }
    println!("  {:<28} {:>10}", "total image", packed.image.len());
    Ok(Built { board, image: image_path, kernel_elf: elf_copy })
}
