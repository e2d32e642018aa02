#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Tests of ci/setup.sh, run by `cargo xtask test` (alone: bash ci/tests/setup.sh):
#   - the bookworm mirror is found on each apt layout of Debian 12: deb822
#     only, sources.list only, both, and neither (the default, said so);
#   - a failing step ends the script with a message that names the step,
#     the command and the line, never silently.
# Prints `ok <name>` or `FAIL <name>: ...` per case; exits 1 on any failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
. ci/lib/apt-sources.sh

failures=0
pass() { echo "ok $1"; }
fail() { echo "FAIL $1: $2"; failures=$((failures + 1)); }
expect_eq() { # name expected actual
    if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "expected [$2], got [$3]"; fi
}

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

layout() { # name: makes $scratch/<name>/etc/apt/sources.list.d and echoes the root
    mkdir -p "$scratch/$1/etc/apt/sources.list.d"
    echo "$scratch/$1"
}
TAB=$'\t'

# deb822 only, as in Debian's own container images: the security stanza
# comes first here, and must not be taken for the mirror.
root=$(layout deb822)
cat > "$root/etc/apt/sources.list.d/debian.sources" <<'SRC'
Types: deb
# a comment
URIs: http://security.example.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.example.org/debian/
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
expect_eq "apt layout: deb822 only" \
    "http://mirror.example.org/debian${TAB}/etc/apt/sources.list.d/debian.sources" "$(detect_bookworm_mirror "$root")"

# A disabled deb822 stanza is not a source.
root=$(layout deb822-disabled)
cat > "$root/etc/apt/sources.list.d/debian.sources" <<'SRC'
Types: deb
URIs: http://disabled.example.org/debian
Suites: bookworm
Components: main
Enabled: no
SRC
expect_eq "apt layout: a disabled deb822 stanza is skipped" \
    "${BULKHEAD_DEFAULT_MIRROR}${TAB}default" "$(detect_bookworm_mirror "$root")"

# sources.list only, with options in brackets and a security line first.
root=$(layout sources-list)
cat > "$root/etc/apt/sources.list" <<'SRC'
# deb http://commented.example.org/debian bookworm main
deb http://security.example.org/debian-security bookworm-security main
deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://list.example.org/debian bookworm main contrib
SRC
expect_eq "apt layout: sources.list only" \
    "http://list.example.org/debian${TAB}/etc/apt/sources.list" "$(detect_bookworm_mirror "$root")"

# Both: the deb822 source wins (it is the format Debian 12 installs).
root=$(layout both)
cat > "$root/etc/apt/sources.list.d/debian.sources" <<'SRC'
Types: deb
URIs: http://deb822.example.org/debian
Suites: bookworm
Components: main
SRC
echo "deb http://list.example.org/debian bookworm main" > "$root/etc/apt/sources.list"
expect_eq "apt layout: both" \
    "http://deb822.example.org/debian${TAB}/etc/apt/sources.list.d/debian.sources" "$(detect_bookworm_mirror "$root")"

# Neither: the default mirror, and the caller is told (WHERE = default).
root=$(layout neither)
expect_eq "apt layout: neither" "${BULKHEAD_DEFAULT_MIRROR}${TAB}default" "$(detect_bookworm_mirror "$root")"

# A failing step: a QEMU too old sends setup.sh down the install branch,
# where apt-get fails. Stubs keep it off the real system: id says root
# (no sudo), tee writes nothing, apt-get fails as an unreachable mirror does.
stubs="$scratch/stubs"
mkdir -p "$stubs"
printf '#!/bin/sh\necho "QEMU emulator version 7.2.0"\n' > "$stubs/qemu-system-aarch64"
printf '#!/bin/sh\necho 0\n' > "$stubs/id"
printf '#!/bin/sh\ncat >/dev/null\n' > "$stubs/tee"
printf '#!/bin/sh\necho "E: stub: the mirror is unreachable" >&2\nexit 100\n' > "$stubs/apt-get"
chmod +x "$stubs"/*
out=$(PATH="$stubs:$PATH" bash ci/setup.sh 2>&1)
status=$?
update_line=$(grep -n 'apt-get update -qq$' ci/setup.sh | head -n1 | cut -d: -f1)
case "$status:$out" in
    100:*'FAILED in step "refreshing apt'"'"'s package lists (apt-get update)"'*'command: $SUDO apt-get update -qq'*"exit status 100, ci/setup.sh line $update_line"*'what to do: check that this machine reaches its Debian mirror'*)
        pass "a failing step names the step, the command, the line and what to do" ;;
    *) fail "a failing step names the step, the command, the line and what to do" "status $status, output:
$out" ;;
esac

# An unknown argument is refused with a message, not ignored.
out=$(bash ci/setup.sh --bogus 2>&1)
status=$?
case "$status:$out" in
    2:*'unknown argument `--bogus`'*) pass "an unknown argument is refused" ;;
    *) fail "an unknown argument is refused" "status $status, output: $out" ;;
esac

echo "setup tests: $failures failed"
[ "$failures" -eq 0 ]
