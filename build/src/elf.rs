// SPDX-License-Identifier: MIT
//! Reading the ELF files cargo produces: flat load images, section sizes,
//! symbols.

use anyhow::{Context, Result, bail};
use object::{Object, ObjectSection, ObjectSegment, ObjectSymbol, SectionKind};

/// A flat image: the bytes of every loaded segment, from the lowest load
/// address, with gaps zero-filled.
#[derive(Debug)]
pub struct Flat {
    /// Address of the first byte.
    pub base: u64,
    /// The bytes.
    pub bytes: Vec<u8>,
    /// Entry point.
    pub entry: u64,
    /// One past the last byte of memory the program uses (including .bss).
    pub mem_end: u64,
}

/// Flattens the loadable segments of `elf`.
pub fn flatten(elf: &[u8]) -> Result<Flat> {
    let file = object::File::parse(elf).context("not an ELF file")?;
    let mut base = u64::MAX;
    let mut file_end = 0u64;
    let mut mem_end = 0u64;
    for seg in file.segments() {
        if seg.size() == 0 {
            continue;
        }
        base = base.min(seg.address());
        mem_end = mem_end.max(seg.address() + seg.size());
        let data = seg.data()?;
        if !data.is_empty() {
            file_end = file_end.max(seg.address() + data.len() as u64);
        }
    }
    if base == u64::MAX {
        bail!("the ELF file has no loadable segment");
    }
    let mut bytes = vec![0u8; usize::try_from(file_end.saturating_sub(base))?];
    for seg in file.segments() {
        let data = seg.data()?;
        if data.is_empty() {
            continue;
        }
        let at = usize::try_from(seg.address() - base)?;
        bytes[at..at + data.len()].copy_from_slice(data);
    }
    Ok(Flat { base, bytes, entry: file.entry(), mem_end })
}

/// The value of symbol `name`.
pub fn symbol(elf: &[u8], name: &str) -> Result<u64> {
    let file = object::File::parse(elf)?;
    file.symbols()
        .find(|s| s.name() == Ok(name))
        .map(|s| s.address())
        .with_context(|| format!("symbol `{name}` not found in the ELF file"))
}

/// Sizes of code, read-only data, initialised data and zeroed data.
#[derive(Debug, Default, Clone, Copy)]
pub struct SectionSizes {
    /// `.text`.
    pub text: u64,
    /// `.rodata`.
    pub rodata: u64,
    /// `.data`.
    pub data: u64,
    /// `.bss` and stacks.
    pub bss: u64,
}

/// Adds up allocated sections by kind.
pub fn section_sizes(elf: &[u8]) -> Result<SectionSizes> {
    let file = object::File::parse(elf)?;
    let mut sizes = SectionSizes::default();
    for section in file.sections() {
        let size = section.size();
        match section.kind() {
            SectionKind::Text => sizes.text += size,
            SectionKind::ReadOnlyData | SectionKind::ReadOnlyString => sizes.rodata += size,
            SectionKind::Data => sizes.data += size,
            SectionKind::UninitializedData => sizes.bss += size,
            _ => {}
        }
    }
    Ok(sizes)
}
