// SPDX-License-Identifier: MIT
//! Which workspace crates run where, from `cargo metadata`: the one rule
//! behind the host-test list of `cargo xtask test` and the clippy lists of
//! `ci/lint.sh` (`cargo xtask packages <kind>`).
//!
//! The rule, over the workspace members:
//! - a **domain** crate is one whose manifest is under `domains/` (the
//!   runtime, the product domains, the test guests) or that says
//!   `[package.metadata.bulkhead] runs-on = "domain"` (`bulkhead-virtio-hal`);
//! - a **kernel** crate says `runs-on = "kernel"` (`bulkhead-kernel`);
//! - every other member is a **host** crate: host tests and host clippy
//!   cover exactly these;
//! - the host crates under `protocols/` and `drivers/` are also **shared**
//!   with the domains, and are linted for the domains' target too.
//!
//! A new crate therefore needs no list edited: where it lives (or its
//! `runs-on`) says what is done with it.

use anyhow::{Context, Result, bail};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// What a list is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// Crates built and tested on the host.
    Host,
    /// Host crates that the domains also build (linted for their target).
    Shared,
    /// Crates built only for the domains' target.
    Domain,
    /// The EL2 kernel.
    Kernel,
}

/// Where one member runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RunsOn {
    Host,
    Domain,
    Kernel,
}

fn runs_on(package: &Value, relative: &Path) -> Result<RunsOn> {
    let name = package["name"].as_str().unwrap_or_default();
    match package["metadata"]["bulkhead"]["runs-on"].as_str() {
        Some("domain") => Ok(RunsOn::Domain),
        Some("kernel") => Ok(RunsOn::Kernel),
        Some("host") => Ok(RunsOn::Host),
        Some(other) => bail!("{name}: unknown runs-on = {other:?} (host, domain or kernel)"),
        None if relative.starts_with("domains") => Ok(RunsOn::Domain),
        None => Ok(RunsOn::Host),
    }
}

/// The members of kind `kind` in `metadata` (`cargo metadata
/// --format-version 1 --no-deps`), sorted by name.
pub fn select(metadata: &Value, kind: Kind) -> Result<Vec<String>> {
    let root = Path::new(metadata["workspace_root"].as_str().context("metadata without workspace_root")?);
    let members: Vec<&str> = metadata["workspace_members"]
        .as_array()
        .context("metadata without workspace_members")?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let mut names = Vec::new();
    for package in metadata["packages"].as_array().context("metadata without packages")? {
        if !package["id"].as_str().is_some_and(|id| members.contains(&id)) {
            continue;
        }
        let manifest = Path::new(package["manifest_path"].as_str().context("package without manifest_path")?);
        let relative = manifest.strip_prefix(root).unwrap_or(manifest);
        let on = runs_on(package, relative)?;
        let shared = relative.starts_with("protocols") || relative.starts_with("drivers");
        let wanted = match kind {
            Kind::Host => on == RunsOn::Host,
            Kind::Shared => on == RunsOn::Host && shared,
            Kind::Domain => on == RunsOn::Domain,
            Kind::Kernel => on == RunsOn::Kernel,
        };
        if wanted {
            names.push(package["name"].as_str().context("package without name")?.to_owned());
        }
    }
    names.sort();
    Ok(names)
}

/// The workspace's members of kind `kind` (runs `cargo metadata`).
pub fn list(kind: Kind) -> Result<Vec<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(crate::workspace::root())
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .output()
        .context("running cargo metadata")?;
    if !out.status.success() {
        bail!("cargo metadata failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let metadata: Value = serde_json::from_slice(&out.stdout).context("cargo metadata printed bad JSON")?;
    select(&metadata, kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A trimmed `cargo metadata` of this workspace: one crate of each
    /// situation, and a dependency path outside the workspace.
    fn fixture() -> Value {
        let member = |name: &str, path: &str, metadata: Value| {
            json!({
                "name": name,
                "id": format!("path+file:///ws/{path}#{name}@0.1.0"),
                "manifest_path": format!("/ws/{path}/Cargo.toml"),
                "metadata": metadata,
            })
        };
        let packages = vec![
            member("xtask", "build", Value::Null),
            member("bulkhead-abi", "protocols/abi", Value::Null),
            member("bulkhead-ring-hal", "protocols/ring-hal", Value::Null),
            member("bulkhead-input-core", "drivers/input-core", Value::Null),
            member("kernel-core", "kernel/core", Value::Null),
            member("bulkhead-kernel", "kernel/aarch64", json!({"bulkhead": {"runs-on": "kernel"}})),
            member("bulkhead-virtio-hal", "drivers/virtio-hal", json!({"bulkhead": {"runs-on": "domain"}})),
            member("domain-rt", "domains/rt", Value::Null),
            member("domain-input", "domains/input", Value::Null),
            member("domain-hello", "domains/test/hello", Value::Null),
        ];
        let members: Vec<Value> = packages.iter().map(|p| p["id"].clone()).collect();
        let mut all = packages;
        all.push(json!({
            "name": "outside",
            "id": "registry+https://example.invalid#outside@1.0.0",
            "manifest_path": "/home/cargo/outside/Cargo.toml",
            "metadata": null,
        }));
        json!({ "workspace_root": "/ws", "workspace_members": members, "packages": all })
    }

    #[test]
    fn the_rule_sorts_each_member_into_one_kind() {
        let m = fixture();
        assert_eq!(
            select(&m, Kind::Host).unwrap(),
            ["bulkhead-abi", "bulkhead-input-core", "bulkhead-ring-hal", "kernel-core", "xtask"]
        );
        assert_eq!(select(&m, Kind::Shared).unwrap(), ["bulkhead-abi", "bulkhead-input-core", "bulkhead-ring-hal"]);
        assert_eq!(
            select(&m, Kind::Domain).unwrap(),
            ["bulkhead-virtio-hal", "domain-hello", "domain-input", "domain-rt"]
        );
        assert_eq!(select(&m, Kind::Kernel).unwrap(), ["bulkhead-kernel"]);
    }

    #[test]
    fn an_unknown_runs_on_is_an_error() {
        let mut m = fixture();
        m["packages"][0]["metadata"] = json!({"bulkhead": {"runs-on": "moon"}});
        assert!(select(&m, Kind::Host).unwrap_err().to_string().contains("xtask: unknown runs-on = \"moon\""));
    }

    /// The host crates are the ones host-tested before the rule existed,
    /// plus the board model (`boards/model`) and the benchmark chart
    /// (`build/plot`), which came with it.
    #[test]
    fn this_workspace_host_tests_the_same_crates() {
        let host = list(Kind::Host).unwrap();
        assert_eq!(
            host,
            [
                "bench-plot",
                "bulkhead-abi",
                "bulkhead-board",
                "bulkhead-bootcfg",
                "bulkhead-display",
                "bulkhead-display-client",
                "bulkhead-display-core",
                "bulkhead-dmop",
                "bulkhead-input",
                "bulkhead-input-client",
                "bulkhead-input-core",
                "bulkhead-netif",
                "bulkhead-ninep",
                "bulkhead-ninep-client",
                "bulkhead-ninep-core",
                "bulkhead-pvcalls",
                "bulkhead-pvcalls-client",
                "bulkhead-pvcalls-core",
                "bulkhead-ring",
                "bulkhead-ring-hal",
                "bulkhead-session",
                "bulkhead-sound",
                "bulkhead-sound-client",
                "bulkhead-sound-core",
                "bulkhead-virtio-9p-device",
                "bulkhead-virtio-device",
                "bulkhead-virtio-gpu-device",
                "bulkhead-virtio-gpu-heads",
                "bulkhead-virtio-input-device",
                "bulkhead-virtio-net-device",
                "bulkhead-virtio-snd-device",
                "kernel-core",
                "xtask",
            ]
        );
        assert_eq!(list(Kind::Kernel).unwrap(), ["bulkhead-kernel"]);
        let domain = list(Kind::Domain).unwrap();
        // Domains, and the `*-hal` crates only domains build.
        let hal = ["bulkhead-virtio-hal", "bulkhead-virtio-snd-hal"];
        assert!(domain.iter().all(|d| d.starts_with("domain-") || hal.contains(&d.as_str())), "{domain:?}");
    }
}
