// SPDX-License-Identifier: MIT
//! Packing one static image: the kernel (whose first bytes are the arm64
//! Image header), then the payload: the configuration blob and every
//! domain's pristine image and boot files (layout in
//! `bulkhead_bootcfg::payload`).

use crate::board::{ImageSource, ValidBoard, image_header};
use crate::elf::{self, Flat};
use anyhow::{Context, Result, bail, ensure};
use bulkhead_abi::Ipa;
use bulkhead_bootcfg::{self as cfg, blob, payload::PAYLOAD_ALIGN};

/// A domain's image, ready to pack.
pub struct DomainImage {
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// Guest address of its first byte.
    pub load: u64,
    /// Guest entry point.
    pub entry: u64,
    /// One past the last byte it uses, `.bss` and stack included.
    pub mem_end: u64,
    /// Files loaded beside it (a Linux domain's initramfs and device tree).
    pub boot_files: Vec<BootFileImage>,
    /// What its vCPUs find in their registers when they start.
    pub entry_abi: cfg::EntryAbi,
    /// Its stack guard pages (a `domain_rt` image's; none otherwise).
    pub guards: Vec<u64>,
}

/// A file loaded into a domain's RAM beside its image.
pub struct BootFileImage {
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// Guest address of its first byte.
    pub load: u64,
}

impl DomainImage {
    /// From a domain crate's ELF.
    pub fn from_elf(elf_bytes: &[u8]) -> Result<Self> {
        let Flat { base, bytes, entry, mem_end } = elf::flatten(elf_bytes)?;
        let guards = stack_guards(elf_bytes)?;
        check_frames(elf_bytes)?;
        Ok(Self {
            bytes,
            load: base,
            entry,
            mem_end,
            boot_files: Vec::new(),
            entry_abi: cfg::EntryAbi::Bulkhead,
            guards,
        })
    }

    /// Bytes it adds to the payload (image and boot files, unpadded).
    pub fn payload_bytes(&self) -> usize {
        self.bytes.len() + self.boot_files.iter().map(|f| f.bytes.len()).sum::<usize>()
    }
}

/// The guard pages below a `domain_rt` image's stacks, from the symbols
/// its linker script (`domains/rt/domain.x`) defines: `__stacks_start`,
/// then `__stack_slots` slots of `__stack_slot_bytes`, each beginning with
/// a guard page of `__stack_guard_bytes` (4 KiB). An image without them
/// (not built on `domain_rt`) has none.
fn stack_guards(elf_bytes: &[u8]) -> Result<Vec<u64>> {
    let Ok(start) = elf::symbol(elf_bytes, "__stacks_start") else { return Ok(Vec::new()) };
    let slot = elf::symbol(elf_bytes, "__stack_slot_bytes")?;
    let slots = elf::symbol(elf_bytes, "__stack_slots")?;
    let guard = elf::symbol(elf_bytes, "__stack_guard_bytes")?;
    ensure!(
        guard == bulkhead_abi::PAGE_SIZE
            && slot > guard
            && slot.is_multiple_of(bulkhead_abi::PAGE_SIZE)
            && start.is_multiple_of(bulkhead_abi::PAGE_SIZE)
            && (1..=cfg::MAX_PCPUS as u64).contains(&slots),
        "the image's stack layout ({slots} slots of {slot:#x} bytes from {start:#x}, guards of {guard:#x}) is not \
         whole pages with 4 KiB guards and at most {} slots",
        cfg::MAX_PCPUS
    );
    Ok((0..slots).map(|i| start + i * slot).collect())
}

/// Refuses a `domain_rt` image one of whose functions has a stack frame
/// larger than its stack (`crate::frames`): it would fault at its guard
/// page the first time it ran.
fn check_frames(elf_bytes: &[u8]) -> Result<()> {
    let (Ok(slot), Ok(guard)) =
        (elf::symbol(elf_bytes, "__stack_slot_bytes"), elf::symbol(elf_bytes, "__stack_guard_bytes"))
    else {
        return Ok(());
    };
    let stack = slot.saturating_sub(guard);
    if let Some((function, bytes)) = crate::frames::largest(elf_bytes)? {
        ensure!(
            bytes < stack,
            "function `{function}` has a stack frame of {bytes} bytes, more than the {stack} bytes of a domain \
             stack: move its large locals into a static or onto the heap"
        );
    }
    Ok(())
}

/// Sizes for the build's size table.
pub struct Packed {
    /// The whole image.
    pub image: Vec<u8>,
    /// Bytes of the kernel part (header, code, data, padding).
    pub kernel_bytes: usize,
    /// Bytes of the configuration blob.
    pub config_bytes: usize,
    /// Each domain's bytes in the payload (image and boot files).
    pub domain_bytes: Vec<usize>,
    /// The configuration as packed.
    pub config: cfg::BootConfig,
}

fn align_up(n: usize, align: usize) -> usize {
    n.div_ceil(align) * align
}

/// Packs `board`'s image from the kernel ELF and the domain images.
pub fn pack(board: &ValidBoard, kernel_elf: &[u8], domains: Vec<DomainImage>) -> Result<Packed> {
    let kernel = elf::flatten(kernel_elf).context("reading the kernel ELF")?;
    let config_base = board.config.kernel.base.raw();
    if kernel.base != config_base {
        bail!("the kernel is linked at {:#x} but the board places it at {config_base:#x}", kernel.base);
    }
    let payload_start = elf::symbol(kernel_elf, "__payload_start")?;
    let payload_limit = elf::symbol(kernel_elf, "__payload_limit")?;
    let mut image = kernel.bytes;
    image_header::parse(&image)
        .map_err(|e| anyhow::anyhow!("the kernel does not start with an arm64 Image header: {e}"))?;
    let kernel_bytes = usize::try_from(payload_start - kernel.base)?;
    image.resize(kernel_bytes, 0);

    let mut config = board.config.clone();
    for (domain, (bin, source)) in config.domains.iter_mut().zip(domains.iter().zip(&board.images)) {
        let region = domain.ram.first().context("domain without RAM")?;
        let (start, end) = (region.ipa.raw(), region.ipa.raw() + region.size);
        let load_end = bin.load + bin.bytes.len() as u64;
        if bin.load < start
            || load_end > end
            || bin.mem_end > end
            || !(bin.load..load_end.max(bin.load + 1)).contains(&bin.entry)
        {
            bail!(
                "domain `{}`: its image ({source:?}) uses {:#x}..{:#x} with entry {:#x}, outside its first RAM region {start:#x}..{end:#x}",
                domain.name,
                bin.load,
                bin.mem_end.max(load_end),
                bin.entry
            );
        }
        domain.image = cfg::ImageRef {
            offset: u32::MAX,
            size: u32::try_from(bin.bytes.len())?,
            crc32: blob::crc32(&bin.bytes),
            load: Ipa::new(bin.load),
            entry: Ipa::new(bin.entry),
        };
        domain.entry_abi = bin.entry_abi;
        domain.guards = bin.guards.iter().map(|&g| Ipa::new(g)).collect();
        domain.boot_files.clear();
        let mut used = vec![(bin.load, bin.mem_end.max(load_end), "its image".to_string())];
        for (i, file) in bin.boot_files.iter().enumerate() {
            let file_end = file.load + file.bytes.len() as u64;
            if file.load < start || file_end > end {
                bail!(
                    "domain `{}`: boot file {i} ({:#x}..{file_end:#x}) lies outside its first RAM region {start:#x}..{end:#x}",
                    domain.name,
                    file.load
                );
            }
            if let Some((_, _, what)) = used.iter().find(|(s, e, _)| file.load < *e && *s < file_end) {
                bail!("domain `{}`: boot file {i} ({:#x}..{file_end:#x}) overlaps {what}", domain.name, file.load);
            }
            used.push((file.load, file_end, format!("boot file {i}")));
            let entry = cfg::BootFile {
                offset: u32::MAX,
                size: u32::try_from(file.bytes.len())?,
                crc32: blob::crc32(&file.bytes),
                load: Ipa::new(file.load),
            };
            domain
                .boot_files
                .push(entry)
                .map_err(|_| anyhow::anyhow!("domain `{}`: too many boot files", domain.name))?;
        }
    }
    // Postcard uses variable-length integers: size the config area with
    // the largest offsets, then fill in the real ones (never longer).
    let mut scratch = vec![0u8; 64 * 1024];
    let worst = blob::encode(&config, &mut scratch).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut offset = align_up(worst, PAYLOAD_ALIGN);
    let mut used = worst;
    for (domain, bin) in config.domains.iter_mut().zip(&domains) {
        domain.image.offset = u32::try_from(offset)?;
        used = offset + bin.bytes.len();
        offset = align_up(used, PAYLOAD_ALIGN);
        for (file, bytes) in domain.boot_files.iter_mut().zip(&bin.boot_files) {
            file.offset = u32::try_from(offset)?;
            used = offset + bytes.bytes.len();
            offset = align_up(used, PAYLOAD_ALIGN);
        }
    }
    let config_bytes = blob::encode(&config, &mut scratch).map_err(|e| anyhow::anyhow!("{e}"))?;
    // Trailing padding after the last file is not needed in the image.
    let used = used.max(config_bytes);
    let room = payload_limit - payload_start;
    if used as u64 > room {
        // The kernel's code and data below the payload, .bss and stacks above it.
        let fixed = board.config.kernel.size - room;
        let needed = fixed + used as u64;
        let biggest = config
            .domains
            .iter()
            .zip(&domains)
            .max_by_key(|(_, bin)| bin.payload_bytes())
            .map(|(d, bin)| format!("; the largest part is domain `{}` ({} MiB)", d.name, bin.payload_bytes() >> 20))
            .unwrap_or_default();
        bail!(
            "the payload ({used} bytes: the configuration and every domain's image and boot files) does not fit in \
             the kernel region ({room} bytes free for it in [kernel] size = {} MiB){biggest}: set [kernel] size to \
             \"{} MiB\" or more in the board file (the kernel's code, .bss and stacks take the rest)",
            board.config.kernel.size >> 20,
            needed.div_ceil(1 << 20)
        );
    }
    let mut payload = vec![0u8; used];
    payload[..config_bytes].copy_from_slice(&scratch[..config_bytes]);
    for (domain, bin) in config.domains.iter().zip(&domains) {
        let parts = std::iter::once((domain.image.offset, &bin.bytes))
            .chain(domain.boot_files.iter().zip(&bin.boot_files).map(|(f, b)| (f.offset, &b.bytes)));
        for (at, bytes) in parts {
            let at = at as usize;
            payload[at..at + bytes.len()].copy_from_slice(bytes);
        }
    }
    image.extend_from_slice(&payload);
    let header_size = image_header::parse(&image).map_err(|e| anyhow::anyhow!("{e}"))?.image_size;
    if header_size != board.config.kernel.size {
        bail!(
            "the kernel's Image header says image_size {header_size:#x}, the board's kernel region is {:#x}",
            board.config.kernel.size
        );
    }
    Ok(Packed {
        image,
        kernel_bytes,
        config_bytes,
        domain_bytes: domains.iter().map(DomainImage::payload_bytes).collect(),
        config,
    })
}

/// A raw-file domain image, loaded (and entered) at `load`.
pub fn raw_file(source: &ImageSource, load: u64) -> Result<DomainImage> {
    match source {
        ImageSource::File(path) => {
            let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            let mem_end = load + bytes.len() as u64;
            Ok(DomainImage {
                bytes,
                load,
                entry: load,
                mem_end,
                boot_files: Vec::new(),
                entry_abi: cfg::EntryAbi::Bulkhead,
                guards: Vec::new(),
            })
        }
        ImageSource::Crate(name) => bail!("{name} is a crate, not a file"),
        ImageSource::Linux(linux) => {
            bail!("{} is a Linux kernel: pack it with `guest::pack::linux_image`", linux.image.display())
        }
    }
}
