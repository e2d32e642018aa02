# SPDX-License-Identifier: MIT
# Finds the Debian mirror that a machine's bookworm source uses, whatever
# the apt layout: deb822 (`sources.list.d/*.sources`, as in Debian's own
# container images), one-line (`sources.list`, `sources.list.d/*.list`),
# both, or neither. Sourced by ci/setup.sh and by ci/tests/apt-sources.sh;
# it only reads files and prints, it installs nothing.

# The mirror used when no bookworm source is found.
BULKHEAD_DEFAULT_MIRROR="http://deb.debian.org/debian"

# Prints the URIs of the enabled deb822 stanzas whose Suites name plain
# bookworm (not bookworm-security), one per line, for the files given.
bookworm_uris_deb822() {
    [ "$#" -gt 0 ] || return 0
    awk '
        function flush() {
            if (types ~ /(^|[[:space:]])deb([[:space:]]|$)/ && enabled != "no" &&
                suites ~ /(^|[[:space:]])bookworm([[:space:]]|$)/ && uris != "")
                print uris
            types = ""; suites = ""; uris = ""; enabled = ""
        }
        /^[[:space:]]*#/ { next }
        /^[[:space:]]*$/ { flush(); next }
        tolower($1) == "types:"   { sub(/^[^:]*:[[:space:]]*/, ""); types = $0; next }
        tolower($1) == "suites:"  { sub(/^[^:]*:[[:space:]]*/, ""); suites = $0; next }
        tolower($1) == "uris:"    { sub(/^[^:]*:[[:space:]]*/, ""); split($0, u, /[[:space:]]+/); uris = u[1]; next }
        tolower($1) == "enabled:" { enabled = tolower($2); next }
        END { flush() }
    ' "$@"
}

# Prints the URIs of the `deb` lines whose suite is plain bookworm, one per
# line, for the one-line-format files given.
bookworm_uris_one_line() {
    [ "$#" -gt 0 ] || return 0
    awk '
        /^[[:space:]]*#/ { next }
        $1 == "deb" {
            i = 2
            if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
            if ($(i + 1) == "bookworm") print $i
        }
    ' "$@"
}

# detect_bookworm_mirror [ROOT]
# Prints "MIRROR<TAB>WHERE": the mirror URI of the first bookworm source
# under ROOT (default /) and the file it came from, or the default mirror
# and "default" when there is none. Files that do not exist are skipped:
# a missing sources.list is the normal case on a deb822-only machine.
detect_bookworm_mirror() {
    local root="${1:-}" file uri
    local -a deb822=() one_line=()
    for file in "$root"/etc/apt/sources.list.d/*.sources; do
        [ -f "$file" ] && deb822+=("$file")
    done
    for file in "$root"/etc/apt/sources.list "$root"/etc/apt/sources.list.d/*.list; do
        [ -f "$file" ] && one_line+=("$file")
    done
    for file in "${deb822[@]}" "${one_line[@]}"; do
        case "$file" in
            *.sources) uri=$(bookworm_uris_deb822 "$file" | head -n1) ;;
            *) uri=$(bookworm_uris_one_line "$file" | head -n1) ;;
        esac
        if [ -n "$uri" ]; then
            printf '%s\t%s\n' "${uri%/}" "${file#"$root"}"
            return 0
        fi
    done
    printf '%s\t%s\n' "$BULKHEAD_DEFAULT_MIRROR" default
}
