// SPDX-License-Identifier: MIT
//! `/bin/bulkhead-evstamp`: a 419-byte static arm64 Linux program that
//! stamps keyboard events with the virtual counter. It prints
//! `BULKHEAD-EVSTAMP: ready`, then reads `struct input_event` records (24
//! bytes on arm64: 16 of time, then type and code as u16, value as s32)
//! from fd 0, one per `read()`, and after each read that returns an
//! `EV_KEY` record prints
//! `BULKHEAD-EVSTAMP: <code: 4 hex> <value: 8 hex> 0x<counter: 16 hex>`,
//! the counter read right after that `read()` returned; other records are
//! skipped unprinted. A read that returns anything but 24 bytes (end of
//! file, an error) ends it with `exit(1)`. `/init`'s `virtio-input-bench`
//! step runs it on the virtio keyboard's `/dev/input/eventN`, and the
//! virtio-input benchmark (`cmd::bench::virtio_input`) reads its lines:
//! under `-icount shift=0` the counter ticks once per instruction and
//! Bulkhead leaves CNTVOFF_EL2 at 0, so it is the same clock the driver
//! domains read.
//!
//! Made as `stamp` is (Debian's busybox cannot read the counter): the
//! machine words below were produced by LLVM's assembler from the assembly
//! in their comments (`rustc --target aarch64-unknown-none --emit obj` on a
//! `global_asm!`, then `llvm-objdump -d`), and a test disassembles them
//! again with the toolchain's `llvm-objdump`. Linux's arm64 system calls
//! keep every register but x0, so x7 holds the record's address throughout.
//!
//! The file is `stamp`'s ELF header and single read-write-execute
//! `PT_LOAD` program header (the whole file at [`BASE`], entry right after
//! the headers) with this file's size, then the code, the record buffer
//! ([`EVENT`], 8-aligned), [`READY`] and [`LINE`], whose digits the code
//! overwrites before each `write(1, line, 51)`.

pub use super::stamp::BASE;

/// The code; it expects [`EVENT`], [`READY`] and [`LINE`] right after it,
/// in that order (PC-relative `adr`s).
const CODE: [u32; 50] = [
    0x1000_0647, //     adr  x7, event          ; the record buffer, kept in x7
    0xd280_0020, //     mov  x0, #1             ; stdout
    0x1000_06c1, //     adr  x1, ready
    0xd280_0302, //     mov  x2, #24            ; READY.len()
    0xd280_0808, //     mov  x8, #64            ; __NR_write
    0xd400_0001, //     svc  #0
    0xd280_0000, // 1:  mov  x0, #0             ; stdin: the evdev node
    0xaa07_03e1, //     mov  x1, x7
    0xd280_0302, //     mov  x2, #24            ; sizeof(struct input_event)
    0xd280_07e8, //     mov  x8, #63            ; __NR_read
    0xd400_0001, //     svc  #0
    0xd503_3fdf, //     isb                     ; no earlier read of the counter
    0xd53b_e049, //     mrs  x9, cntvct_el0     ; the stamp: read() has returned
    0xf100_601f, //     cmp  x0, #24
    0x5400_0401, //     b.ne 3f                 ; end of file, error, short read
    0x7940_20ea, //     ldrh w10, [x7, #16]     ; type
    0x7100_055f, //     cmp  w10, #1            ; EV_KEY
    0x54ff_fea1, //     b.ne 1b
    0xaa09_03e1, //     mov  x1, x9
    0x5000_06e2, //     adr  x2, line+50        ; one past the counter's last digit
    0xd280_0203, //     mov  x3, #16
    0x9400_000f, //     bl   2f
    0xb940_14e1, //     ldr  w1, [x7, #20]      ; value
    0x7000_05c2, //     adr  x2, line+31        ; one past the value's last digit
    0xd280_0103, //     mov  x3, #8
    0x9400_000b, //     bl   2f
    0x7940_24e1, //     ldrh w1, [x7, #18]      ; code
    0x5000_0502, //     adr  x2, line+22        ; one past the code's last digit
    0xd280_0083, //     mov  x3, #4
    0x9400_0007, //     bl   2f
    0xd280_0020, //     mov  x0, #1             ; stdout
    0x1000_03e1, //     adr  x1, line
    0xd280_0662, //     mov  x2, #51            ; LINE.len()
    0xd280_0808, //     mov  x8, #64            ; __NR_write
    0xd400_0001, //     svc  #0
    0x17ff_ffe3, //     b    1b
    0x9240_0c24, // 2:  and  x4, x1, #0xf       ; x3 hex digits of x1, backwards from x2
    0x9100_c085, //     add  x5, x4, #'0'
    0x9101_5c86, //     add  x6, x4, #('a' - 10)
    0xf100_289f, //     cmp  x4, #10
    0x9a86_30a4, //     csel x4, x5, x6, lo
    0x381f_fc44, //     strb w4, [x2, #-1]!
    0xd344_fc21, //     lsr  x1, x1, #4
    0xf100_0463, //     subs x3, x3, #1
    0x54ff_ff01, //     b.ne 2b
    0xd65f_03c0, //     ret
    0xd280_0020, // 3:  mov  x0, #1
    0xd280_0ba8, //     mov  x8, #93            ; __NR_exit
    0xd400_0001, //     svc  #0
    0x1400_0000, //     b    .
];

/// The record buffer (`event:`): one `struct input_event`.
pub const EVENT: usize = 24;

/// Printed once, before the first `read()`.
pub const READY: &[u8; 24] = b"BULKHEAD-EVSTAMP: ready\n";

/// The line it prints per `EV_KEY` record; the code overwrites the zeros.
const LINE: &[u8; 51] = b"BULKHEAD-EVSTAMP: 0000 00000000 0x0000000000000000\n";

/// What every line starts with.
pub const PREFIX: &str = "BULKHEAD-EVSTAMP: ";

/// The program's bytes.
pub fn program() -> Vec<u8> {
    super::stamp::executable(&CODE, &[&[0; EVENT], READY, LINE])
}

/// One printed key record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    /// The key code (`KEY_A` is 30).
    pub code: u16,
    /// 1 press, 0 release, 2 autorepeat.
    pub value: i32,
    /// The virtual counter right after `read()` returned it.
    pub counter: u64,
}

/// The stamp in a console line that holds what the program printed (after
/// a domain prefix such as `[linux] `, if any); `None` if it holds none
/// (the ready line included).
pub fn parse(line: &str) -> Option<Stamp> {
    let rest = line.trim_end().split_once(PREFIX)?.1;
    let mut fields = rest.split(' ');
    let (code, value, counter) = (fields.next()?, fields.next()?, fields.next()?.strip_prefix("0x")?);
    if fields.next().is_some() || code.len() != 4 || value.len() != 8 || counter.len() != 16 {
        return None;
    }
    Some(Stamp {
        code: u16::from_str_radix(code, 16).ok()?,
        value: u32::from_str_radix(value, 16).ok()? as i32,
        counter: u64::from_str_radix(counter, 16).ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::super::stamp::HEADERS;
    use super::*;

    #[test]
    fn evstamp_is_a_static_arm64_executable_with_one_rwx_segment() {
        let bytes = program();
        assert_eq!(bytes.len(), 419);
        super::super::stamp::assert_one_segment_executable(&bytes);
        let data = HEADERS + CODE.len() * 4;
        assert_eq!(data % 8, 0, "the record buffer is 8-aligned");
        assert_eq!(&bytes[data..data + EVENT], &[0; EVENT]);
        assert_eq!(&bytes[data + EVENT..data + EVENT + READY.len()], READY);
        assert_eq!(&bytes[data + EVENT + READY.len()..], LINE);
    }

    #[test]
    fn evstamp_adr_and_branch_targets() {
        // adr: immlo in bits 29..31, immhi in bits 5..24, PC-relative.
        let adr = |index: usize| {
            let w = CODE[index];
            assert_eq!(w & 0x9f00_0000, 0x1000_0000, "word {index} is an adr");
            let imm = (((w >> 5) & 0x7_ffff) << 2) | ((w >> 29) & 3);
            index * 4 + imm as usize
        };
        let event = CODE.len() * 4;
        let (ready, line) = (event + EVENT, event + EVENT + READY.len());
        assert_eq!(adr(0), event);
        assert_eq!(adr(2), ready);
        assert_eq!(adr(31), line);
        // The digit fields end where the line's layout says.
        let text = std::str::from_utf8(LINE).unwrap();
        assert_eq!(adr(19), line + text.find('\n').unwrap(), "the counter ends before the newline");
        assert_eq!(adr(23), line + text.find(" 0x").unwrap(), "the value ends before ` 0x`");
        assert_eq!(adr(27), line + PREFIX.len() + 4, "the code is 4 digits after the prefix");
        // The lengths the writes use.
        let imm16 = |index: usize| ((CODE[index] >> 5) & 0xffff) as usize;
        assert_eq!(imm16(3), READY.len());
        assert_eq!(imm16(32), LINE.len());
        assert_eq!(imm16(8), 24, "one struct input_event per read()");
    }

    #[test]
    fn evstamp_llvm_objdump_reads_the_intended_instructions() {
        // Targets are offsets from the code's start: event 0xc8, ready
        // 0xe0, line 0xf8; labels 1: 0x18, 2: 0x90, 3: 0xb8.
        super::super::stamp::assert_disassembles_to(
            "evstamp",
            &CODE,
            &[
                "adr\tx7, 0xc8",
                "mov\tx0, #0x1",
                "adr\tx1, 0xe0",
                "mov\tx2, #0x18",
                "mov\tx8, #0x40",
                "svc\t#0",
                "mov\tx0, #0x0",
                "mov\tx1, x7",
                "mov\tx2, #0x18",
                "mov\tx8, #0x3f",
                "svc\t#0",
                "isb",
                "mrs\tx9, cntvct_el0",
                "cmp\tx0, #0x18",
                "b.ne\t0xb8",
                "ldrh\tw10, [x7, #0x10]",
                "cmp\tw10, #0x1",
                "b.ne\t0x18",
                "mov\tx1, x9",
                "adr\tx2, 0x12a",
                "mov\tx3, #0x10",
                "bl\t0x90",
                "ldr\tw1, [x7, #0x14]",
                "adr\tx2, 0x117",
                "mov\tx3, #0x8",
                "bl\t0x90",
                "ldrh\tw1, [x7, #0x12]",
                "adr\tx2, 0x10e",
                "mov\tx3, #0x4",
                "bl\t0x90",
                "mov\tx0, #0x1",
                "adr\tx1, 0xf8",
                "mov\tx2, #0x33",
                "mov\tx8, #0x40",
                "svc\t#0",
                "b\t0x18",
                "and\tx4, x1, #0xf",
                "add\tx5, x4, #0x30",
                "add\tx6, x4, #0x57",
                "cmp\tx4, #0xa",
                "csel\tx4, x5, x6, lo",
                "strb\tw4, [x2, #-0x1]!",
                "lsr\tx1, x1, #4",
                "subs\tx3, x3, #0x1",
                "b.ne\t0x90",
                "ret",
                "mov\tx0, #0x1",
                "mov\tx8, #0x5d",
                "svc\t#0",
                "b\t0xc4",
            ],
        );
    }

    #[test]
    fn evstamp_lines_parse() {
        let stamp = |code, value, counter| Some(Stamp { code, value, counter });
        assert_eq!(parse("BULKHEAD-EVSTAMP: 001e 00000001 0x000000003b9aca00\n"), stamp(30, 1, 1_000_000_000));
        assert_eq!(parse("[linux] BULKHEAD-EVSTAMP: 002e 00000000 0x00000000deadbeef\r"), stamp(46, 0, 0xdead_beef));
        assert_eq!(parse("BULKHEAD-EVSTAMP: 001e ffffffff 0x0000000000000010"), stamp(30, -1, 16));
        assert_eq!(parse("BULKHEAD-EVSTAMP: ready"), None);
        assert_eq!(parse("BULKHEAD-EVSTAMP: 001e 00000001 0x1234"), None);
        assert_eq!(parse("BULKHEAD-EVSTAMP: 1e 1 0x000000003b9aca00"), None);
        assert_eq!(parse("BULKHEAD-CNTVCT: 0x000000003b9aca00"), None);
    }
}
