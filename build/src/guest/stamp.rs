// SPDX-License-Identifier: MIT
//! `/bin/bulkhead-cntvct`: a 244-byte static arm64 Linux program that
//! prints the virtual counter, `BULKHEAD-CNTVCT: 0x<16 hex digits>`, and
//! exits. `/init` runs it just before its marker line, which is how the
//! Linux boot benchmark reads "reset to /init" off the guest itself: under
//! `-icount shift=0` the counter runs at 1 GHz, one tick per instruction,
//! from QEMU's reset (Bulkhead leaves CNTVOFF_EL2 at 0).
//!
//! Debian ships no tool that reads CNTVCT_EL0 (busybox cannot), and an
//! aarch64 Linux target for Rust would be a second cross toolchain for
//! twenty instructions. So the program is written here as data: the
//! machine words below were produced by LLVM's assembler from the
//! assembly in their comments (`rustc --target aarch64-unknown-none
//! --emit obj` on a `global_asm!`, then `llvm-objdump -d`), and a test
//! disassembles them again with the toolchain's `llvm-objdump`.
//!
//! The file is one ELF header, one program header and one read-write-execute
//! `PT_LOAD` segment mapping the whole file at [`BASE`]: the code writes its
//! digits into the line inside the segment, then `write(1, line, 36)` and
//! `exit(0)`.

/// Where the file is mapped (the usual static-executable base).
pub const BASE: u64 = 0x40_0000;

/// Size of the ELF header plus one program header: the code starts here.
pub const HEADERS: usize = 64 + 56;

/// The code; it expects [`LINE`] right after it (PC-relative `adr`s).
const CODE: [u32; 22] = [
    0xd503_3fdf, // isb                     ; no earlier read of the counter
    0xd53b_e041, // mrs  x1, cntvct_el0
    0x7000_0382, // adr  x2, line+35        ; one past the last digit
    0xd280_0203, // mov  x3, #16
    0x9240_0c24, // 1: and x4, x1, #0xf
    0x9100_c085, // add  x5, x4, #'0'
    0x9101_5c86, // add  x6, x4, #('a' - 10)
    0xf100_289f, // cmp  x4, #10
    0x9a86_30a4, // csel x4, x5, x6, lo
    0x381f_fc44, // strb w4, [x2, #-1]!
    0xd344_fc21, // lsr  x1, x1, #4
    0xf100_0463, // subs x3, x3, #1
    0x54ff_ff01, // b.ne 1b
    0xd280_0020, // mov  x0, #1             ; stdout
    0x1000_0101, // adr  x1, line
    0xd280_0482, // mov  x2, #36            ; LINE.len()
    0xd280_0808, // mov  x8, #64            ; __NR_write
    0xd400_0001, // svc  #0
    0xd280_0000, // mov  x0, #0
    0xd280_0ba8, // mov  x8, #93            ; __NR_exit
    0xd400_0001, // svc  #0
    0x1400_0000, // b    .
];

/// The line it prints; the code overwrites the sixteen zeros.
const LINE: &[u8; 36] = b"BULKHEAD-CNTVCT: 0x0000000000000000\n";

/// What the line starts with.
pub const PREFIX: &str = "BULKHEAD-CNTVCT: 0x";

/// The program's bytes.
pub fn program() -> Vec<u8> {
    executable(&CODE, &[LINE])
}

/// A static arm64 executable: the ELF header and one read-write-execute
/// `PT_LOAD` program header covering the whole file at [`BASE`], the entry
/// right after them, then `code` and `data` in order (what `stamp`,
/// `evstamp` and `tone` are).
pub fn executable(code: &[u32], data: &[&[u8]]) -> Vec<u8> {
    let size = (HEADERS + code.len() * 4 + data.iter().map(|d| d.len()).sum::<usize>()) as u64;
    let entry = BASE + HEADERS as u64;
    let mut elf = Vec::with_capacity(size as usize);
    // ELF header: 64-bit, little-endian, version 1, System V ABI.
    elf.extend_from_slice(b"\x7fELF\x02\x01\x01\x00");
    elf.extend_from_slice(&[0; 8]);
    elf.extend_from_slice(&2u16.to_le_bytes()); // e_type: ET_EXEC
    elf.extend_from_slice(&183u16.to_le_bytes()); // e_machine: EM_AARCH64
    elf.extend_from_slice(&1u32.to_le_bytes()); // e_version
    elf.extend_from_slice(&entry.to_le_bytes()); // e_entry
    elf.extend_from_slice(&64u64.to_le_bytes()); // e_phoff
    elf.extend_from_slice(&0u64.to_le_bytes()); // e_shoff: no sections
    elf.extend_from_slice(&0u32.to_le_bytes()); // e_flags
    elf.extend_from_slice(&64u16.to_le_bytes()); // e_ehsize
    elf.extend_from_slice(&56u16.to_le_bytes()); // e_phentsize
    elf.extend_from_slice(&1u16.to_le_bytes()); // e_phnum
    elf.extend_from_slice(&[0; 6]); // e_shentsize, e_shnum, e_shstrndx
    // Program header: the whole file, read-write-execute.
    elf.extend_from_slice(&1u32.to_le_bytes()); // p_type: PT_LOAD
    elf.extend_from_slice(&7u32.to_le_bytes()); // p_flags: R | W | X
    elf.extend_from_slice(&0u64.to_le_bytes()); // p_offset
    elf.extend_from_slice(&BASE.to_le_bytes()); // p_vaddr
    elf.extend_from_slice(&BASE.to_le_bytes()); // p_paddr
    elf.extend_from_slice(&size.to_le_bytes()); // p_filesz
    elf.extend_from_slice(&size.to_le_bytes()); // p_memsz
    elf.extend_from_slice(&0x1000u64.to_le_bytes()); // p_align
    debug_assert_eq!(elf.len(), HEADERS);
    for word in code {
        elf.extend_from_slice(&word.to_le_bytes());
    }
    for d in data {
        elf.extend_from_slice(d);
    }
    debug_assert_eq!(elf.len() as u64, size);
    elf
}

/// The counter value in a console line that holds what the program printed
/// (after a domain prefix such as `[linux] `, if any); `None` if it holds
/// none.
pub fn parse(line: &str) -> Option<u64> {
    let digits = line.trim_end().split_once(PREFIX)?.1;
    (digits.len() == 16).then(|| u64::from_str_radix(digits, 16).ok()).flatten()
}

/// Asserts that the toolchain's `llvm-objdump` reads `code` as the
/// instructions `wanted`, in order (each line contains its entry): the
/// test of every hand-assembled program here (`name` names its scratch
/// directory).
/// Asserts that `bytes` is what [`executable`] makes: a static arm64
/// executable entered right after its headers, with one segment at
/// [`BASE`] that is the whole file.
#[cfg(test)]
pub(crate) fn assert_one_segment_executable(bytes: &[u8]) {
    use object::{Object, ObjectSegment};
    let file = object::File::parse(bytes).expect("an ELF file");
    assert_eq!(file.architecture(), object::Architecture::Aarch64);
    assert_eq!(file.kind(), object::ObjectKind::Executable);
    assert_eq!(file.entry(), BASE + HEADERS as u64);
    let segments: Vec<_> = file.segments().collect();
    assert_eq!(segments.len(), 1);
    assert_eq!(segments[0].address(), BASE);
    assert_eq!(segments[0].size(), bytes.len() as u64);
    assert_eq!(segments[0].file_range(), (0, bytes.len() as u64));
}

#[cfg(test)]
pub(crate) fn assert_disassembles_to(name: &str, code: &[u32], wanted: &[&str]) {
    // rust-toolchain.toml installs llvm-tools, so the tools must be there.
    let tool = |tool: &str| crate::workspace::llvm_tool(tool).unwrap_or_else(|| panic!("no {tool} in llvm-tools"));
    let dir = std::env::temp_dir().join(format!("bulkhead-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bytes: Vec<u8> = code.iter().flat_map(|w| w.to_le_bytes()).collect();
    std::fs::write(dir.join("code.bin"), bytes).unwrap();
    let run = |cmd: &mut std::process::Command| {
        let out = cmd.current_dir(&dir).output().unwrap();
        assert!(out.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).to_lowercase()
    };
    run(std::process::Command::new(tool("llvm-objcopy")).args([
        "-I",
        "binary",
        "-O",
        "elf64-littleaarch64",
        "code.bin",
        "code.o",
    ]));
    let text = run(std::process::Command::new(tool("llvm-objdump")).args(["-d", "-j", ".data", "code.o"]));
    std::fs::remove_dir_all(&dir).ok();
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.trim_start().split_once(": ").is_some_and(|(a, _)| a.chars().all(|c| c.is_ascii_hexdigit())))
        .collect();
    assert_eq!(lines.len(), code.len(), "{text}");
    assert_eq!(lines.len(), wanted.len(), "{text}");
    for (line, wanted) in lines.iter().zip(wanted) {
        assert!(line.contains(wanted), "expected `{wanted}` in `{line}`");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_program_is_a_static_arm64_executable_with_one_rwx_segment() {
        let bytes = program();
        assert_one_segment_executable(&bytes);
        // The line sits right after the code, where the `adr`s point.
        assert_eq!(&bytes[HEADERS + CODE.len() * 4..], LINE);
    }

    #[test]
    fn adr_targets_are_the_line_and_its_end() {
        // adr: immlo in bits 29..31, immhi in bits 5..24, PC-relative.
        let target = |index: usize| {
            let w = CODE[index];
            let imm = (((w >> 5) & 0x7_ffff) << 2) | ((w >> 29) & 3);
            index * 4 + imm as usize
        };
        let line = CODE.len() * 4;
        assert_eq!(target(2), line + LINE.len() - 1, "the digits end before the newline");
        assert_eq!(target(14), line);
        assert_eq!(LINE.len() - 1 - PREFIX.len(), 16);
    }

    #[test]
    fn llvm_objdump_reads_the_intended_instructions() {
        assert_disassembles_to(
            "stamp",
            &CODE,
            &[
                "isb",
                "mrs\tx1, cntvct_el0",
                "adr\tx2, 0x7b",
                "mov\tx3, #0x10",
                "and\tx4, x1, #0xf",
                "add\tx5, x4, #0x30",
                "add\tx6, x4, #0x57",
                "cmp\tx4, #0xa",
                "csel\tx4, x5, x6, lo",
                "strb\tw4, [x2, #-0x1]!",
                "lsr\tx1, x1, #4",
                "subs\tx3, x3, #0x1",
                "b.ne\t0x10",
                "mov\tx0, #0x1",
                "adr\tx1, 0x58",
                "mov\tx2, #0x24",
                "mov\tx8, #0x40",
                "svc\t#0",
                "mov\tx0, #0x0",
                "mov\tx8, #0x5d",
                "svc\t#0",
                "b\t0x54",
            ],
        );
    }

    #[test]
    fn printed_lines_parse() {
        assert_eq!(parse("BULKHEAD-CNTVCT: 0x000000003b9aca00\n"), Some(1_000_000_000));
        assert_eq!(parse("BULKHEAD-CNTVCT: 0x00000000deadbeef"), Some(0xdead_beef));
        assert_eq!(parse("[linux] BULKHEAD-CNTVCT: 0x0000000000000010\r"), Some(16));
        assert_eq!(parse("BULKHEAD-CNTVCT: 0x1234"), None);
        assert_eq!(parse("BULKHEAD-INIT: 2 cpus"), None);
    }
}
