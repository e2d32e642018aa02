// SPDX-License-Identifier: MIT
//! `cargo xtask run <board>`: build, then boot the image in QEMU with the
//! serial console on this terminal. The exit status is the image's. With
//! no window and a virtio-gpu on the board, the screens are written as
//! PNGs ([`super::screens`]). A board with a sound device records what it
//! plays into `target/sound.wav` (QEMU's `wav` audiodev). A board with a
//! `[qemu] disk` gets a fresh image of it (`crate::board_disk`).

use crate::board::schema::LogFormat;
use crate::qemu::{self, Overrides};
use anyhow::Result;
use std::time::Duration;

/// Options of `run`.
pub struct RunOptions {
    /// Kill QEMU after this many seconds.
    pub timeout: Option<u64>,
    /// No display window.
    pub headless: bool,
    /// Log format override.
    pub log: Option<LogFormat>,
    /// Extra QEMU arguments.
    pub qemu_args: Vec<String>,
}

/// Runs the command; returns the exit status.
pub fn run(board: &str, opts: RunOptions) -> Result<i32> {
    let built = super::build::build(board, opts.log)?;
    let display = std::env::var_os("DISPLAY").is_some();
    let headless = opts.headless || !display;
    if !opts.headless && !display {
        eprintln!("xtask: no $DISPLAY, so no display window (as with --headless)");
    }
    let mut extra = opts.qemu_args;
    let gpu = super::screens::find_gpu(built.board.file.devices.iter().filter_map(|d| d.get_ref().qemu.as_deref()))
        .filter(|_| headless);
    let socket = std::env::temp_dir().join(format!("bulkhead-qmp-run-{}.sock", std::process::id()));
    let dir = crate::workspace::target_dir().join("display");
    if gpu.is_some() {
        let _ = std::fs::remove_file(&socket);
        std::fs::create_dir_all(&dir)?;
        extra.extend(["-qmp".to_string(), format!("unix:{},server=on,wait=off", socket.display())]);
    }
    let sound =
        built.board.file.devices.iter().any(|d| d.get_ref().qemu.as_deref().is_some_and(|q| q.contains("audiodev=")));
    let wav = sound.then(|| crate::workspace::target_dir().join("sound.wav"));
    if let Some(wav) = &wav {
        let _ = std::fs::remove_file(wav);
        eprintln!("xtask: the sound device records into {}", wav.display());
    }
    let disk = crate::board_disk::prepare(&built.board, "run")?;
    let overrides = Overrides { extra, wav: wav.clone(), disk: disk.clone(), ..Overrides::default() };
    let cmd = qemu::command(&built.board, &built.image, headless, &overrides)?;
    let name = built.board.config.board.to_string();
    if let Some(gpu) = gpu.clone() {
        eprintln!(
            "xtask: no window: the screens go to {} every 2 s",
            super::screens::png_path(&dir, &name, 0).display()
        );
        super::screens::keep_dumping(socket.clone(), gpu, dir.clone(), name.clone());
    }
    eprintln!(
        "xtask: booting {} in QEMU{}",
        built.image.display(),
        opts.timeout.map_or(String::new(), |t| format!(" (timeout {t}s)"))
    );
    let status = qemu::run_interactive(cmd, opts.timeout.map(Duration::from_secs));
    if let Some(gpu) = gpu {
        let _ = std::fs::remove_file(&socket);
        for head in 0..gpu.heads {
            let path = super::screens::png_path(&dir, &name, head);
            if path.is_file() {
                eprintln!("xtask: connector {head} at the end: {}", path.display());
            }
        }
    }
    if let Some(disk) = &disk {
        eprintln!(
            "xtask: the disk after the run: {} (read it with `MTOOLS_SKIP_CHECK=1 mdir -i {}@@1M ::/`)",
            disk.display(),
            disk.display()
        );
    }
    if let Some(wav) = wav.filter(|w| w.is_file()) {
        match crate::wav_analysis::complete_header(&wav) {
            Ok(bytes) => eprintln!("xtask: {} holds {:.1} s of sound", wav.display(), bytes as f64 / 192_000.0),
            Err(e) => eprintln!("xtask: {}: {e:#}", wav.display()),
        }
    }
    status
}
