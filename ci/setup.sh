#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs what Bulkhead needs on a fresh Debian 12 (bookworm) machine:
#   - qemu-system-arm >= 8.2 from bookworm-backports (bookworm's 7.2 lacks
#     virtio-sound and more), if missing or older;
#   - the Rust toolchain, targets and components of rust-toolchain.toml;
#   - defmt-print, which decodes the kernel's defmt log in the tests;
#   - a nightly toolchain and cargo-fuzz, for the fuzz targets in fuzz/;
#   - arm64 as a dpkg foreign architecture (and its package lists), so that
#     `cargo xtask fetch-guest` (run by `cargo xtask test`) can download
#     Debian's arm64 kernel and busybox for the Linux domain.
# Safe to run again: each step checks first.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive

qemu_ok() {
    command -v qemu-system-aarch64 >/dev/null 2>&1 || return 1
    local version
    version=$(qemu-system-aarch64 --version | head -n1 | grep -oE '[0-9]+\.[0-9]+(\.[0-9]+)?' | head -n1)
    dpkg --compare-versions "$version" ge 8.2
}

if qemu_ok; then
    echo "setup: $(qemu-system-aarch64 --version | head -n1) is recent enough"
else
    # Use the mirror of the machine's own bookworm source.
    mirror=$(grep -hE '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null \
        | grep -v security | head -n1 | sed -E 's/^URIs:[[:space:]]*//; s/^deb (\[[^]]*\] )?//; s/[[:space:]].*$//')
    mirror=${mirror:-http://deb.debian.org/debian}
    echo "setup: installing qemu-system-arm from bookworm-backports ($mirror)"
    printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$mirror" \
        | $SUDO tee /etc/apt/sources.list.d/bulkhead-backports.sources >/dev/null
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq -t bookworm-backports qemu-system-arm >/dev/null
    qemu_ok || { echo "setup: qemu-system-aarch64 is still missing or older than 8.2" >&2; exit 1; }
fi

# A C toolchain links host binaries (the build tool, defmt-print); the
# fuzz targets' libFuzzer is C++.
if ! command -v cc >/dev/null 2>&1 || ! command -v c++ >/dev/null 2>&1; then
    echo "setup: installing build-essential"
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq build-essential curl ca-certificates >/dev/null
fi
# rustup itself, if this machine has none (Debian 12 does not package it).
if ! command -v rustup >/dev/null 2>&1; then
    [ -x "$HOME/.cargo/bin/rustup" ] || {
        echo "setup: installing rustup"
        command -v curl >/dev/null 2>&1 || { $SUDO apt-get update -qq; $SUDO apt-get install -y -qq curl ca-certificates >/dev/null; }
        curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --default-toolchain none
    }
    export PATH="$HOME/.cargo/bin:$PATH"
fi
# rustup reads rust-toolchain.toml: toolchain, targets and components.
rustup toolchain install >/dev/null 2>&1 || rustup show >/dev/null
rustup show active-toolchain

DEFMT_PRINT_VERSION=1.2.0
if defmt-print --version 2>/dev/null | grep -q "$DEFMT_PRINT_VERSION"; then
    echo "setup: defmt-print $DEFMT_PRINT_VERSION present"
else
    echo "setup: installing defmt-print $DEFMT_PRINT_VERSION (about 90 s)"
    cargo install --quiet --locked defmt-print --version "$DEFMT_PRINT_VERSION"
fi
# The fuzz targets (cargo xtask fuzz, and the smoke in cargo xtask test)
# need nightly for the sanitizers, and cargo-fuzz.
if rustup run nightly rustc --version >/dev/null 2>&1; then
    echo "setup: $(rustup run nightly rustc --version) present"
else
    echo "setup: installing the nightly toolchain (for cargo-fuzz)"
    rustup toolchain install nightly --profile minimal
fi
CARGO_FUZZ_VERSION=0.13.2
if cargo fuzz --version >/dev/null 2>&1; then
    echo "setup: $(cargo fuzz --version) present"
else
    echo "setup: installing cargo-fuzz $CARGO_FUZZ_VERSION (about 30 s)"
    cargo install --quiet --locked cargo-fuzz --version "$CARGO_FUZZ_VERSION"
fi
# The Linux guest's files come from Debian's arm64 packages (apt-get
# download, dpkg-deb -x): no installation, but apt must know arm64.
if dpkg --print-foreign-architectures | grep -qx arm64 || [ "$(dpkg --print-architecture)" = arm64 ]; then
    echo "setup: arm64 is a dpkg architecture"
else
    echo "setup: adding arm64 as a dpkg architecture (for cargo xtask fetch-guest)"
    $SUDO dpkg --add-architecture arm64
    $SUDO apt-get update -qq
fi
echo "setup: done"
