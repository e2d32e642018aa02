#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Formatting and clippy (warnings are errors) for every crate, each built
# for the target it runs on, with every kernel feature combination.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "lint: cargo fmt --check"
cargo fmt --all -- --check
echo "lint: clippy, host crates"
cargo clippy --quiet -p bulkhead-abi -p bulkhead-bootcfg -p bulkhead-board -p bulkhead-ring -p bulkhead-ring-hal -p bulkhead-input -p bulkhead-sound -p bulkhead-display -p bulkhead-pvcalls -p bulkhead-dmop -p bulkhead-ninep -p bulkhead-input-core -p bulkhead-input-client -p kernel-core -p xtask -p bench-plot --all-targets -- -D warnings
echo "lint: clippy, ring, protocol and driver crates for the domains' target"
cargo clippy --quiet -p bulkhead-ring -p bulkhead-ring-hal -p bulkhead-input -p bulkhead-sound -p bulkhead-display -p bulkhead-pvcalls -p bulkhead-dmop -p bulkhead-ninep -p bulkhead-input-core -p bulkhead-input-client --target aarch64-unknown-none -- -D warnings
for features in "" "qemu" "qemu,defmt" "qemu,bench" "qemu,census" "qemu,defmt,census"; do
    echo "lint: clippy, kernel (features: ${features:-none})"
    cargo clippy --quiet -p bulkhead-kernel --target aarch64-unknown-none-softfloat --features "$features" -- -D warnings
done
echo "lint: clippy, domains"
cargo clippy --quiet -p domain-rt -p domain-hello -p domain-counter -p domain-hostile -p domain-lifecycle -p domain-bench -p domain-idle -p domain-ping -p domain-pong -p domain-scribbler -p domain-bench-peer -p domain-echo-client -p domain-echo-server -p domain-gicprobe -p domain-irqbench -p domain-input -p domain-input-demo -p bulkhead-virtio-hal -p domain-irqtest -p domain-chatty -p domain-echo-uart -p domain-silencer -p domain-semihoster -p domain-prober -p domain-irqhold -p domain-wait-loop -p domain-notify-flood -p domain-peerbench -p domain-ringbench --target aarch64-unknown-none -- -D warnings
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
