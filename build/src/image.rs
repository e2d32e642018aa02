// SPDX-License-Identifier: MIT
//! Packing one static image: the kernel (whose first bytes are the arm64
//! Image header), then the payload: the configuration blob and every
//! domain's pristine image (layout in `bulkhead_bootcfg::payload`).

use crate::board::{ImageSource, ValidBoard};
use crate::elf::{self, Flat};
use anyhow::{Context, Result, bail};
use bulkhead_abi::Ipa;
use bulkhead_bootcfg::{self as cfg, blob, payload::PAYLOAD_ALIGN};

/// Offset of `image_size` in the arm64 Image header.
const HEADER_IMAGE_SIZE: usize = 16;
/// Offset of the magic `ARM\x64`.
const HEADER_MAGIC: usize = 0x38;

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
}

impl DomainImage {
    /// From a domain crate's ELF.
    pub fn from_elf(elf_bytes: &[u8]) -> Result<Self> {
        let Flat { base, bytes, entry, mem_end } = elf::flatten(elf_bytes)?;
        Ok(Self { bytes, load: base, entry, mem_end })
    }
}

/// Sizes for the build's size table.
pub struct Packed {
    /// The whole image.
    pub image: Vec<u8>,
    /// Bytes of the kernel part (header, code, data, padding).
    pub kernel_bytes: usize,
    /// Bytes of the configuration blob.
    pub config_bytes: usize,
    /// Each domain's image size.
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
    if image.get(HEADER_MAGIC..HEADER_MAGIC + 4) != Some(b"ARM\x64") {
        bail!("the kernel does not start with an arm64 Image header");
    }
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
    }
    // Postcard uses variable-length integers: size the config area with
    // the largest offsets, then fill in the real ones (never longer).
    let mut scratch = vec![0u8; 64 * 1024];
    let worst = blob::encode(&config, &mut scratch).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut offset = align_up(worst, PAYLOAD_ALIGN);
    for (domain, bin) in config.domains.iter_mut().zip(&domains) {
        domain.image.offset = u32::try_from(offset)?;
        offset = align_up(offset + bin.bytes.len(), PAYLOAD_ALIGN);
    }
    let config_bytes = blob::encode(&config, &mut scratch).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut payload = vec![0u8; offset];
    payload[..config_bytes].copy_from_slice(&scratch[..config_bytes]);
    for (domain, bin) in config.domains.iter().zip(&domains) {
        let at = domain.image.offset as usize;
        payload[at..at + bin.bytes.len()].copy_from_slice(&bin.bytes);
    }
    // Trailing padding after the last image is not needed in the file.
    let used = config.domains.last().map_or(config_bytes, |d| d.image.offset as usize + d.image.size as usize);
    payload.truncate(used);
    let room = payload_limit - payload_start;
    if payload.len() as u64 > room {
        bail!(
            "the payload ({} bytes) does not fit in the kernel region ({room} bytes free): raise [kernel].size",
            payload.len()
        );
    }
    image.extend_from_slice(&payload);
    let header_size = u64::from_le_bytes(image[HEADER_IMAGE_SIZE..HEADER_IMAGE_SIZE + 8].try_into()?);
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
        domain_bytes: domains.iter().map(|d| d.bytes.len()).collect(),
        config,
    })
}

/// A raw-file domain image, loaded (and entered) at `load`.
pub fn raw_file(source: &ImageSource, load: u64) -> Result<DomainImage> {
    match source {
        ImageSource::File(path) => {
            let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            let mem_end = load + bytes.len() as u64;
            Ok(DomainImage { bytes, load, entry: load, mem_end })
        }
        ImageSource::Crate(name) => bail!("{name} is a crate, not a file"),
        ImageSource::Linux(linux) => bail!(
            "{} is a Linux kernel: Linux domains are checked but not yet packed into images",
            linux.image.display()
        ),
    }
}
