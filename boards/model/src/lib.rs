// SPDX-License-Identifier: MIT
//! Bulkhead's board model: a board file parsed (`schema`, `units`), checked
//! (`validate`, `linux`), placed (`layout`), with every problem reported at
//! its position (`diag`), and the arm64 Image header (`image_header`) that
//! Linux domains and the kernel's own image carry.
//!
//! [`load`] returns one checked [`ValidBoard`]: the configuration and each
//! domain's resolved image, Linux headers included, so that nothing is
//! resolved or parsed twice. This crate never touches the filesystem, runs
//! a build or QEMU: what exists comes through [`ImageResolver`], which the
//! build tool implements against the workspace.
#![forbid(unsafe_code)]

pub mod diag;
pub mod image_header;
pub mod images;
pub mod layout;
pub mod linux;
pub mod schema;
pub mod units;
pub mod validate;

pub use diag::{Diagnostic, Report};
pub use images::{GuestFile, ImageResolver, ImageSource, LinuxImage};
pub use schema::{BoardFile, LogFormat};

use bulkhead_bootcfg::BootConfig;

/// A board file that passed every check, with its configuration.
#[derive(Debug)]
pub struct ValidBoard {
    /// The parsed file.
    pub file: BoardFile,
    /// The kernel's configuration (domain images not yet filled in).
    pub config: BootConfig,
    /// Each domain's image, in domain order: exactly one per domain.
    pub images: Vec<ImageSource>,
}

/// Parses and checks the board file `source` (named `file_name` in
/// diagnostics), resolving images through `images`.
pub fn load(file_name: &str, source: &str, images: &dyn ImageResolver) -> Result<ValidBoard, Report> {
    let report = |diagnostics| Report { file: file_name.to_string(), source: source.to_string(), diagnostics };
    let file: BoardFile = toml::from_str(source).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        let message = e.message().trim_end().to_string();
        let help = if message.starts_with("unknown field") {
            "remove the key or fix its spelling; boards/README.md lists every key"
        } else if message.starts_with("missing field") {
            "add the key; boards/README.md lists every key"
        } else {
            "fix the value or the TOML syntax here; boards/README.md lists every key"
        };
        report(vec![Diagnostic::new(span, message).help(help)])
    })?;
    let checked = validate::check(&file, source, images).map_err(report)?;
    let config = layout::layout(&file).map_err(report)?;
    Ok(ValidBoard { file, config, images: checked })
}
