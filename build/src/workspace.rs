// SPDX-License-Identifier: MIT
//! Where things are: the workspace root, board files, domain crates,
//! output directories. Nothing here builds or runs anything.

use crate::board::{ImageResolver, ImageSource};
use std::path::{Path, PathBuf};

/// The workspace root (the parent of `build/`).
pub fn root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(Path::to_path_buf).unwrap_or(manifest)
}

/// `target/` under the root.
pub fn target_dir() -> PathBuf {
    root().join("target")
}

/// A board argument: a path to a file, or a name under `boards/`.
pub fn board_path(arg: &str) -> PathBuf {
    let as_path = PathBuf::from(arg);
    if arg.ends_with(".toml") || arg.contains('/') {
        as_path
    } else {
        root().join("boards").join(format!("{arg}.toml"))
    }
}

/// Resolves images against `domains/` and the board file's directory.
pub struct WorkspaceImages {
    /// The board file's directory, for relative file images.
    pub board_dir: PathBuf,
}

impl WorkspaceImages {
    fn domain_crates() -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(root().join("domains"))
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.path().join("Cargo.toml").is_file())
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| n != "rt")
            .collect();
        names.sort();
        names
    }
}

impl ImageResolver for WorkspaceImages {
    fn resolve(&self, name: &str) -> Option<ImageSource> {
        if Self::domain_crates().iter().any(|c| c == name) {
            return Some(ImageSource::Crate(name.to_string()));
        }
        let file = self.board_dir.join(name);
        file.is_file().then_some(ImageSource::File(file))
    }

    fn known(&self) -> Vec<String> {
        Self::domain_crates()
    }

    fn guest_file(&self, name: &str) -> Result<PathBuf, String> {
        crate::guest::resolve_file(name, &self.board_dir)
    }
}

/// A tool of the toolchain's `llvm-tools` component (`llvm-objdump`,
/// `llvm-objcopy`, ...), which `rust-toolchain.toml` installs, or `None` if
/// this toolchain lacks it.
pub fn llvm_tool(name: &str) -> Option<PathBuf> {
    let rustc = |arg: &str| {
        std::process::Command::new("rustc")
            .current_dir(root())
            .arg(arg)
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
    };
    let sysroot = rustc("--print=sysroot")?;
    let version = rustc("-vV")?;
    let host = version.lines().find_map(|l| l.strip_prefix("host: "))?;
    let path = Path::new(sysroot.trim()).join("lib/rustlib").join(host.trim()).join("bin").join(name);
    path.is_file().then_some(path)
}
