// SPDX-License-Identifier: MIT
//! Checks of a Linux domain, `linux = { image, initrd, cmdline }`: it has
//! no bare-metal `image` beside it, its kernel is a raw arm64 `Image` and
//! its initramfs exists (the resolver finds and reads them), its command
//! line fits, and its first RAM region is 2 MiB aligned and holds the
//! kernel, the initramfs and the device tree. Also where those go (shared
//! with the build tool's `guest::pack`) and what the kernel emulates in a
//! Linux domain's address space (its console UART and GIC). Reads no file.

use crate::diag::Diagnostic;
use crate::image_header;
use crate::images::{ImageResolver, LinuxImage};
use crate::schema::{DomainEntry, LinuxEntry};
use crate::units::show_size;
use toml::Spanned;

/// Longest command line arm64 Linux takes (COMMAND_LINE_SIZE 2048, with the NUL).
pub const MAX_CMDLINE: usize = 2047;
/// Room kept for the device tree: the last 2 MiB of the first RAM region.
pub const DTB_ROOM: u64 = 2 << 20;
/// Alignment of the base the kernel is loaded from.
pub const KERNEL_ALIGN: u64 = 2 << 20;
/// Where the kernel's 2 MiB-aligned base is in the first RAM region (the
/// kernel itself starts `text_offset` above it, 0 on kernels since 3.17).
pub const KERNEL_OFFSET: u64 = 2 << 20;
/// Where a Linux domain sees its emulated PL011 console (as on QEMU virt).
pub const CONSOLE_IPA: u64 = 0x0900_0000;
/// The console's interrupt, a virtual SPI of the domain (SPI 1).
pub const CONSOLE_INTID: u32 = 33;

/// Bytes of the emulated GIC distributor's frame.
pub const GICD_SIZE: u64 = 0x1_0000;
/// Bytes of one emulated redistributor (RD and SGI frames), per vCPU.
pub const GICR_STRIDE: u64 = 0x2_0000;
/// Bytes of the emulated PL011's frame.
pub const PL011_SIZE: u64 = 0x1000;

/// Checks a Linux domain; `linux` is its `linux` table. Returns what is
/// wrong and, when its files resolve and its kernel is an arm64 Image, the
/// resolved files with the parsed header.
pub fn check(
    entry: &Spanned<DomainEntry>,
    linux: &Spanned<LinuxEntry>,
    images: &dyn ImageResolver,
) -> (Vec<Diagnostic>, Option<LinuxImage>) {
    let d = entry.get_ref();
    let name = d.name.get_ref();
    let l = linux.get_ref();
    let mut out = Vec::new();
    if d.image.is_some() {
        out.push(
            Diagnostic::new(linux.span(), format!("domain `{name}` has both `image` and `linux`"))
                .help("a domain runs a bare-metal image or a Linux kernel, not both: remove one of the two keys"),
        );
    }

    let mut needed = KERNEL_OFFSET + DTB_ROOM;
    let mut kernel = None;
    match images.guest_file(l.image.get_ref()) {
        Err(why) => out.push(
            Diagnostic::new(l.image.span(), format!("domain `{name}`: kernel `{}` not found", l.image.get_ref()))
                .help(why),
        ),
        Ok(file) => {
            let header = file.head.map_err(|e| format!("cannot read it: {e}")).and_then(|h| image_header::parse(&h));
            match header {
                Err(why) => out.push(
                    Diagnostic::new(l.image.span(), format!("domain `{name}`: {}: {why}", file.path.display())).help(
                        "give a raw arm64 kernel: arch/arm64/boot/Image, or Debian's boot/vmlinuz-* \
                         (`cargo xtask fetch-guest` puts it at `guest:Image`)",
                    ),
                ),
                Ok(header) => {
                    needed += header.text_offset + if header.image_size == 0 { file.len } else { header.image_size };
                    kernel = Some((file.path, header, file.len));
                }
            }
        }
    }
    let mut initrd_path = Ok(None);
    if let Some(initrd) = &l.initrd {
        match images.guest_file(initrd.get_ref()) {
            Err(why) => {
                out.push(
                    Diagnostic::new(
                        initrd.span(),
                        format!("domain `{name}`: initramfs `{}` not found", initrd.get_ref()),
                    )
                    .help(why),
                );
                initrd_path = Err(());
            }
            Ok(file) => {
                needed += file.len;
                initrd_path = Ok(Some(file.path));
            }
        }
    }
    if let Some(cmdline) = &l.cmdline {
        let text = cmdline.get_ref();
        if text.len() > MAX_CMDLINE || text.chars().any(char::is_control) {
            out.push(
                Diagnostic::new(
                    cmdline.span(),
                    format!(
                        "domain `{name}`: the command line ({} bytes) is too long or has control characters",
                        text.len()
                    ),
                )
                .help(format!(
                    "arm64 Linux takes one line of at most {MAX_CMDLINE} bytes: shorten it, no newlines or tabs"
                )),
            );
        }
    }

    if let Some(first) = d.memory.get_ref().first() {
        let m = first.get_ref();
        let ipa = *m.ipa.get_ref();
        if !ipa.is_multiple_of(KERNEL_ALIGN) {
            out.push(
                Diagnostic::new(m.ipa.span(), format!("domain `{name}` loads Linux at {ipa:#x}, not 2 MiB aligned"))
                    .help("arm64 Linux is loaded at a 2 MiB boundary: start the first RAM region on one (e.g. 0x4000_0000)"),
            );
        }
        let size = m.size.get_ref().0;
        if size < needed {
            out.push(
                Diagnostic::new(
                    m.size.span(),
                    format!(
                        "the first RAM region of domain `{name}` ({}) cannot hold its kernel, initramfs and device tree ({})",
                        show_size(size),
                        show_size(needed)
                    ),
                )
                .help("give the first RAM region more room; Linux itself wants 128 MiB or more to run"),
            );
        }
    }
    let resolved = match (kernel, initrd_path) {
        (Some((image, header, image_len)), Ok(initrd)) => {
            let cmdline = l.cmdline.as_ref().map(|c| c.get_ref().clone()).unwrap_or_default();
            Some(LinuxImage { image, header, image_len, initrd, cmdline })
        }
        _ => None,
    };
    (out, resolved)
}

/// What the kernel emulates in a Linux domain's address space (its device
/// tree names them): the console UART's frame, the GIC distributor and one
/// redistributor per vCPU, at the physical GIC's addresses. Each is
/// `(start, end, what, span)` for the IPA overlap check.
pub fn emulated_ranges(
    gic_distributor: u64,
    gic_redistributors: u64,
    vcpus: usize,
    at: std::ops::Range<usize>,
) -> Vec<(u64, u64, String, std::ops::Range<usize>)> {
    let redist_size = GICR_STRIDE * vcpus as u64;
    vec![
        (CONSOLE_IPA, CONSOLE_IPA + PL011_SIZE, "the emulated console UART".into(), at.clone()),
        (gic_distributor, gic_distributor.saturating_add(GICD_SIZE), "the virtual GIC distributor".into(), at.clone()),
        (
            gic_redistributors,
            gic_redistributors.saturating_add(redist_size),
            "the virtual GIC redistributors".into(),
            at,
        ),
    ]
}
