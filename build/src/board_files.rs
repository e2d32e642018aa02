// SPDX-License-Identifier: MIT
//! Board files of the workspace: finds one by name or path, reads it, and
//! checks it with the board model (`bulkhead-board`) against the
//! workspace's images ([`WorkspaceImages`]: domain crates, files beside the
//! board file, the Linux guest cache). The one place where the build tool
//! turns a board argument into a checked [`ValidBoard`]; `cmd::check`
//! renders it, `cmd::build` consumes it. Must not build or run anything.

use crate::board::{self, GuestFile, ImageResolver, ImageSource, Report, ValidBoard, image_header::HEADER_LEN};
use crate::workspace;
use std::fmt;
use std::io::Read as _;
use std::path::{Path, PathBuf};

/// Why a board argument gave no checked board.
#[derive(Debug)]
pub enum LoadError {
    /// The file cannot be read; the text says which and what boards exist.
    Unreadable(String),
    /// The file has problems, each pointing at its line.
    Invalid(Report),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unreadable(text) => f.write_str(text),
            Self::Invalid(report) => f.write_str(&report.render()),
        }
    }
}

impl std::error::Error for LoadError {}

/// Reads and checks the board named `arg` (a name under `boards/` or a path).
pub fn load(arg: &str) -> Result<ValidBoard, LoadError> {
    let path = workspace::board_path(arg);
    let shown = path.strip_prefix(workspace::root()).unwrap_or(&path).display().to_string();
    let source = std::fs::read_to_string(&path).map_err(|e| {
        let boards: Vec<String> = std::fs::read_dir(workspace::root().join("boards"))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .filter_map(|n| n.strip_suffix(".toml").map(str::to_string))
            .collect();
        LoadError::Unreadable(format!(
            "error: cannot read board file {shown}: {e}\n  = help: boards under boards/: {}\n",
            boards.join(", ")
        ))
    })?;
    let images = WorkspaceImages { board_dir: path.parent().unwrap_or(Path::new(".")).to_path_buf() };
    board::load(&shown, &source, &images).map_err(LoadError::Invalid)
}

/// Resolves images against the domain crates and the board file's directory.
pub struct WorkspaceImages {
    /// The board file's directory, for relative file images.
    pub board_dir: PathBuf,
}

impl ImageResolver for WorkspaceImages {
    fn resolve(&self, name: &str) -> Option<ImageSource> {
        if workspace::domain_crates().iter().any(|c| c == name) {
            return Some(ImageSource::Crate(name.to_string()));
        }
        let file = self.board_dir.join(name);
        file.is_file().then_some(ImageSource::File(file))
    }

    fn known(&self) -> Vec<String> {
        workspace::domain_crates()
    }

    fn guest_file(&self, name: &str) -> Result<GuestFile, String> {
        guest_file(&crate::guest::resolve_file(name, &self.board_dir)?)
    }
}

/// The file at `path` as the board model wants it: its length and its
/// first bytes (enough for an arm64 Image header).
pub fn guest_file(path: &Path) -> Result<GuestFile, String> {
    let len = std::fs::metadata(path).map_or(0, |m| m.len());
    let mut head = Vec::with_capacity(HEADER_LEN);
    let head = std::fs::File::open(path)
        .and_then(|f| f.take(HEADER_LEN as u64).read_to_end(&mut head))
        .map(|_| head)
        .map_err(|e| e.to_string());
    Ok(GuestFile { path: path.to_path_buf(), len, head })
}
