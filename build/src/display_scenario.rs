// SPDX-License-Identifier: MIT
//! The display domain end to end in QEMU: its two demo clients draw, QMP
//! `screendump` takes each head (connector) as QEMU shows it, and the
//! pictures are compared pixel-wise with what the clients submitted; then
//! (on `boards/test/display-restart.toml`) the display domain crashes, the
//! kernel restarts it, and the cluster's picture is back.
//!
//! The comparison: each client prints a CRC-32 (ISO-HDLC) of the B, G, R
//! bytes, row by row, of what it last showed (`display-cluster: shown crc
//! <hex> ...` covers its tell-tale strip, the top 80 rows of connector 0;
//! `display-ivi: shown crc <hex>` its whole centre-display frame). The
//! test computes the same CRC over the same rectangle of the screendump:
//! equal means every pixel on screen is what the client drew. Owns the
//! scenarios; the runner and the QMP client are in `qemu`/`qmp`.

use crate::input_scenario::with_qmp;
use crate::qemu;
use crate::qemu_tests::has_line;
use crate::qmp::Qmp;
use anyhow::{Context, Result, bail, ensure};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The tell-tale strip the board protects on connector 0.
const STRIP: (u32, u32, u32, u32) = (0, 0, 1280, 80);
/// The centre display, whole.
const CENTRE: (u32, u32, u32, u32) = (0, 0, 1280, 720);

/// The hexadecimal CRC a client printed in the last line starting with
/// `prefix` at or after byte `from` of `log`.
pub(crate) fn printed_crc(log: &str, from: usize, prefix: &str) -> Option<u32> {
    log.get(from..)?
        .lines()
        .rev()
        .filter_map(|l| l.strip_prefix(prefix))
        .filter_map(|rest| rest.split_whitespace().next())
        .find_map(|hex| u32::from_str_radix(hex, 16).ok())
}

/// Takes head `head` of the GPU as a PNG into `dir`.
pub(crate) fn screendump(qmp: &mut Qmp, dir: &Path, head: u32, tag: &str) -> Result<PathBuf> {
    let path = dir.join(format!("connector-{head}{tag}.png"));
    let _ = std::fs::remove_file(&path);
    qmp.execute(
        "screendump",
        json!({ "filename": path.display().to_string(), "device": "gpu", "head": head, "format": "png" }),
    )
    .with_context(|| format!("screendump of head {head}"))?;
    Ok(path)
}

/// CRC-32 of the B, G, R bytes of `rect` of the RGB(A) PNG at `path`, row by row.
pub fn png_region_crc(path: &Path, (x, y, w, h): (u32, u32, u32, u32)) -> Result<u32> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut reader = png::Decoder::new(std::io::BufReader::new(file)).read_info()?;
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels)?;
    let channels = match info.color_type {
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        other => bail!("{}: colour type {other:?}", path.display()),
    };
    ensure!(
        x + w <= info.width && y + h <= info.height,
        "{}: {}x{} is smaller than the region",
        path.display(),
        info.width,
        info.height
    );
    let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);
    let mut digest = crc.digest();
    for row in y..y + h {
        for col in x..x + w {
            let at = (row as usize * info.width as usize + col as usize) * channels;
            let (r, g, b) = (pixels[at], pixels[at + 1], pixels[at + 2]);
            digest.update(&[b, g, r]);
        }
    }
    Ok(digest.finalize())
}

fn out_dir() -> Result<PathBuf> {
    let dir = crate::workspace::target_dir().join("display");
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Both clients drew; the IVI's attempt to cover the tell-tales was
/// refused; each head shows exactly what its clients submitted.
pub fn screens_show_what_the_clients_drew() -> Result<()> {
    let (cmd, socket) = with_qmp("boards/display.toml", "display")?;
    let dir = out_dir()?;
    let mut heads: Vec<PathBuf> = Vec::new();
    let mut failure: Option<anyhow::Error> = None;
    let ready =
        |l: &str| l.contains("[cluster] display-cluster: shown crc ") && l.contains("[ivi] display-ivi: shown crc ");
    let out = qemu::run_watching(cmd, Duration::from_secs(120), |log| {
        if !ready(log) {
            return false;
        }
        let mut take = || -> Result<()> {
            let mut q = Qmp::connect(&socket, Duration::from_secs(5))?;
            for head in 0..2 {
                heads.push(screendump(&mut q, &dir, head, "")?);
            }
            Ok(())
        };
        if let Err(e) = take() {
            failure = Some(e);
        }
        true
    })?;
    let _ = std::fs::remove_file(&socket);
    let log = &out.output;
    if let Some(e) = failure {
        return Err(e.context(format!("console:\n{log}")));
    }
    ensure!(heads.len() == 2, "the clients never showed their pictures:\n{log}");
    ensure!(has_line(log, "[ivi] display-ivi: cover refused: region 0"), "the IVI's cover was not refused:\n{log}");
    ensure!(!log.contains("display: MISMATCH"), "the self-check failed:\n{log}");
    let strip = printed_crc(log, 0, "[cluster] display-cluster: shown crc ").context("no cluster crc")?;
    let centre = printed_crc(log, 0, "[ivi] display-ivi: shown crc ").context("no ivi crc")?;
    let on_screen = png_region_crc(&heads[0], STRIP)?;
    ensure!(
        on_screen == strip,
        "connector 0's tell-tales show crc {on_screen:08x}, the cluster drew {strip:08x} ({})",
        heads[0].display()
    );
    let on_screen = png_region_crc(&heads[1], CENTRE)?;
    ensure!(
        on_screen == centre,
        "connector 1 shows crc {on_screen:08x}, the IVI drew {centre:08x} ({})",
        heads[1].display()
    );
    Ok(())
}

/// The display domain crashes (its test board's `crash=` frame), the
/// kernel restarts it and resets the GPU, the cluster reconnects in the new
/// epoch, re-sends its configuration, and its tell-tales are back on
/// screen exactly.
pub fn the_cluster_is_back_after_a_display_restart() -> Result<()> {
    let (cmd, socket) = with_qmp("boards/test/display-restart.toml", "display-restart")?;
    let dir = out_dir()?;
    let mut head: Option<PathBuf> = None;
    let mut failure: Option<anyhow::Error> = None;
    let out = qemu::run_watching(cmd, Duration::from_secs(120), |log| {
        let Some(restart) = log.find("domain display restarted") else { return false };
        if !log[restart..].contains("[cluster] display-cluster: shown crc ") {
            return false;
        }
        match Qmp::connect(&socket, Duration::from_secs(5))
            .and_then(|mut q| screendump(&mut q, &dir, 0, "-after-restart"))
        {
            Ok(p) => head = Some(p),
            Err(e) => failure = Some(e),
        }
        true
    })?;
    let _ = std::fs::remove_file(&socket);
    let log = &out.output;
    if let Some(e) = failure {
        return Err(e.context(format!("console:\n{log}")));
    }
    ensure!(
        has_line(log, "fault: domain display vCPU 0 (pCPU 1): domain panic"),
        "the display domain did not crash:\n{log}"
    );
    let fault = log.find("fault: domain display").context("no fault")?;
    ensure!(log[fault..].contains("[cluster] display-cluster: reconnected"), "the cluster did not reconnect:\n{log}");
    let restart = log.find("domain display restarted").context("no restart")?;
    let head = head.context("no screendump after the restart")?;
    let strip = printed_crc(log, restart, "[cluster] display-cluster: shown crc ")
        .context("no cluster crc after the restart")?;
    let on_screen = png_region_crc(&head, STRIP)?;
    ensure!(
        on_screen == strip,
        "after the restart the tell-tales show crc {on_screen:08x}, the cluster drew {strip:08x}"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_printed_crc_after_an_offset_counts() {
        let log = "[cluster] display-cluster: shown crc 0000abcd strip\nx\n[cluster] display-cluster: shown crc 12345678 strip\n";
        assert_eq!(printed_crc(log, 0, "[cluster] display-cluster: shown crc "), Some(0x1234_5678));
        assert_eq!(printed_crc(log, log.len(), "[cluster] display-cluster: shown crc "), None);
        assert_eq!(
            printed_crc("[ivi] display-cluster: shown crc 1\n", 0, "[cluster] display-cluster: shown crc "),
            None
        );
    }

    #[test]
    fn the_png_crc_covers_bgr_of_the_region() {
        let dir = std::env::temp_dir().join(format!("bulkhead-png-crc-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.png");
        let file = std::fs::File::create(&path).unwrap();
        let mut e = png::Encoder::new(std::io::BufWriter::new(file), 2, 2);
        e.set_color(png::ColorType::Rgb);
        e.set_depth(png::BitDepth::Eight);
        e.write_header().unwrap().write_image_data(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]).unwrap();
        let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);
        assert_eq!(png_region_crc(&path, (1, 0, 1, 2)).unwrap(), crc.checksum(&[6, 5, 4, 12, 11, 10]));
        assert!(png_region_crc(&path, (1, 1, 2, 1)).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
