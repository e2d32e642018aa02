// SPDX-License-Identifier: MIT
//! `/bin/bulkhead-tone`: a static arm64 Linux program that plays a 480 Hz
//! tone through ALSA's first playback device, `/dev/snd/pcmC0D0p` (the
//! virtio-snd device the device model emulates). It opens the device,
//! sets its hardware parameters ([`hw_params`]: interleaved S16_LE stereo
//! at 48 kHz, periods of [`PERIOD_FRAMES`] in a buffer of
//! [`BUFFER_FRAMES`]), prepares it, prints `BULKHEAD-TONE: playing`,
//! writes the same [`FRAMES`]-frame block ([`pcm`]: exactly 81 cycles of
//! the tone, 100 samples each, at half of full scale, about -6 dBFS)
//! [`WRITES`] times with `SNDRV_PCM_IOCTL_WRITEI_FRAMES` (ALSA starts the
//! stream on the first write: its default start threshold is one frame),
//! prints `BULKHEAD-TONE: done` and exits 0. A write answered `-EPIPE`
//! (an underrun: the guest did not write in time) prints
//! `BULKHEAD-TONE: underrun`, prepares the device again and writes the
//! same block again, as `aplay` does, at most [`MAX_UNDERRUNS`] times;
//! any other failed system call (or one underrun more) prints
//! `BULKHEAD-TONE: failed` and exits 1. `/init`'s `virtio-snd` step runs
//! it; the virtio-snd QEMU test looks for the tone in the recording.
//!
//! Made as `stamp` and `evstamp` are: the machine words below were
//! produced by LLVM's assembler from the assembly in their comments
//! (`rustc --target aarch64-unknown-none --emit obj` on a `global_asm!`,
//! then `llvm-objdump -d`), and a test disassembles them again with the
//! toolchain's `llvm-objdump`. Everything else is built here: the
//! `struct snd_pcm_hw_params` (608 bytes on arm64, Linux 6.12's
//! `include/uapi/sound/asound.h`), the `struct snd_xferi` (24 bytes)
//! whose buffer pointer is the PCM's address in the mapped file, the PCM,
//! the path and the lines. The code only makes the system calls; Linux's
//! arm64 system calls keep every register but x0, so x10 holds the file
//! descriptor, x11 the writes left, x12 the `snd_xferi`'s address and
//! x13 the underruns left.
//!
//! The file is `stamp`'s ELF header and single read-write-execute
//! `PT_LOAD` program header (the whole file at [`BASE`]; the kernel
//! writes its answer into the parameters inside it) with this file's
//! size, then the code, the parameters (8-aligned), the `snd_xferi`, the
//! PCM, the path and the four lines.

pub use super::stamp::BASE;

use super::stamp::HEADERS;

/// Frames per period the program asks for (about 21 ms).
pub const PERIOD_FRAMES: u32 = 1024;
/// Frames in ALSA's ring buffer: eight periods, about 171 ms, the most
/// virtio-snd allows (32 KiB), so that a guest slowed down by its host
/// does not underrun.
pub const BUFFER_FRAMES: u32 = 8 * PERIOD_FRAMES;
/// Frames per write: 168.75 ms, 81 whole cycles of the tone, and nearly
/// the whole buffer: ALSA starts the stream on the first write (its
/// default start threshold is one frame), so the first write is what the
/// stream has in hand before the program writes again.
pub const FRAMES: usize = 8100;
/// Writes: 30 of 168.75 ms, about five seconds of tone.
pub const WRITES: u16 = 30;
/// The tone, in Hz: 100 samples per cycle at 48 kHz.
pub const TONE_HZ: u32 = 480;
/// The rate.
pub const RATE: u32 = 48_000;
/// The tone's peak: half of full scale (-6 dBFS).
pub const AMPLITUDE: f64 = 16384.0;

/// `_IOC(dir, type, nr, size)` of Linux's `asm-generic/ioctl.h` (arm64).
pub const fn ioc(dir: u32, ty: u8, nr: u8, size: u32) -> u32 {
    (dir << 30) | (size << 16) | ((ty as u32) << 8) | nr as u32
}
/// `_IOC_WRITE | _IOC_READ`.
const IOC_RW: u32 = 3;
/// `_IOC_WRITE`.
const IOC_W: u32 = 1;
/// `sizeof(struct snd_pcm_hw_params)` on arm64.
pub const HW_PARAMS_LEN: usize = 608;
/// `sizeof(struct snd_xferi)` on arm64.
pub const XFERI_LEN: usize = 24;
/// `SNDRV_PCM_IOCTL_HW_PARAMS`: `_IOWR('A', 0x11, struct snd_pcm_hw_params)`.
pub const IOCTL_HW_PARAMS: u32 = ioc(IOC_RW, b'A', 0x11, HW_PARAMS_LEN as u32);
/// `SNDRV_PCM_IOCTL_PREPARE`: `_IO('A', 0x40)`.
pub const IOCTL_PREPARE: u32 = ioc(0, b'A', 0x40, 0);
/// `SNDRV_PCM_IOCTL_WRITEI_FRAMES`: `_IOW('A', 0x50, struct snd_xferi)`.
pub const IOCTL_WRITEI_FRAMES: u32 = ioc(IOC_W, b'A', 0x50, XFERI_LEN as u32);

/// `struct snd_pcm_hw_params` offsets: `flags`, then 3 masks of 32 bytes
/// (access, format, subformat), 5 reserved masks, 12 intervals of 12
/// bytes (`min`, `max`, the four flag bits), 9 reserved intervals, then
/// `rmask`, `cmask`, `info`, `msbits`, `rate_num`, `rate_den`,
/// `fifo_size` (8 bytes), `sync[16]`, `reserved[48]`.
pub mod layout {
    /// `masks[0]`.
    pub const MASKS: usize = 4;
    /// One `struct snd_mask` (256 bits).
    pub const MASK_LEN: usize = 32;
    /// `intervals[0]`: after the 3 masks and 5 reserved ones.
    pub const INTERVALS: usize = MASKS + 8 * MASK_LEN;
    /// One `struct snd_interval`.
    pub const INTERVAL_LEN: usize = 12;
    /// `rmask`: after the 12 intervals and 9 reserved ones.
    pub const RMASK: usize = INTERVALS + 21 * INTERVAL_LEN;
    /// `cmask`.
    pub const CMASK: usize = RMASK + 4;
    /// `fifo_size` (8-aligned).
    pub const FIFO_SIZE: usize = RMASK + 6 * 4;
    /// `sync[16]`.
    pub const SYNC: usize = FIFO_SIZE + 8;
    /// `reserved[48]`; the structure ends after it.
    pub const RESERVED: usize = SYNC + 16;
    /// `SNDRV_PCM_HW_PARAM_ACCESS`, the first mask.
    pub const PARAM_ACCESS: usize = 0;
    /// `SNDRV_PCM_HW_PARAM_FORMAT`.
    pub const PARAM_FORMAT: usize = 1;
    /// `SNDRV_PCM_HW_PARAM_SUBFORMAT`.
    pub const PARAM_SUBFORMAT: usize = 2;
    /// `SNDRV_PCM_HW_PARAM_SAMPLE_BITS`, the first interval.
    pub const FIRST_INTERVAL: usize = 8;
    /// `SNDRV_PCM_HW_PARAM_CHANNELS`.
    pub const PARAM_CHANNELS: usize = 10;
    /// `SNDRV_PCM_HW_PARAM_RATE`.
    pub const PARAM_RATE: usize = 11;
    /// `SNDRV_PCM_HW_PARAM_PERIOD_SIZE` (frames).
    pub const PARAM_PERIOD_SIZE: usize = 13;
    /// `SNDRV_PCM_HW_PARAM_BUFFER_SIZE` (frames).
    pub const PARAM_BUFFER_SIZE: usize = 17;
    /// `SNDRV_PCM_HW_PARAM_TICK_TIME`, the last interval.
    pub const LAST_INTERVAL: usize = 19;
}

/// `SNDRV_PCM_ACCESS_RW_INTERLEAVED`.
pub const ACCESS_RW_INTERLEAVED: u32 = 3;
/// `SNDRV_PCM_FORMAT_S16_LE`.
pub const FORMAT_S16_LE: u32 = 2;
/// `SNDRV_PCM_SUBFORMAT_STD`.
pub const SUBFORMAT_STD: u32 = 0;

/// The code; it expects the parameters, the `snd_xferi`, the PCM, the
/// path and the lines right after it, in that order (PC-relative `adr`s).
const CODE: [u32; 74] = [
    0x1000_0949, //     adr  x9, params
    0x9280_0c60, //     movn x0, #99         ; AT_FDCWD (-100)
    0x1004_1141, //     adr  x1, path
    0xd280_0042, //     mov  x2, #2          ; O_RDWR
    0xd280_0003, //     mov  x3, #0
    0xd280_0708, //     mov  x8, #56         ; __NR_openat
    0xd400_0001, //     svc  #0
    0xb7f8_0560, //     tbnz x0, #63, 3f     ; -errno
    0xaa00_03ea, //     mov  x10, x0         ; the PCM's fd
    0xaa0a_03e0, //     mov  x0, x10
    0xd288_2221, //     mov  x1, #0x4111     ; SNDRV_PCM_IOCTL_HW_PARAMS
    0xf2b8_4c01, //     movk x1, #0xc260, lsl #16
    0xaa09_03e2, //     mov  x2, x9
    0xd280_03a8, //     mov  x8, #29         ; __NR_ioctl
    0xd400_0001, //     svc  #0
    0xb500_0460, //     cbnz x0, 3f
    0xaa0a_03e0, //     mov  x0, x10
    0xd288_2801, //     mov  x1, #0x4140     ; SNDRV_PCM_IOCTL_PREPARE
    0xd280_0002, //     mov  x2, #0
    0xd280_03a8, //     mov  x8, #29         ; __NR_ioctl
    0xd400_0001, //     svc  #0
    0xb500_03a0, //     cbnz x0, 3f
    0xd280_0020, //     mov  x0, #1          ; stdout
    0x5004_0f21, //     adr  x1, playing
    0xd280_02e2, //     mov  x2, #23         ; PLAYING.len()
    0xd280_0808, //     mov  x8, #64         ; __NR_write
    0xd400_0001, //     svc  #0
    0xd280_03cb, //     mov  x11, #30        ; WRITES
    0xd280_020d, //     mov  x13, #16        ; MAX_UNDERRUNS + 1
    0x1000_18ac, //     adr  x12, xferi
    0xaa0a_03e0, // 1:  mov  x0, x10
    0xd288_2a01, //     mov  x1, #0x4150     ; SNDRV_PCM_IOCTL_WRITEI_FRAMES
    0xf2a8_0301, //     movk x1, #0x4018, lsl #16
    0xaa0c_03e2, //     mov  x2, x12
    0xd280_03a8, //     mov  x8, #29         ; __NR_ioctl
    0xd400_0001, //     svc  #0
    0xb100_801f, //     cmn  x0, #32         ; -EPIPE: an underrun
    0x5400_02c0, //     b.eq 4f
    0xb500_0180, //     cbnz x0, 3f
    0xf100_056b, //     subs x11, x11, #1
    0x54ff_fec1, //     b.ne 1b
    0xd280_0020, //     mov  x0, #1          ; stdout
    0x3004_0d81, //     adr  x1, done
    0xd280_0282, //     mov  x2, #20         ; DONE.len()
    0xd280_0808, //     mov  x8, #64         ; __NR_write
    0xd400_0001, //     svc  #0
    0xd280_0000, //     mov  x0, #0
    0xd280_0ba8, //     mov  x8, #93         ; __NR_exit
    0xd400_0001, //     svc  #0
    0x1400_0000, //     b    .
    0xd280_0020, // 3:  mov  x0, #1          ; stdout
    0x3004_0d01, //     adr  x1, failed
    0xd280_02c2, //     mov  x2, #22         ; FAILED.len()
    0xd280_0808, //     mov  x8, #64         ; __NR_write
    0xd400_0001, //     svc  #0
    0xd280_0020, //     mov  x0, #1
    0xd280_0ba8, //     mov  x8, #93         ; __NR_exit
    0xd400_0001, //     svc  #0
    0x1400_0000, //     b    .
    0xd280_0020, // 4:  mov  x0, #1          ; stdout
    0x7004_0c81, //     adr  x1, underrun
    0xd280_0302, //     mov  x2, #24         ; UNDERRUN.len()
    0xd280_0808, //     mov  x8, #64         ; __NR_write
    0xd400_0001, //     svc  #0
    0xf100_05ad, //     subs x13, x13, #1
    0x54ff_fe20, //     b.eq 3b              ; too many underruns
    0xaa0a_03e0, //     mov  x0, x10
    0xd288_2801, //     mov  x1, #0x4140     ; SNDRV_PCM_IOCTL_PREPARE
    0xd280_0002, //     mov  x2, #0
    0xd280_03a8, //     mov  x8, #29         ; __NR_ioctl
    0xd400_0001, //     svc  #0
    0xb5ff_fd60, //     cbnz x0, 3b
    0x17ff_ffd6, //     b    1b              ; the same block again
    0xd503_201f, //     nop                  ; the parameters 8-aligned
];

/// The device node (NUL-terminated).
pub const PATH: &[u8; 18] = b"/dev/snd/pcmC0D0p\0";
/// Printed after PREPARE, before the first write.
pub const PLAYING: &[u8; 23] = b"BULKHEAD-TONE: playing\n";
/// Printed after the last write.
pub const DONE: &[u8; 20] = b"BULKHEAD-TONE: done\n";
/// Printed when a system call fails.
pub const FAILED: &[u8; 22] = b"BULKHEAD-TONE: failed\n";
/// Printed for each underrun (a write answered `-EPIPE`).
pub const UNDERRUN: &[u8; 24] = b"BULKHEAD-TONE: underrun\n";
/// Underruns it survives: the one after these fails.
pub const MAX_UNDERRUNS: u16 = 15;

/// Offsets from the code's start.
const PARAMS_AT: usize = CODE.len() * 4;
const XFERI_AT: usize = PARAMS_AT + HW_PARAMS_LEN;
const PCM_AT: usize = XFERI_AT + XFERI_LEN;
const PCM_LEN: usize = FRAMES * 4;
const PATH_AT: usize = PCM_AT + PCM_LEN;
const PLAYING_AT: usize = PATH_AT + PATH.len();
const DONE_AT: usize = PLAYING_AT + PLAYING.len();
const FAILED_AT: usize = DONE_AT + DONE.len();
const UNDERRUN_AT: usize = FAILED_AT + FAILED.len();
const END: usize = UNDERRUN_AT + UNDERRUN.len();

fn put32(buf: &mut [u8], at: usize, value: u32) {
    buf[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

/// The `struct snd_pcm_hw_params` the program passes to HW_PARAMS:
/// access RW_INTERLEAVED, format S16_LE, subformat STD, 2 channels,
/// 48000 Hz, [`PERIOD_FRAMES`] and [`BUFFER_FRAMES`] exactly; every other
/// interval full (`[0, UINT_MAX]`, no flags); `rmask` all ones (refine
/// every parameter).
pub fn hw_params() -> [u8; HW_PARAMS_LEN] {
    use layout::*;
    let mut p = [0u8; HW_PARAMS_LEN];
    let mask = |p: &mut [u8], param: usize, bit: u32| {
        let at = MASKS + param * MASK_LEN + (bit as usize / 32) * 4;
        put32(p, at, 1 << (bit % 32));
    };
    mask(&mut p, PARAM_ACCESS, ACCESS_RW_INTERLEAVED);
    mask(&mut p, PARAM_FORMAT, FORMAT_S16_LE);
    mask(&mut p, PARAM_SUBFORMAT, SUBFORMAT_STD);
    for param in FIRST_INTERVAL..=LAST_INTERVAL {
        let exact = match param {
            PARAM_CHANNELS => Some(2),
            PARAM_RATE => Some(RATE),
            PARAM_PERIOD_SIZE => Some(PERIOD_FRAMES),
            PARAM_BUFFER_SIZE => Some(BUFFER_FRAMES),
            _ => None,
        };
        let (min, max) = exact.map_or((0, u32::MAX), |v| (v, v));
        let at = INTERVALS + (param - FIRST_INTERVAL) * INTERVAL_LEN;
        put32(&mut p, at, min);
        put32(&mut p, at + 4, max);
    }
    put32(&mut p, RMASK, u32::MAX);
    p
}

/// The `struct snd_xferi` (`result`, `buf`, `frames`): the PCM at its
/// address in the mapped file, [`FRAMES`] frames.
fn xferi() -> [u8; XFERI_LEN] {
    let mut x = [0u8; XFERI_LEN];
    let buf = BASE + (HEADERS + PCM_AT) as u64;
    x[8..16].copy_from_slice(&buf.to_le_bytes());
    x[16..24].copy_from_slice(&(FRAMES as u64).to_le_bytes());
    x
}

/// [`FRAMES`] interleaved S16_LE stereo frames of the tone, the same on
/// both channels: `round(AMPLITUDE * sin(2π n / 100))`.
pub fn pcm() -> Vec<u8> {
    let per_cycle = (RATE / TONE_HZ) as usize;
    (0..FRAMES)
        .flat_map(|n| {
            let phase = 2.0 * std::f64::consts::PI * (n % per_cycle) as f64 / per_cycle as f64;
            let s = ((AMPLITUDE * phase.sin()).round() as i16).to_le_bytes();
            [s[0], s[1], s[0], s[1]]
        })
        .collect()
}

/// The program's bytes.
pub fn program() -> Vec<u8> {
    let elf = super::stamp::executable(&CODE, &[&hw_params(), &xferi(), &pcm(), PATH, PLAYING, DONE, FAILED, UNDERRUN]);
    debug_assert_eq!(elf.len(), HEADERS + END);
    elf
}

#[cfg(test)]
mod tests {
    use super::layout::*;
    use super::*;

    fn get32(buf: &[u8], at: usize) -> u32 {
        u32::from_le_bytes(buf[at..at + 4].try_into().unwrap())
    }

    #[test]
    fn tone_hw_params_layout_matches_linux_6_12() {
        // asound.h: flags; masks[3]; mres[5]; intervals[12]; ires[9];
        // rmask, cmask, info, msbits, rate_num, rate_den; fifo_size;
        // sync[16]; reserved[48] — 608 bytes, as _IOWR's size says.
        assert_eq!(INTERVALS, 260);
        assert_eq!(RMASK, 512);
        assert_eq!(CMASK, 516);
        assert_eq!(FIFO_SIZE, 536);
        assert_eq!(FIFO_SIZE % 8, 0);
        assert_eq!(SYNC, 544);
        assert_eq!(RESERVED + 48, HW_PARAMS_LEN);
        assert_eq!(LAST_INTERVAL - FIRST_INTERVAL + 1, 12);
        assert_eq!(IOCTL_HW_PARAMS, 0xc260_4111);
        assert_eq!(IOCTL_PREPARE, 0x4140);
        assert_eq!(IOCTL_WRITEI_FRAMES, 0x4018_4150);
    }

    #[test]
    fn tone_hw_params_ask_for_exactly_the_stream() {
        let p = hw_params();
        assert_eq!(get32(&p, 0), 0, "flags");
        assert_eq!(get32(&p, MASKS), 1 << 3, "access RW_INTERLEAVED");
        assert_eq!(get32(&p, MASKS + MASK_LEN), 1 << 2, "format S16_LE");
        assert_eq!(get32(&p, MASKS + 2 * MASK_LEN), 1, "subformat STD");
        // The rest of each mask, and the reserved masks, are zero.
        for param in 0..8 {
            for word in 1..8 {
                assert_eq!(get32(&p, MASKS + param * MASK_LEN + word * 4), 0);
            }
        }
        assert!(p[MASKS + 3 * MASK_LEN..INTERVALS].iter().all(|&b| b == 0));
        let interval = |param: usize| {
            let at = INTERVALS + (param - FIRST_INTERVAL) * INTERVAL_LEN;
            (get32(&p, at), get32(&p, at + 4), get32(&p, at + 8))
        };
        assert_eq!(interval(PARAM_CHANNELS), (2, 2, 0));
        assert_eq!(interval(PARAM_RATE), (48_000, 48_000, 0));
        assert_eq!(interval(PARAM_PERIOD_SIZE), (1024, 1024, 0));
        assert_eq!(interval(PARAM_BUFFER_SIZE), (8192, 8192, 0));
        for param in [8, 9, 12, 14, 15, 16, 18, 19] {
            assert_eq!(interval(param), (0, u32::MAX, 0), "interval {param} is full");
        }
        assert!(p[INTERVALS + 12 * INTERVAL_LEN..RMASK].iter().all(|&b| b == 0), "ires");
        assert_eq!(get32(&p, RMASK), u32::MAX);
        assert!(p[CMASK..].iter().all(|&b| b == 0));
        // virtio-snd takes at most 32 KiB buffers of whole periods.
        assert!(BUFFER_FRAMES * 4 <= 32 * 1024 && BUFFER_FRAMES.is_multiple_of(PERIOD_FRAMES));
    }

    #[test]
    fn tone_pcm_is_whole_cycles_of_480_hz_at_minus_6_dbfs() {
        let pcm = pcm();
        assert_eq!(pcm.len(), FRAMES * 4);
        assert_eq!(FRAMES % 100, 0, "whole cycles");
        let left: Vec<i16> = pcm.chunks(4).map(|f| i16::from_le_bytes([f[0], f[1]])).collect();
        let right: Vec<i16> = pcm.chunks(4).map(|f| i16::from_le_bytes([f[2], f[3]])).collect();
        assert_eq!(left, right);
        assert_eq!((left[0], left[25], left[50], left[75]), (0, 16384, 0, -16384));
        assert!(left.iter().enumerate().all(|(n, &s)| s == left[n % 100]), "100 samples per cycle");
        let rms = (left.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / left.len() as f64).sqrt();
        let dbfs = 20.0 * (rms * std::f64::consts::SQRT_2 / 32768.0).log10();
        assert!((dbfs + 6.02).abs() < 0.1, "{dbfs} dBFS");
    }

    #[test]
    fn tone_is_a_static_arm64_executable_with_its_data_in_place() {
        let bytes = program();
        super::super::stamp::assert_one_segment_executable(&bytes);
        let at = |offset: usize| HEADERS + offset;
        assert_eq!(at(PARAMS_AT) % 8, 0, "the parameters are 8-aligned");
        assert_eq!(&bytes[at(PARAMS_AT)..at(XFERI_AT)], &hw_params());
        let x = &bytes[at(XFERI_AT)..at(PCM_AT)];
        assert_eq!(u64::from_le_bytes(x[0..8].try_into().unwrap()), 0);
        assert_eq!(u64::from_le_bytes(x[8..16].try_into().unwrap()), BASE + at(PCM_AT) as u64);
        assert_eq!(u64::from_le_bytes(x[16..24].try_into().unwrap()), FRAMES as u64);
        assert_eq!(&bytes[at(PCM_AT)..at(PATH_AT)], &pcm()[..]);
        assert_eq!(&bytes[at(PATH_AT)..at(PLAYING_AT)], PATH);
        assert_eq!(&bytes[at(PLAYING_AT)..at(DONE_AT)], PLAYING);
        assert_eq!(&bytes[at(DONE_AT)..at(FAILED_AT)], DONE);
        assert_eq!(&bytes[at(FAILED_AT)..at(UNDERRUN_AT)], FAILED);
        assert_eq!(&bytes[at(UNDERRUN_AT)..], UNDERRUN);
    }

    #[test]
    fn tone_adr_targets_immediates_and_ioctl_numbers() {
        let adr = |index: usize| {
            let w = CODE[index];
            assert_eq!(w & 0x9f00_0000, 0x1000_0000, "word {index} is an adr");
            let imm = (((w >> 5) & 0x7_ffff) << 2) | ((w >> 29) & 3);
            index * 4 + imm as usize
        };
        assert_eq!(adr(0), PARAMS_AT);
        assert_eq!(adr(2), PATH_AT);
        assert_eq!(adr(23), PLAYING_AT);
        assert_eq!(adr(29), XFERI_AT);
        assert_eq!(adr(42), DONE_AT);
        assert_eq!(adr(51), FAILED_AT);
        assert_eq!(adr(60), UNDERRUN_AT);
        let imm16 = |index: usize| (CODE[index] >> 5) & 0xffff;
        assert_eq!(imm16(10) | imm16(11) << 16, IOCTL_HW_PARAMS);
        assert_eq!(imm16(17), IOCTL_PREPARE);
        assert_eq!(imm16(67), IOCTL_PREPARE, "after an underrun");
        assert_eq!(imm16(31) | imm16(32) << 16, IOCTL_WRITEI_FRAMES);
        assert_eq!(imm16(24) as usize, PLAYING.len());
        assert_eq!(imm16(43) as usize, DONE.len());
        assert_eq!(imm16(52) as usize, FAILED.len());
        assert_eq!(imm16(61) as usize, UNDERRUN.len());
        assert_eq!(imm16(27), u32::from(WRITES));
        assert_eq!(imm16(28), u32::from(MAX_UNDERRUNS) + 1);
        // cmn x0, #32: the -EPIPE an underrun gives.
        assert_eq!((CODE[36] >> 10) & 0xfff, 32);
    }

    #[test]
    fn tone_llvm_objdump_reads_the_intended_instructions() {
        // Targets are offsets from the code's start: params 0x128, xferi
        // 0x388, path 0x8230, playing 0x8242, done 0x8259, failed 0x826d,
        // underrun 0x8283; labels 1: 0x78, 3: 0xc8, 4: 0xec.
        super::super::stamp::assert_disassembles_to(
            "tone",
            &CODE,
            &[
                "adr\tx9, 0x128",
                "mov\tx0, #-0x64",
                "adr\tx1, 0x8230",
                "mov\tx2, #0x2",
                "mov\tx3, #0x0",
                "mov\tx8, #0x38",
                "svc\t#0",
                "tbnz\tx0, #0x3f, 0xc8",
                "mov\tx10, x0",
                "mov\tx0, x10",
                "mov\tx1, #0x4111",
                "movk\tx1, #0xc260, lsl #16",
                "mov\tx2, x9",
                "mov\tx8, #0x1d",
                "svc\t#0",
                "cbnz\tx0, 0xc8",
                "mov\tx0, x10",
                "mov\tx1, #0x4140",
                "mov\tx2, #0x0",
                "mov\tx8, #0x1d",
                "svc\t#0",
                "cbnz\tx0, 0xc8",
                "mov\tx0, #0x1",
                "adr\tx1, 0x8242",
                "mov\tx2, #0x17",
                "mov\tx8, #0x40",
                "svc\t#0",
                "mov\tx11, #0x1e",
                "mov\tx13, #0x10",
                "adr\tx12, 0x388",
                "mov\tx0, x10",
                "mov\tx1, #0x4150",
                "movk\tx1, #0x4018, lsl #16",
                "mov\tx2, x12",
                "mov\tx8, #0x1d",
                "svc\t#0",
                "cmn\tx0, #0x20",
                "b.eq\t0xec",
                "cbnz\tx0, 0xc8",
                "subs\tx11, x11, #0x1",
                "b.ne\t0x78",
                "mov\tx0, #0x1",
                "adr\tx1, 0x8259",
                "mov\tx2, #0x14",
                "mov\tx8, #0x40",
                "svc\t#0",
                "mov\tx0, #0x0",
                "mov\tx8, #0x5d",
                "svc\t#0",
                "b\t0xc4",
                "mov\tx0, #0x1",
                "adr\tx1, 0x826d",
                "mov\tx2, #0x16",
                "mov\tx8, #0x40",
                "svc\t#0",
                "mov\tx0, #0x1",
                "mov\tx8, #0x5d",
                "svc\t#0",
                "b\t0xe8",
                "mov\tx0, #0x1",
                "adr\tx1, 0x8283",
                "mov\tx2, #0x18",
                "mov\tx8, #0x40",
                "svc\t#0",
                "subs\tx13, x13, #0x1",
                "b.eq\t0xc8",
                "mov\tx0, x10",
                "mov\tx1, #0x4140",
                "mov\tx2, #0x0",
                "mov\tx8, #0x1d",
                "svc\t#0",
                "cbnz\tx0, 0xc8",
                "b\t0x78",
                "nop",
            ],
        );
    }
}
