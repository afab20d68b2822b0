#!/bin/bash
# Download the Debian binaries the VMs run (the 6.1 kernel, Xen's xl
# toolstack pinned to the same version as the hypervisor source, and
# Debian's own build of that hypervisor, for the test on a Xen without
# cbps) and unpack them into build/root.  Output: build/out/vmlinux.gz, the
# kernel as a gzipped ELF (Xen unpacks it faster than the xz bzImage under
# TCG), and build/out/xen-stock.
set -euo pipefail
. "$(dirname "$0")/common.sh"

kver=$(cat "$BUILD/kver")
okver=$(cat "$BUILD/kver-odd" 2>/dev/null || true)
debs="$BUILD/dl/debs"
root="$BUILD/root"
stamp="$root/.cbps-fetched"
want="$kver $XEN_DEB_VERSION stock $okver"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
	exit 0
fi

v=$XEN_DEB_VERSION
pkgs="linux-image-$kver xen-utils-4.17=$v xen-utils-common=$v
	libxencall1=$v libxenevtchn1=$v libxenforeignmemory1=$v
	libxengnttab1=$v libxenmisc4.17=$v libxenstore4=$v libxentoollog1=$v
	libxendevicemodel1=$v libxentoolcore1=$v libxenhypfs1=$v
	xenstore-utils=$v libyajl2 xen-hypervisor-4.17-amd64=$v
	${okver:+linux-image-$okver}"
log "downloading guest kernel $kver and xl toolstack $v"
rm -rf "$debs" "$root"
mkdir -p "$debs" "$root" "$BUILD/out"
(cd "$debs" && apt-get download -qq $pkgs 2>&1 | grep -v unsandboxed || true)
for d in "$debs"/*.deb; do
	dpkg-deb -x "$d" "$root"
done
[ -f "$root/boot/vmlinuz-$kver" ] || die "kernel $kver did not unpack"
[ -x "$root/usr/lib/xen-4.17/bin/xl" ] || die "xl did not unpack"

# The bzImage payload is an xz stream: find it and unpack the ELF.
extract_vmlinux() {
	python3 - "$1" "$2.xz" <<'PY'
import sys
data = open(sys.argv[1], 'rb').read()
off = data.find(b'\xfd7zXZ\x00')
if off < 0:
    sys.exit('no xz stream in the bzImage')
open(sys.argv[2], 'wb').write(data[off:])
PY
	xz -dc "$2.xz" 2>/dev/null >"$2" || true
	rm -f "$2.xz"
	head -c 4 "$2" | grep -q ELF || die "vmlinux extraction from $1 failed"
	gzip -1 -f "$2"
}
extract_vmlinux "$root/boot/vmlinuz-$kver" "$BUILD/out/vmlinux"
if [ -n "$okver" ]; then
	extract_vmlinux "$root/boot/vmlinuz-$okver" "$BUILD/out/vmlinux-odd"
else
	cp "$BUILD/out/vmlinux.gz" "$BUILD/out/vmlinux-odd.gz"
fi
# QEMU's multiboot loader wants the hypervisor uncompressed.
zcat "$root/boot/xen-4.17-amd64.gz" >"$BUILD/out/xen-stock"
echo "$want" >"$stamp"
log "guest kernel ready: $BUILD/out/vmlinux.gz"
