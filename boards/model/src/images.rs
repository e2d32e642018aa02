// SPDX-License-Identifier: MIT
//! What a domain runs, as the board names it and as it was resolved:
//! [`ImageSource`], [`LinuxImage`], and the [`ImageResolver`] trait through
//! which the board model asks its user (the build tool, a test, the fuzz
//! target) what exists. Owns no file access: finding and reading files is
//! the resolver's job, never this crate's.

use crate::image_header::ImageHeader;
use std::path::PathBuf;

/// Where a domain's image comes from, as the resolver found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageSource {
    /// A bare-metal domain crate under `domains/<name>` or `domains/test/<name>` (package `domain-<name>`).
    Crate(String),
    /// A raw binary file, loaded at the domain's first RAM region.
    File(PathBuf),
    /// An unmodified arm64 Linux kernel (`linux = { ... }`).
    Linux(LinuxImage),
}

/// The files and command line of a Linux domain, resolved and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinuxImage {
    /// The raw arm64 kernel `Image`.
    pub image: PathBuf,
    /// Its header, parsed once by the check.
    pub header: ImageHeader,
    /// Its length in bytes.
    pub image_len: u64,
    /// The initramfs, if any.
    pub initrd: Option<PathBuf>,
    /// The kernel command line.
    pub cmdline: String,
}

/// A file a Linux domain loads, as a resolver found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestFile {
    /// Where it is.
    pub path: PathBuf,
    /// Its length in bytes.
    pub len: u64,
    /// Its first bytes (at least [`crate::image_header::HEADER_LEN`] when
    /// the file is that long), or why they cannot be read.
    pub head: Result<Vec<u8>, String>,
}

/// Finds domain images by the name a board file gives.
pub trait ImageResolver {
    /// The image called `name`, or `None` if there is no such image.
    fn resolve(&self, name: &str) -> Option<ImageSource>;
    /// What exists, for the help text.
    fn known(&self) -> Vec<String>;
    /// A Linux domain's file: the build tool's resolver takes `guest:<name>`
    /// from the `cargo xtask fetch-guest` cache, or a path relative to the
    /// board file. The error says what to do. By default there are none.
    fn guest_file(&self, name: &str) -> Result<GuestFile, String> {
        Err(format!("`{name}`: this resolver has no Linux guest files"))
    }
}
