// SPDX-License-Identifier: MIT
//! The largest stack frame of an aarch64 domain image, read from its code:
//! every `sub sp, sp, #imm{, lsl #12}` of a function, and the stack-probe
//! form rustc emits for frames of 4 KiB and more (`sub x9, sp, #n, lsl #12`
//! then a loop of `sub sp, sp, #1, lsl #12`), summed per function symbol.
//! A frame larger than the domain's stack would run into its guard page
//! (a stack overflow fault at run time): the build refuses it and names
//! the function. A heuristic (a frame that grows by `alloca`-like loops
//! or calls deep chains of medium frames is not seen), but it finds the
//! one-big-frame case that hid in two domains for months.
//!
//! Owns the instruction decoding of those two forms; must not judge
//! anything but single frames.

use anyhow::{Context, Result};
use object::{Object, ObjectSection, ObjectSymbol, SymbolKind};

/// `SUB (immediate)`, 64-bit: sf=1, op=1, S=0, 100010, sh, imm12, Rn, Rd.
const SUB_IMM_MASK: u32 = 0xff80_0000;
const SUB_IMM: u32 = 0xd100_0000;
/// The stack pointer as Rn or Rd.
const SP: u32 = 31;

/// Bytes a function's `sub`s take from the stack: `sub x9, sp, #n, lsl
/// #12` (the probe's target) counts as the whole probed part, every
/// `sub sp, sp, #imm` after it adds (the probe loop's own 4 KiB step
/// overcounts by at most 4 KiB).
pub fn frame_bytes(code: &[u8]) -> u64 {
    let mut total = 0u64;
    for word in code.chunks_exact(4).map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]])) {
        if word & SUB_IMM_MASK != SUB_IMM {
            continue;
        }
        let shift = if word & (1 << 22) != 0 { 12 } else { 0 };
        let imm = u64::from((word >> 10) & 0xfff) << shift;
        let (rn, rd) = ((word >> 5) & 31, word & 31);
        match (rn, rd) {
            (SP, SP) => total += imm,
            (SP, 9) if shift == 12 => total = total.max(imm),
            _ => {}
        }
    }
    total
}

/// The function of `elf` with the largest frame: its name and bytes.
pub fn largest(elf: &[u8]) -> Result<Option<(String, u64)>> {
    let file = object::File::parse(elf).context("not an ELF file")?;
    let text = file.section_by_name(".text").context("no .text section")?;
    let (base, code) = (text.address(), text.data()?);
    let mut best: Option<(String, u64)> = None;
    for sym in file.symbols().filter(|s| s.kind() == SymbolKind::Text && s.size() > 0) {
        let Some(start) = sym.address().checked_sub(base).and_then(|o| usize::try_from(o).ok()) else { continue };
        let Some(body) = usize::try_from(sym.size()).ok().and_then(|n| code.get(start..start.checked_add(n)?)) else {
            continue;
        };
        let bytes = frame_bytes(body);
        if best.as_ref().is_none_or(|(_, b)| bytes > *b) {
            best = Some((sym.name().unwrap_or("?").to_string(), bytes));
        }
    }
    Ok(best)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(words: &[u32]) -> Vec<u8> {
        words.iter().flat_map(|w| w.to_le_bytes()).collect()
    }

    #[test]
    fn small_and_probed_frames_are_read_from_their_subs() {
        // sub sp, sp, #0xd0
        assert_eq!(frame_bytes(&code(&[0xd103_43ff])), 0xd0);
        // The input domain's main: sub x9, sp, #0xd, lsl #12; sub sp, sp,
        // #1, lsl #12 (the probe loop); sub sp, sp, #0x1f0.
        let main = code(&[0xd140_37e9, 0xd140_07ff, 0xd107_c3ff]);
        assert_eq!(frame_bytes(&main), 0xd000 + 0x1000 + 0x1f0);
        // Other registers, adds and 32-bit subs are not frames.
        assert_eq!(frame_bytes(&code(&[0xd100_4000, 0x9100_43ff, 0x5100_43ff])), 0);
    }
}
