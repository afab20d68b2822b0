#!/bin/bash
# Build the VM test images from Debian's binaries and our build outputs:
#   build/out/domU.cpio.gz  busybox, cs.ko, the guest scenario scripts
#   build/out/dom0.cpio.gz  busybox, the xl toolstack, the cbps tool, the
#                           guest kernel and image, the dom0 scenarios
set -euo pipefail
. "$(dirname "$0")/../../scripts/common.sh"

kver=$(cat "$BUILD/kver")
okver=$(cat "$BUILD/kver-odd" 2>/dev/null || echo "$kver")
root="$BUILD/root"
out="$BUILD/out"
vm="$CBPS_ROOT/tests/vm"

# cpio of a directory, owned by root, gzipped fast.
pack() {
	(cd "$1" && find . | sort | cpio -o -H newc -R 0:0 --quiet) |
		gzip -1 >"$2"
}

add_busybox() {
	mkdir -p "$1/bin" "$1/sbin" "$1/proc" "$1/sys" "$1/dev" "$1/tmp" \
		"$1/run" "$1/etc"
	cp /bin/busybox "$1/bin/busybox"
}

# --- the guest image ---
g="$BUILD/img-domU"
rm -rf "$g"
add_busybox "$g"
install -m 755 "$vm/guest/init" "$g/init"
mkdir -p "$g/cbps/scenarios"
# Without debug info: 1.5 MiB of it would sit in every guest's page
# cache, and the anypfn scenario measures what page cache shares.
strip --strip-debug -o "$g/cbps/cs.ko" "$out/cs-$kver.ko"
# The hostile guest's module (VM test "hostile"), test only.
strip --strip-debug -o "$g/cbps/cbps_hostile.ko" "$out/cbps_hostile-$kver.ko"
cp "$out/cbps-anoncow" "$out/cbps-anonheap" "$g/cbps/"
# zram swap for the anonymous-memory tests (MADV_PAGEOUT).
mkdir -p "$g/cbps/mod"
cp "$root/lib/modules/$kver/kernel/mm/zsmalloc.ko" \
	"$root/lib/modules/$kver/kernel/drivers/block/zram/zram.ko" "$g/cbps/mod/"
cp "$vm"/common.sh "$vm"/guest/*.sh "$g/cbps/scenarios/"
# Data every guest has, the same bytes in each (seeded): the sharing
# tests write it and check it against a reference.
python3 -c 'import random, sys; r = random.Random(4); sys.stdout.buffer.write(bytes(r.getrandbits(8) for _ in range(1 << 19)))' >"$g/cbps/data"
cp "$g/cbps/data" "$g/cbps/data2"
pack "$g" "$out/domU.cpio.gz"

# The odd guest of the census test: it boots another Debian kernel build
# where the archive has one (cs.ko built for it), and fills 16 MiB with
# random bytes at boot, which no other guest has.
strip --strip-debug -o "$g/cbps/cs.ko" "$out/cs-$okver.ko"
mkdir -p "$g/etc"
cat >"$g/etc/odd" <<'ODD'
mkdir -p /odd
dd if=/dev/urandom of=/odd/blob bs=1M count=16 2>/dev/null
ODD
pack "$g" "$out/domU-odd.cpio.gz"

# --- the dom0 image ---
d="$BUILD/img-dom0"
rm -rf "$d"
add_busybox "$d"
install -m 755 "$vm/dom0/init" "$d/init"
mkdir -p "$d/lib/modules/xen" "$d/usr/lib/xen-4.17/bin" \
	"$d/lib/x86_64-linux-gnu" "$d/lib64" "$d/etc/xen" "$d/var/lib/xen" \
	"$d/var/lib/xenstored" "$d/var/log/xen/console" "$d/var/run/xen" \
	"$d/var/run/xenstored" "$d/guest" "$d/cbps/bin" "$d/scenarios"
touch "$d/etc/xen/xl.conf"

# Load order matters: xenfs needs privcmd.
for m in xen-evtchn xen-privcmd xen-gntdev xen-gntalloc xenfs/xenfs; do
	cp "$root/lib/modules/$kver/kernel/drivers/xen/$m.ko" \
		"$d/lib/modules/xen/$(basename "$m").ko"
done
echo "xen-evtchn xen-privcmd xen-gntdev xen-gntalloc xenfs" \
	>"$d/lib/modules/xen/order"

bins="xl xenstored xenconsoled xen-init-dom0 libxl-save-helper"
for b in $bins; do
	cp "$root/usr/lib/xen-4.17/bin/$b" "$d/usr/lib/xen-4.17/bin/"
done
cp "$out/cbps" "$out/cbps-recount" "$out/cbps-gnt" "$out/cbps-gdbsx" \
	"$d/cbps/bin/"

# Every library the binaries need: Xen's from the unpacked debs, the C
# library and friends from the host (both Debian bookworm).
libpath="$root/usr/lib/x86_64-linux-gnu:$root/usr/lib/xen-4.17/lib/x86_64-linux-gnu"
for f in "$d"/usr/lib/xen-4.17/bin/* "$d"/cbps/bin/*; do
	LD_LIBRARY_PATH=$libpath ldd "$f" | awk '/=> \// { print $3 }'
done | sort -u | while read -r lib; do
	cp -L "$lib" "$d/lib/x86_64-linux-gnu/"
done
cp -L /lib/x86_64-linux-gnu/libgcc_s.so.1 "$d/lib/x86_64-linux-gnu/"
cp -L /lib64/ld-linux-x86-64.so.2 "$d/lib64/"
# The tool was linked against the host's libxencall: same soname, keep
# the one that matches the toolstack.
cp -L "$root/usr/lib/x86_64-linux-gnu/libxencall.so.1" "$d/lib/x86_64-linux-gnu/"

cp "$out/vmlinux.gz" "$out/vmlinux-odd.gz" "$out/domU.cpio.gz" \
	"$out/domU-odd.cpio.gz" "$d/guest/"
cp "$vm"/common.sh "$vm"/dom0/lib.sh "$vm"/dom0/eligible.awk \
	"$vm"/scenarios/*.sh "$d/scenarios/"
pack "$d" "$out/dom0.cpio.gz"
log "images: $(du -h "$out/dom0.cpio.gz" | cut -f1) dom0, $(du -h "$out/domU.cpio.gz" | cut -f1) domU"
