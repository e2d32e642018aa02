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

/// Where the product domains live: one crate per folder, package
/// `domain-<folder>`. The runtime (`domains/rt`) is not a domain.
pub const PRODUCT_DOMAINS: &str = "domains";
/// Where the test, sample and benchmark guests live, apart from the product.
pub const TEST_DOMAINS: &str = "domains/test";

/// The domain crates under one folder of the root, by folder name.
fn crates_under(folder: &str) -> Vec<String> {
    std::fs::read_dir(root().join(folder))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().join("Cargo.toml").is_file())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n != "rt")
        .collect()
}

/// Every domain crate an `image` key can name: the product domains of
/// `domains/` and the guests of `domains/test/`, sorted. A name in both
/// folders would be ambiguous; `domain_crates_are_unique` (a test) keeps
/// that from happening.
pub fn domain_crates() -> Vec<String> {
    let mut names = crates_under(PRODUCT_DOMAINS);
    names.extend(crates_under(TEST_DOMAINS));
    names.sort();
    names
}

/// Resolves images against the domain crates and the board file's directory.
pub struct WorkspaceImages {
    /// The board file's directory, for relative file images.
    pub board_dir: PathBuf,
}

impl ImageResolver for WorkspaceImages {
    fn resolve(&self, name: &str) -> Option<ImageSource> {
        if domain_crates().iter().any(|c| c == name) {
            return Some(ImageSource::Crate(name.to_string()));
        }
        let file = self.board_dir.join(name);
        file.is_file().then_some(ImageSource::File(file))
    }

    fn known(&self) -> Vec<String> {
        domain_crates()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_crates_are_unique_and_include_product_and_test_guests() {
        let names = domain_crates();
        let mut deduped = names.clone();
        deduped.dedup();
        assert_eq!(names, deduped, "a domain name exists both in domains/ and domains/test/");
        assert!(names.iter().any(|n| n == "input"), "product domain input missing: {names:?}");
        assert!(names.iter().any(|n| n == "hello"), "test guest hello missing: {names:?}");
        assert!(!names.iter().any(|n| n == "rt" || n == "test"), "runtime or folder listed: {names:?}");
    }
}
