// SPDX-License-Identifier: MIT
//! Where things are: the workspace root, board files, domain crates,
//! output directories. Nothing here builds or runs anything.

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

/// A board argument: a path to a file, or a name under `boards/`
/// (`<name>.toml`, else the QEMU board `qemu-<name>.toml`: `cockpit` is
/// `boards/qemu-cockpit.toml`).
pub fn board_path(arg: &str) -> PathBuf {
    let as_path = PathBuf::from(arg);
    if arg.ends_with(".toml") || arg.contains('/') {
        return as_path;
    }
    let boards = root().join("boards");
    let named = boards.join(format!("{arg}.toml"));
    let qemu = boards.join(format!("qemu-{arg}.toml"));
    if !named.is_file() && qemu.is_file() { qemu } else { named }
}

/// Where the product domains live: one crate per folder, package
/// `domain-<folder>`. The runtime (`domains/rt`) is not a domain.
pub const PRODUCT_DOMAINS: &str = "domains";
/// Where the test, sample and benchmark guests live, apart from the product.
pub const TEST_DOMAINS: &str = "domains/test";

/// The domain crates under one folder of the root, by folder name: the
/// crates with a binary (`src/main.rs`); libraries such as `benchkit` are not
/// images.
fn crates_under(folder: &str) -> Vec<String> {
    std::fs::read_dir(root().join(folder))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().join("Cargo.toml").is_file() && e.path().join("src/main.rs").is_file())
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
        assert!(
            !names.iter().any(|n| n == "rt" || n == "test" || n == "benchkit"),
            "a library or folder listed: {names:?}"
        );
    }

    #[test]
    fn board_names_resolve_under_boards_then_as_qemu_boards() {
        assert!(board_path("display").ends_with("boards/display.toml"));
        assert!(board_path("cockpit").ends_with("boards/qemu-cockpit.toml"));
        assert!(board_path("qemu-virt").ends_with("boards/qemu-virt.toml"));
        assert!(board_path("no-such-board").ends_with("boards/no-such-board.toml"), "the error names the plain path");
        assert_eq!(board_path("boards/test/irq.toml"), PathBuf::from("boards/test/irq.toml"));
    }
}
