#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs what Bulkhead needs on a fresh Debian 12 (bookworm) machine.
#
#   bash ci/setup.sh          what the demo needs:
#                               - qemu-system-arm >= 8.2 from bookworm-backports
#                                 (bookworm's 7.2 lacks virtio-sound and more);
#                               - a C toolchain, rustup, and the toolchain, targets
#                                 and components of rust-toolchain.toml;
#                               - arm64 as a dpkg architecture, so that
#                                 `cargo xtask fetch-guest` can download Debian's
#                                 arm64 kernel and busybox for the Linux domain.
#                               - dosfstools and mtools, which make, read and
#                                 check the FAT32 disk images the 9pfs domain
#                                 serves (build/src/disk_image.rs).
#   bash ci/setup.sh --test   the above, and what only the tests need: defmt-print
#                             (decodes the kernel's defmt log), a nightly toolchain
#                             and cargo-fuzz (the fuzz targets in fuzz/).
#   bash ci/setup.sh --check-qemu-install
#                             proves the QEMU install branch on a machine that
#                             already has QEMU: adds the backports source and asks
#                             apt to simulate the install (.ci/run does this).
#
# Every step says what it does; any failure names the step, the command and
# the line, and says what to do. Safe to run again: each step checks first.
set -Eeuo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=ci/lib/apt-sources.sh
. ci/lib/apt-sources.sh

STEP="start"
HINT="read the message above, fix its cause and run ci/setup.sh again"
step() {
    STEP="$1"
    HINT="${2:-read the message above, fix its cause and run ci/setup.sh again}"
    echo "setup: $STEP"
}
on_error() {
    local status=$1 line=$2 command=$3
    {
        echo "setup: FAILED in step \"$STEP\""
        echo "setup:   command: $command"
        echo "setup:   exit status $status, ci/setup.sh line $line"
        echo "setup:   what to do: $HINT"
    } >&2
    exit "$status"
}
trap 'on_error $? $LINENO "$BASH_COMMAND"' ERR

want_test=false
check_qemu_install=false
for arg in "$@"; do
    case "$arg" in
        --test) want_test=true ;;
        --check-qemu-install) check_qemu_install=true ;;
        -h|--help) sed -n '3,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "setup: unknown argument \`$arg\` (see bash ci/setup.sh --help)" >&2; exit 2 ;;
    esac
done

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    step "checking for sudo (not root)" "run as root, or install sudo and give this user sudo rights"
    command -v sudo >/dev/null
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
APT_HINT="check that this machine reaches its Debian mirror (sudo apt-get update), then run ci/setup.sh again"

qemu_ok() {
    command -v qemu-system-aarch64 >/dev/null 2>&1 || return 1
    local version
    version=$(qemu-system-aarch64 --version | head -n1 | grep -oE '[0-9]+\.[0-9]+(\.[0-9]+)?' | head -n1) || return 1
    dpkg --compare-versions "$version" ge 8.2
}

# Writes /etc/apt/sources.list.d/bulkhead-backports.sources for the mirror
# of the machine's own bookworm source, and refreshes apt's lists.
add_backports_source() {
    step "finding the Debian mirror of this machine's bookworm source"
    local found mirror where
    found=$(detect_bookworm_mirror)
    mirror=${found%%$'\t'*}
    where=${found#*$'\t'}
    if [ "$where" = default ]; then
        echo "setup:   no bookworm source in /etc/apt/sources.list or /etc/apt/sources.list.d/; using the default mirror $mirror"
    else
        echo "setup:   $mirror (from $where)"
    fi
    step "adding bookworm-backports ($mirror) as /etc/apt/sources.list.d/bulkhead-backports.sources" \
        "check that you may write /etc/apt/sources.list.d (root or sudo)"
    printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$mirror" \
        | $SUDO tee /etc/apt/sources.list.d/bulkhead-backports.sources >/dev/null
    step "refreshing apt's package lists (apt-get update)" "$APT_HINT"
    $SUDO apt-get update -qq
}

if $check_qemu_install; then
    add_backports_source
    step "simulating the install of qemu-system-arm from bookworm-backports" "$APT_HINT"
    simulated=$($SUDO apt-get install --simulate -t bookworm-backports qemu-system-arm)
    line=$(printf '%s\n' "$simulated" | grep -E '^Inst qemu-system-arm |qemu-system-arm is already the newest version' | head -n1) || {
        echo "setup: apt's simulation names no qemu-system-arm from bookworm-backports:" >&2
        printf '%s\n' "$simulated" | tail -n 20 >&2
        false
    }
    echo "setup:   $line"
    echo "setup: the QEMU install branch works"
    exit 0
fi

step "checking for qemu-system-aarch64 >= 8.2"
if qemu_ok; then
    echo "setup:   $(qemu-system-aarch64 --version | head -n1) is recent enough"
else
    add_backports_source
    step "installing qemu-system-arm from bookworm-backports (about 30 s)" "$APT_HINT"
    $SUDO apt-get install -y -qq -t bookworm-backports qemu-system-arm >/dev/null
    step "checking the installed QEMU" "apt installed a QEMU older than 8.2: check apt-cache policy qemu-system-arm"
    qemu_ok
    echo "setup:   $(qemu-system-aarch64 --version | head -n1)"
fi

# A C toolchain links host binaries (the build tool, defmt-print); the
# fuzz targets' libFuzzer is C++.
step "checking for a C and C++ toolchain and curl"
if ! command -v cc >/dev/null 2>&1 || ! command -v c++ >/dev/null 2>&1 || ! command -v curl >/dev/null 2>&1; then
    step "installing build-essential, curl and ca-certificates" "$APT_HINT"
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq build-essential curl ca-certificates >/dev/null
fi

# The benchmark chart (build/plot, plotters with its font stack) links
# fontconfig and freetype and draws its text with DejaVu Sans; ci/lint.sh
# (clippy) and the host tests build it too.
step "checking for fontconfig, freetype, pkg-config and the DejaVu fonts"
if ! pkg-config --exists fontconfig freetype2 2>/dev/null || [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then
    step "installing libfontconfig-dev, libfreetype-dev, pkg-config and fonts-dejavu-core" "$APT_HINT"
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq libfontconfig-dev libfreetype-dev pkg-config fonts-dejavu-core >/dev/null
fi

# The FAT32 disk images (build/src/disk_image.rs): dosfstools' mkfs.vfat
# and fsck.vfat (in /usr/sbin, off an ordinary user's PATH on Debian),
# mtools' mcopy, mdir and mmd.
step "checking for dosfstools and mtools (FAT32 disk images)"
fat_tools_ok() {
    local tool
    for tool in mkfs.vfat fsck.vfat mcopy mdir mmd; do
        PATH="$PATH:/usr/sbin:/sbin" command -v "$tool" >/dev/null 2>&1 || return 1
    done
}
if fat_tools_ok; then
    echo "setup:   present"
else
    step "installing dosfstools and mtools" "$APT_HINT"
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq dosfstools mtools >/dev/null
    step "checking the installed dosfstools and mtools" "apt installed them, yet mkfs.vfat, fsck.vfat, mcopy, mdir or mmd is missing: check dpkg -L dosfstools mtools"
    fat_tools_ok
fi

# rustup itself, if this machine has none (Debian 12 does not package it).
step "checking for rustup"
if ! command -v rustup >/dev/null 2>&1; then
    if [ ! -x "$HOME/.cargo/bin/rustup" ]; then
        step "installing rustup from https://sh.rustup.rs" "check that this machine reaches static.rust-lang.org, then run ci/setup.sh again"
        curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --default-toolchain none
    fi
    export PATH="$HOME/.cargo/bin:$PATH"
fi
# rustup reads rust-toolchain.toml: toolchain, targets and components.
step "installing the toolchain of rust-toolchain.toml (targets and components included)" \
    "check that this machine reaches static.rust-lang.org, then run ci/setup.sh again"
# (rustup >= 1.28 installs it with `toolchain install`; older ones on `show`.)
rustup toolchain install 2>/dev/null || rustup show >/dev/null
echo "setup:   $(rustup show active-toolchain)"

# The Linux guest's files come from Debian's arm64 packages (apt-get
# download, dpkg-deb -x): no installation, but apt must know arm64.
step "checking that arm64 is a dpkg architecture (for cargo xtask fetch-guest)"
if dpkg --print-foreign-architectures | grep -qx arm64 || [ "$(dpkg --print-architecture)" = arm64 ]; then
    echo "setup:   it is"
else
    step "adding arm64 as a dpkg architecture and refreshing apt's lists" "$APT_HINT"
    $SUDO dpkg --add-architecture arm64
    $SUDO apt-get update -qq
fi

if $want_test; then
    DEFMT_PRINT_VERSION=1.2.0
    step "checking for defmt-print $DEFMT_PRINT_VERSION (the tests decode the kernel's defmt log)"
    if defmt-print --version 2>/dev/null | grep -q "$DEFMT_PRINT_VERSION"; then
        echo "setup:   present"
    else
        step "installing defmt-print $DEFMT_PRINT_VERSION with cargo install (about 90 s)" \
            "check that this machine reaches crates.io, then run ci/setup.sh --test again"
        cargo install --quiet --locked defmt-print --version "$DEFMT_PRINT_VERSION"
    fi
    # The fuzz targets (cargo xtask fuzz, and the smoke in cargo xtask
    # test) need nightly for the sanitizers, and cargo-fuzz.
    step "checking for a nightly toolchain (cargo-fuzz needs it)"
    if rustup run nightly rustc --version >/dev/null 2>&1; then
        echo "setup:   $(rustup run nightly rustc --version)"
    else
        step "installing the nightly toolchain" "check that this machine reaches static.rust-lang.org, then run ci/setup.sh --test again"
        rustup toolchain install nightly --profile minimal
    fi
    CARGO_FUZZ_VERSION=0.13.2
    step "checking for cargo-fuzz"
    if cargo fuzz --version >/dev/null 2>&1; then
        echo "setup:   $(cargo fuzz --version)"
    else
        step "installing cargo-fuzz $CARGO_FUZZ_VERSION with cargo install (about 30 s)" \
            "check that this machine reaches crates.io, then run ci/setup.sh --test again"
        cargo install --quiet --locked cargo-fuzz --version "$CARGO_FUZZ_VERSION"
    fi
fi
STEP="done"
echo "setup: done$($want_test && echo ' (demo and tests)' || echo ' (demo; add --test for the tests)')"
