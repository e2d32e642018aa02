#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Formatting and clippy (warnings are errors) for every crate, each built
# for the target it runs on, with every kernel feature combination.
set -euo pipefail
cd "$(dirname "$0")/.."

# `-p NAME` for each crate of a kind; the rule that sorts the workspace's
# crates into host, shared, domain and kernel is in build/src/packages.rs.
packages() {
    local names
    names=$(cargo xtask packages "$1")
    [ -n "$names" ] || { echo "lint: no $1 crates" >&2; exit 1; }
    printf -- '-p %s ' $names
}
host=$(packages host)
shared=$(packages shared)
kernel=$(packages kernel)
domain=$(packages domain)

echo "lint: cargo fmt --check"
cargo fmt --all -- --check
echo "lint: clippy, host crates"
cargo clippy --quiet $host --all-targets -- -D warnings
echo "lint: clippy, the host crates the domains share (protocols/, drivers/), for the domains' target"
cargo clippy --quiet $shared --target aarch64-unknown-none -- -D warnings
for features in "" "qemu" "qemu,defmt" "qemu,bench" "qemu,census" "qemu,defmt,census"; do
    echo "lint: clippy, kernel (features: ${features:-none})"
    cargo clippy --quiet $kernel --target aarch64-unknown-none-softfloat --features "$features" -- -D warnings
done
echo "lint: clippy, domains"
cargo clippy --quiet $domain --target aarch64-unknown-none -- -D warnings
echo "lint: fuzz targets (their own workspace)"
cargo fmt --manifest-path fuzz/Cargo.toml --all -- --check
cargo clippy --quiet --manifest-path fuzz/Cargo.toml --all-targets -- -D warnings
echo "lint: SPDX headers"
missing=$(git ls-files '*.rs' '*.toml' '*.sh' '*.x' | xargs grep -L 'SPDX-License-Identifier' || true)
if [ -n "$missing" ]; then
    echo "lint: files without an SPDX header:" >&2
    echo "$missing" >&2
    exit 1
fi
echo "lint: ok"
