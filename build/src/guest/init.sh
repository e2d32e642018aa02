#!/bin/busybox sh
# SPDX-License-Identifier: MIT
# /init of Bulkhead's busybox initramfs (built by `cargo xtask fetch-guest`).
# Mounts proc, sys and dev, prints the virtual counter (`BULKHEAD-CNTVCT: 0x<hex>`)
# and `BULKHEAD-INIT: <n> cpus`, then runs the
# steps of `bulkhead.test=<step>,<step>,...` on the kernel command line, each
# between `BULKHEAD-STEP: <step>` and `BULKHEAD-STEP-DONE: <step> <status>`:
#   workload  a short CPU and memory load on every CPU, then `BULKHEAD-WORKLOAD: ok`
#   features  the CPU features Linux found (/proc/cpuinfo): `BULKHEAD-FEATURES-COUNT: <n>`, then
#             `BULKHEAD-FEATURES: <up to 8 names>` lines (a hypervisor's console may split long lines)
#   poweroff  PSCI SYSTEM_OFF (poweroff -f)
#   reboot    PSCI SYSTEM_RESET (reboot -f)
#   crash     a kernel panic (echo c > /proc/sysrq-trigger); pass panic=-1 to reset
#   virtio-input  loads /lib/modules in /lib/modules/order (`BULKHEAD-MODULES: <n> loaded`), waits
#             for the virtio keyboard a device model emulates, names each input device
#             (`BULKHEAD-EVDEV: device <eventN> <name>`), says `BULKHEAD-EVDEV: ready`, then prints
#             every event the keyboard's /dev/input/eventN gives: `BULKHEAD-EVDEV: <type> <code> <value>`,
#             and those of the virtio tablet and multi-touch devices, if any, as
#             `BULKHEAD-EVDEV-TABLET: ...` and `BULKHEAD-EVDEV-TOUCH: ...` (never returns)
#   virtio-input-bench  as virtio-input up to `BULKHEAD-EVDEV: device` lines, then runs
#             /bin/bulkhead-evstamp on the keyboard's /dev/input/eventN: `BULKHEAD-EVSTAMP: ready`,
#             then a line per key event read with the virtual counter right after its read()
#             (build/src/guest/evstamp.rs; the virtio-input benchmark; returns only if a read fails)
#   virtio-gpu  loads the modules, waits for /dev/fb0 (the virtio GPU a device model emulates),
#             unbinds the framebuffer console, says `BULKHEAD-FB: <width>x<height> stride <bytes>`,
#             writes /lib/bulkhead/band.raw down the whole framebuffer (build/src/guest/fbpattern.rs)
#             and says `BULKHEAD-FB: written <rows> rows`
#   virtio-9p  loads the modules, mounts the 9P device a device model emulates (tag `bulkhead`) on
#             /mnt/ivi (`BULKHEAD-9P: mounted`), prints each line of its WELCOME.TXT
#             (`BULKHEAD-9P: read: <line>`), writes LINUX.TXT, lists the directory
#             (`BULKHEAD-9P: ls: <names>`), unmounts and says `BULKHEAD-9P: written`
#   virtio-net  loads the modules, waits for eth0 (the virtio NIC a device model emulates on the
#             network domain's switch), gives it 10.0.2.16/24 and the default route via QEMU's
#             10.0.2.2 (`BULKHEAD-NET: up <mac>`), fetches http://10.0.2.2:5580/cockpit.txt (the QEMU
#             test's server on the host's 127.0.0.1) and prints each line of the answer, headers too
#             (`BULKHEAD-NET: got: <line>`), then `BULKHEAD-NET: fetched <bytes> bytes`; then takes
#             another MAC (52:54:00:00:00:66) and pings 10.0.2.2: `BULKHEAD-NET: spoofed ping: lost`
#             if nothing came back (the switch drops spoofed frames), `... answered` if it did
#   virtio-snd  loads the modules, waits for /dev/snd/pcmC0D0p (the virtio-snd device a device
#             model emulates; `BULKHEAD-SND: ready`), then runs /bin/bulkhead-tone: 5 s of a 480 Hz
#             tone (build/src/guest/tone.rs; `BULKHEAD-TONE: playing`, then `BULKHEAD-TONE: done`
#             or `BULKHEAD-TONE: failed`)
#   cockpit   the cockpit board's IVI: the modules, then virtio-gpu's picture, virtio-9p's read and
#             write and virtio-net's fetch (without the spoofing), as those steps do; then
#             virtio-snd's tone over and over in the background, and virtio-input's key printing
#             (never returns)
#   other     any busybox applet, run without arguments (e.g. uname, dmesg)
# With no steps, or when they are done, a shell runs on the console.
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev 2>/dev/null
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root TERM=vt100
mkdir -p /tmp /dev/pts
mount -t tmpfs tmpfs /tmp

cpus=$(grep -c '^processor' /proc/cpuinfo)
# The virtual counter at the marker (the Linux boot benchmark's end point).
/bin/bulkhead-cntvct
echo "BULKHEAD-INIT: $cpus cpus"

workload() {
    i=0
    while [ "$i" -lt "$cpus" ]; do
        dd if=/dev/zero bs=1M count=8 2>/dev/null | md5sum >/tmp/workload.$i &
        i=$((i + 1))
    done
    wait
    sums=$(cat /tmp/workload.* | sort -u)
    # 8 MiB of zeros, on every CPU.
    if [ "$sums" = "96995b58d4cbf6aaa9041b4f00c7f6ae  -" ]; then
        echo "BULKHEAD-WORKLOAD: ok"
    else
        echo "BULKHEAD-WORKLOAD: FAILED: $sums"
        return 1
    fi
}

features() {
    set -- $(grep -m1 '^Features' /proc/cpuinfo | sed 's/^Features[[:space:]]*:[[:space:]]*//')
    echo "BULKHEAD-FEATURES-COUNT: $#"
    while [ "$#" -gt 0 ]; do
        line="BULKHEAD-FEATURES:"
        for i in 1 2 3 4 5 6 7 8; do
            [ "$#" -gt 0 ] || break
            line="$line $1"
            shift
        done
        echo "$line"
    done
}

load_modules() {
    [ -e /tmp/.modules-loaded ] && return 0
    : >/tmp/.modules-loaded
    n=0
    for m in $(cat /lib/modules/order 2>/dev/null); do
        insmod "/lib/modules/$m.ko" && n=$((n + 1))
    done
    echo "BULKHEAD-MODULES: $n loaded"
}

# Loads the modules and waits for the virtio keyboard; names each input
# device; sets $dev to the keyboard's /dev/input/eventN (fails without one).
find_keyboard() {
    load_modules
    i=0
    dev=""
    while [ -z "$dev" ] && [ "$i" -lt 100 ]; do
        for e in /sys/class/input/event*; do
            [ -e "$e/device/name" ] || continue
            case "$(cat "$e/device/name")" in
                *eyboard*) dev="/dev/input/${e##*/}" ;;
            esac
        done
        [ -n "$dev" ] || sleep 0.1
        i=$((i + 1))
    done
    for e in /sys/class/input/event*; do
        [ -e "$e/device/name" ] && echo "BULKHEAD-EVDEV: device ${e##*/} $(cat "$e/device/name")"
    done
    if [ -z "$dev" ]; then
        echo "BULKHEAD-EVDEV: FAILED: no virtio keyboard"
        return 1
    fi
}

# Prints every event read from the open file descriptor 3 as
# `<prefix>: <type> <code> <value>` (never returns). One open file for
# every read: evdev queues events per open file, so a reader that opened
# the device anew for each event would lose those that came between.
# struct input_event on arm64: 16 bytes of time, then type, code (u16)
# and value (s32, low half first): fields 9, 10, 11 of 12 u16s.
print_events() {
    while true; do
        set -- $(dd bs=24 count=1 <&3 2>/dev/null | od -An -v -t u2)
        [ "$#" -ge 12 ] && echo "$prefix: ${9} ${10} ${11}"
    done
}

# The /dev/input/eventN of the input device whose name matches $1, if any.
event_node() {
    for e in /sys/class/input/event*; do
        [ -e "$e/device/name" ] || continue
        case "$(cat "$e/device/name")" in
            $1) echo "/dev/input/${e##*/}"; return ;;
        esac
    done
}

virtio_input() {
    find_keyboard || return 1
    # The tablet and the multi-touch device probe beside the keyboard: give
    # each 2 s to appear (a board may have neither).
    for kind in tablet:TABLET multi-touch:TOUCH; do
        i=0
        node=""
        while [ -z "$node" ] && [ "$i" -lt 20 ]; do
            node=$(event_node "*${kind%%:*}")
            [ -n "$node" ] || sleep 0.1
            i=$((i + 1))
        done
        [ -n "$node" ] && (exec 3<"$node"; prefix="BULKHEAD-EVDEV-${kind##*:}"; print_events) &
    done
    exec 3<"$dev"
    prefix="BULKHEAD-EVDEV"
    echo "BULKHEAD-EVDEV: ready"
    print_events
}

virtio_input_bench() {
    find_keyboard || return 1
    # Not exec'd: if a read fails, it exits 1 and the step says so.
    /bin/bulkhead-evstamp <"$dev"
}

virtio_gpu() {
    load_modules
    i=0
    while [ ! -e /dev/fb0 ] && [ "$i" -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    if [ ! -e /dev/fb0 ]; then
        echo "BULKHEAD-FB: FAILED: no /dev/fb0"
        return 1
    fi
    # The console must not draw over the picture.
    for v in /sys/class/vtconsole/vtcon*; do
        grep -q "frame buffer" "$v/name" 2>/dev/null && echo 0 >"$v/bind"
    done
    size=$(cat /sys/class/graphics/fb0/virtual_size)
    width=${size%,*}
    height=${size#*,}
    echo "BULKHEAD-FB: ${width}x${height} stride $(cat /sys/class/graphics/fb0/stride)"
    # 16 rows per band (fbpattern::BAND_ROWS).
    bands=$((height / 16))
    i=0
    while [ "$i" -lt "$bands" ]; do
        cat /lib/bulkhead/band.raw
        i=$((i + 1))
    done >/dev/fb0
    echo "BULKHEAD-FB: written $((bands * 16)) rows"
}

virtio_9p() {
    load_modules
    mkdir -p /mnt/ivi
    if ! mount -t 9p -o trans=virtio,version=9p2000.L bulkhead /mnt/ivi; then
        echo "BULKHEAD-9P: FAILED: mount"
        return 1
    fi
    echo "BULKHEAD-9P: mounted"
    while read -r line; do
        echo "BULKHEAD-9P: read: $line"
    done </mnt/ivi/WELCOME.TXT
    echo "Linux was here, through the device model and the 9pfs domain." >/mnt/ivi/LINUX.TXT || return 1
    echo "BULKHEAD-9P: ls:" $(ls /mnt/ivi)
    umount /mnt/ivi || return 1
    echo "BULKHEAD-9P: written"
}

virtio_net() {
    net_fetch && net_spoof
}

# eth0 up as 10.0.2.16/24, and the page fetched and printed.
net_fetch() {
    load_modules
    i=0
    while [ ! -e /sys/class/net/eth0 ] && [ "$i" -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    if [ ! -e /sys/class/net/eth0 ]; then
        echo "BULKHEAD-NET: FAILED: no eth0"
        return 1
    fi
    ip link set eth0 up && ip addr add 10.0.2.16/24 dev eth0 && ip route add default via 10.0.2.2 || return 1
    echo "BULKHEAD-NET: up $(cat /sys/class/net/eth0/address)"
    # busybox-static's wget crashes in Debian 12 (its resolver, even for an
    # address): an HTTP/1.0 request by hand through nc instead.
    printf 'GET /cockpit.txt HTTP/1.0\r\nHost: 10.0.2.2\r\n\r\n' | nc -w 20 10.0.2.2 5580 | tr -d '\r' >/tmp/page
    [ -s /tmp/page ] || { echo "BULKHEAD-NET: FAILED: no answer"; return 1; }
    while read -r line; do
        echo "BULKHEAD-NET: got: $line"
    done </tmp/page
    echo "BULKHEAD-NET: fetched $(wc -c </tmp/page) bytes"
}

# Another source MAC: the switch must drop every frame.
net_spoof() {
    ip link set eth0 down && ip link set eth0 address 52:54:00:00:00:66 && ip link set eth0 up || return 1
    if ping -c 2 -W 2 10.0.2.2 >/dev/null 2>&1; then
        echo "BULKHEAD-NET: spoofed ping: answered"
    else
        echo "BULKHEAD-NET: spoofed ping: lost"
    fi
}

virtio_snd() {
    load_modules
    i=0
    while [ ! -e /dev/snd/pcmC0D0p ] && [ "$i" -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    if [ ! -e /dev/snd/pcmC0D0p ]; then
        echo "BULKHEAD-SND: FAILED: no /dev/snd/pcmC0D0p"
        return 1
    fi
    echo "BULKHEAD-SND: ready"
    /bin/bulkhead-tone
}

cockpit() {
    load_modules
    virtio_gpu
    virtio_9p
    net_fetch
    # The tone plays on and on, in the background.
    (while virtio_snd; do :; done) &
    virtio_input
}

step() {
    case "$1" in
        workload) workload ;;
        features) features ;;
        poweroff) sync; poweroff -f ;;
        reboot) sync; reboot -f ;;
        crash) echo 1 >/proc/sys/kernel/sysrq; echo c >/proc/sysrq-trigger ;;
        virtio-input) virtio_input ;;
        virtio-input-bench) virtio_input_bench ;;
        virtio-gpu) virtio_gpu ;;
        virtio-9p) virtio_9p ;;
        virtio-net) virtio_net ;;
        virtio-snd) virtio_snd ;;
        cockpit) cockpit ;;
        *)
            if command -v "$1" >/dev/null 2>&1; then
                "$1"
            else
                echo "BULKHEAD-INIT: unknown step \`$1\`: use workload, features, poweroff, reboot, crash or a busybox applet"
                return 127
            fi
            ;;
    esac
}

steps=""
for word in $(cat /proc/cmdline); do
    case "$word" in
        bulkhead.test=*) steps="${word#bulkhead.test=}" ;;
    esac
done
if [ -n "$steps" ]; then
    for s in $(echo "$steps" | tr ',' ' '); do
        echo "BULKHEAD-STEP: $s"
        step "$s"
        echo "BULKHEAD-STEP-DONE: $s $?"
    done
else
    echo "BULKHEAD-INIT: no bulkhead.test= steps; a shell on the console (exit powers off)"
fi
setsid cttyhack sh || sh
poweroff -f
