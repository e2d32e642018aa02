// SPDX-License-Identifier: MIT
//! Board files: parse (`schema`), check (`validate`), place (`layout`),
//! and report problems with their position (`diag`).

pub mod diag;
pub mod layout;
pub mod linux;
pub mod schema;
pub mod units;
pub mod validate;

pub use diag::{Diagnostic, Report};
pub use schema::{BoardFile, LogFormat};
pub use validate::{ImageResolver, ImageSource, LinuxImage};

use bulkhead_bootcfg::BootConfig;

/// A board file that passed every check, with its configuration.
#[derive(Debug)]
pub struct ValidBoard {
    /// The parsed file.
    pub file: BoardFile,
    /// The kernel's configuration (domain images not yet filled in).
    pub config: BootConfig,
    /// Each domain's image, in domain order.
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
    let diagnostics = validate::check(&file, source, images);
    if !diagnostics.is_empty() {
        return Err(report(diagnostics));
    }
    let config = layout::layout(&file).map_err(report)?;
    let resolved = validate::image_sources(&file, images);
    Ok(ValidBoard { file, config, images: resolved })
}
