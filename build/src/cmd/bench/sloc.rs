// SPDX-License-Identifier: MIT
//! `kernel_sloc`: the lines of our own Rust that the kernel binary links.
//!
//! Method: cargo's dep-info file of the kernel binary
//! (`target/<triple>/release/bulkhead-kernel.d`) lists every source file
//! compiled into it, so test-only files (`mod tests;` behind
//! `#[cfg(test)]`, `tests/` directories, test-support modules) are not in
//! it. Of those files, the ones inside the workspace count; in each, a line
//! counts if it is neither blank nor a comment (`//`, `///`, `//!`), and an
//! item behind a `#[cfg(test)]` attribute is skipped to its end (the
//! closing brace of its block, or its `;`), not to the end of the file.
//! Lines behind other `cfg`s (features such as `bench`) count: they are
//! part of some kernel build.
//!
//! Nothing here builds anything: the caller builds the kernel first.

use anyhow::{Context, Result, ensure};
use std::path::{Path, PathBuf};

/// The workspace files a dep-info file lists (`target:` then paths
/// separated by spaces, spaces in paths escaped with `\`).
pub fn linked_sources(dep_info: &str, root: &Path) -> Vec<PathBuf> {
    let Some(first) = dep_info.lines().next() else { return Vec::new() };
    let Some((_, deps)) = first.split_once(": ") else { return Vec::new() };
    let mut files = Vec::new();
    let mut current = String::new();
    let mut chars = deps.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&' ') => {
                current.push(' ');
                chars.next();
            }
            ' ' => files.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    files.push(current);
    let mut ours: Vec<PathBuf> = files
        .into_iter()
        .filter(|f| f.ends_with(".rs"))
        .map(PathBuf::from)
        .filter(|p| p.starts_with(root) && !p.starts_with(root.join("target")))
        .collect();
    ours.sort();
    ours.dedup();
    ours
}

/// Counts the non-blank, non-comment lines of one file, skipping each
/// item behind `#[cfg(test)]`.
pub fn count_lines(text: &str) -> u64 {
    let mut total = 0;
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let t = line.trim();
        if t == "#[cfg(test)]" {
            skip_item(&mut lines);
            continue;
        }
        if !t.is_empty() && !t.starts_with("//") {
            total += 1;
        }
    }
    total
}

/// Skips one item: further attributes, then lines up to the `;` that ends
/// it or the brace that closes its block.
fn skip_item<'a>(lines: &mut impl Iterator<Item = &'a str>) {
    let mut depth = 0i64;
    let mut opened = false;
    for line in lines.by_ref() {
        let t = line.trim();
        if !opened && (t.is_empty() || t.starts_with("//") || t.starts_with("#[")) {
            continue;
        }
        for c in t.chars() {
            match c {
                '{' => {
                    depth += 1;
                    opened = true;
                }
                '}' => depth -= 1,
                _ => {}
            }
        }
        if (opened && depth <= 0) || (!opened && t.ends_with(';')) {
            return;
        }
    }
}

/// `kernel_sloc` from the dep-info file at `dep_info` (the release kernel
/// just built); also returns the number of files counted.
pub fn kernel_sloc(dep_info: &Path, root: &Path) -> Result<(u64, usize)> {
    let text = std::fs::read_to_string(dep_info).with_context(|| format!("reading {}", dep_info.display()))?;
    let files = linked_sources(&text, root);
    ensure!(!files.is_empty(), "{} lists no source file of the workspace", dep_info.display());
    let mut total = 0;
    for file in &files {
        total += count_lines(&std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?);
    }
    Ok((total, files.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cfg_test_item_is_skipped_and_the_rest_of_the_file_counts() {
        let text = "\
//! doc
use a::b;

#[cfg(test)]
fn helper() {
    if x { y(); }
}

fn real() {
    // comment
    z();
}
#[cfg(test)]
mod tests;
const C: u32 = 1;
#[cfg(test)]
#[allow(dead_code)]
mod more {
    fn f() {}
}
";
        // use, fn real() {, z();, }, const C.
        assert_eq!(count_lines(text), 5);
    }

    #[test]
    fn only_workspace_sources_outside_target_are_linked_sources() {
        let dep = "/w/target/x/release/k: /w/kernel/a.rs /home/u/.cargo/registry/spin/src/lib.rs \
                   /w/target/x/release/build/out.rs /w/kernel/dir\\ space/b.rs /w/kernel/x.ld\n\n/w/kernel/a.rs:\n";
        let files = linked_sources(dep, Path::new("/w"));
        assert_eq!(files, vec![PathBuf::from("/w/kernel/a.rs"), PathBuf::from("/w/kernel/dir space/b.rs")]);
    }
}
