// SPDX-License-Identifier: MIT
//! The QEMU integration tests. Each boots a real image under a timeout and
//! takes its verdict from QEMU's exit status (the kernel's semihosting exit
//! code) together with the kernel's own log lines.

use crate::board::schema::LogFormat;
use crate::cmd::build::{Built, build};
use crate::cmd::test::Tally;
use crate::elf;
use crate::qemu::{self, Outcome, Overrides};
use anyhow::{Context, Result, ensure};
use bulkhead_abi::ExitCode;
use std::process::Command;
use std::time::{Duration, Instant};

/// Every QEMU run gets at most this long.
const TIMEOUT: Duration = Duration::from_secs(60);

/// Images built once and shared by the tests.
#[derive(Default)]
struct Ctx {
    text: Option<Built>,
}

impl Ctx {
    fn text(&mut self) -> Result<&Built> {
        if self.text.is_none() {
            self.text = Some(build("qemu-virt", Some(LogFormat::Text))?);
        }
        self.text.as_ref().context("image not built")
    }
}

fn boot(built: &Built, image: &std::path::Path, o: &Overrides) -> Result<Outcome> {
    let cmd = qemu::command(&built.board, image, true, o)?;
    qemu::run_captured(cmd, TIMEOUT)
}

/// Checks the exit status and the console; a failure carries the tail of
/// the console so that the reason is visible in the test log.
fn expect(out: &Outcome, code: ExitCode, lines: &[&str]) -> Result<()> {
    let problem = if out.timed_out {
        Some(format!("QEMU timed out after {}s", TIMEOUT.as_secs()))
    } else if out.code != Some(code as i32) {
        Some(format!("QEMU exited with {:?}, expected {} ({code:?})", out.code, code as i32))
    } else {
        lines.iter().find(|l| !out.output.contains(*l)).map(|l| format!("the console never printed `{l}`"))
    };
    match problem {
        None => Ok(()),
        Some(problem) => {
            let lines: Vec<&str> = out.output.lines().collect();
            let tail = lines[lines.len().saturating_sub(40)..].join("\n");
            anyhow::bail!("{problem}\n--- console (last 40 lines) ---\n{tail}")
        }
    }
}

fn banner_reports_all_cpus(ctx: &mut Ctx) -> Result<()> {
    let built = ctx.text()?;
    let out = boot(built, &built.image, &Overrides::default())?;
    let mut lines =
        vec!["pCPUs:   8 online of 8".to_string(), "board:   qemu-virt".to_string(), "domains: 2".to_string()];
    lines.extend((0..8).map(|i| format!("pCPU {i} online")));
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    expect(&out, ExitCode::Success, &lines)
}

fn fewer_cpus_is_a_boot_error(ctx: &mut Ctx) -> Result<()> {
    let built = ctx.text()?;
    let out = boot(built, &built.image, &Overrides { smp: Some(4), ..Overrides::default() })?;
    expect(&out, ExitCode::BootError, &["boot error: the board file says 8 CPUs but the device tree has 4"])?;
    ensure!(!out.output.contains("online of"), "a banner was printed despite the boot error");
    Ok(())
}

fn less_ram_is_a_boot_error(ctx: &mut Ctx) -> Result<()> {
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

fn corrupt_config_is_refused(ctx: &mut Ctx) -> Result<()> {
    let built = ctx.text()?;
    let image = patched_image(built, "corrupt", |blob| blob[bulkhead_bootcfg::HEADER_LEN + 3] ^= 0x40)?;
    let out = boot(built, &image, &Overrides::default())?;
    expect(&out, ExitCode::BootError, &["boot error: configuration checksum mismatch"])
}

fn wrong_config_version_is_refused(ctx: &mut Ctx) -> Result<()> {
    let built = ctx.text()?;
    let next = bulkhead_bootcfg::VERSION + 1;
    let image = patched_image(built, "version", |blob| blob[4..8].copy_from_slice(&next.to_le_bytes()))?;
    let out = boot(built, &image, &Overrides::default())?;
    let line = format!("boot error: configuration blob has version {next}, this kernel reads version {}", next - 1);
    expect(&out, ExitCode::BootError, &[&line])
}

fn panic_reports_location(ctx: &mut Ctx) -> Result<()> {
    let built = ctx.text()?;
    let o = Overrides { append: Some("bulkhead.selftest=panic".into()), ..Overrides::default() };
    let out = boot(built, &built.image, &o)?;
    expect(&out, ExitCode::Panic, &["PANIC at kernel/aarch64/src/boot.rs:", "selftest: deliberate panic"])
}

fn defmt_frames_decode(_ctx: &mut Ctx) -> Result<()> {
    let built = build("qemu-virt", Some(LogFormat::Defmt))?;
    let out = boot(&built, &built.image, &Overrides::default())?;
    ensure!(out.code == Some(0), "defmt build exited with {:?}", out.code);
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
    for line in ["pCPUs:   8 online of 8", "pCPU 7 online", "boot complete"] {
        ensure!(text.contains(line), "defmt-print output lacks `{line}`:\n{text}");
    }
    Ok(())
}

fn imx8mp_evk_builds_a_bootable_image(_ctx: &mut Ctx) -> Result<()> {
    let built = build("imx8mp-evk", None)?;
    let image = std::fs::read(&built.image)?;
    let word = |at: usize| u64::from_le_bytes(image[at..at + 8].try_into().unwrap_or_default());
    ensure!(&image[0x38..0x3c] == b"ARM\x64", "no arm64 Image magic");
    ensure!(word(8) == 0x20_0000, "text_offset is {:#x}, expected 0x200000", word(8));
    ensure!(word(16) == built.board.config.kernel.size, "image_size {:#x} is not the kernel region", word(16));
    ensure!(word(24) == 0x2, "flags {:#x}: expected LE, 4 KiB pages, not relocatable", word(24));
    Ok(())
}

fn check_rejects_a_bad_board_with_exit_2(_ctx: &mut Ctx) -> Result<()> {
    let source = std::fs::read_to_string(crate::workspace::root().join("boards/qemu-virt.toml"))?;
    let bad = source.replacen("cpus = [2, 3]", "cpus = [2, 9]", 1);
    ensure!(bad != source, "fixture edit did not apply");
    let dir = crate::workspace::target_dir().join("xtask-tests");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("bad-cpu.toml");
    std::fs::write(&path, &bad)?;
    let out = Command::new(std::env::current_exe()?).arg("check").arg(&path).output()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    ensure!(out.status.code() == Some(2), "exit status {:?}, expected 2:\n{stderr}", out.status.code());
    let line = bad.lines().position(|l| l.contains("cpus = [2, 9]")).map_or(0, |i| i + 1);
    let location = format!("bad-cpu.toml:{line}:");
    ensure!(stderr.contains("pCPU 9 does not exist: the board has 8 CPUs"), "wrong message:\n{stderr}");
    ensure!(stderr.contains(&location), "no `{location}` in:\n{stderr}");
    Ok(())
}

type Test = (&'static str, fn(&mut Ctx) -> Result<()>);

const TESTS: [Test; 9] = [
    ("qemu: banner reports all 8 CPUs online", banner_reports_all_cpus),
    ("qemu: fewer CPUs than the board is a boot error", fewer_cpus_is_a_boot_error),
    ("qemu: less RAM than the board is a boot error", less_ram_is_a_boot_error),
    ("qemu: a corrupt configuration is refused", corrupt_config_is_refused),
    ("qemu: a configuration of another version is refused", wrong_config_version_is_refused),
    ("qemu: a panic reports its location and exits 101", panic_reports_location),
    ("qemu: defmt frames decode with defmt-print", defmt_frames_decode),
    ("build: imx8mp-evk image has a valid arm64 header", imx8mp_evk_builds_a_bootable_image),
    ("cli: check rejects a bad board with exit 2", check_rejects_a_bad_board_with_exit_2),
];

/// Runs every test whose name contains `filter`.
pub fn run_all(tally: &mut Tally, filter: Option<&str>) {
    println!("== integration tests");
    let mut ctx = Ctx::default();
    for (name, test) in TESTS.iter().filter(|(n, _)| filter.is_none_or(|f| n.contains(f))) {
        let start = Instant::now();
        let result = test(&mut ctx);
        let secs = start.elapsed().as_secs_f64();
        match result {
            Ok(()) => {
                tally.passed += 1;
                println!("PASS {name} ({secs:.1}s)");
            }
            Err(e) => {
                tally.failed += 1;
                println!("FAIL {name} ({secs:.1}s): {e:#}");
            }
        }
    }
}
