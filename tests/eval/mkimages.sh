#!/bin/bash
# make eval's VM images, built from make images' own (which stay as they
# are: make check's numbers depend on them) with more files on top.  A
# cpio archive may follow another in one initramfs (Linux unpacks them in
# turn, a later file replacing an earlier one); each image is one gzip
# stream, since libxc unpacks a gzipped guest ramdisk as a single stream.
#   build/eval/img/domU-eval.cpio.gz  the guest image + the eval guest
#                                     scripts (tests/eval/guest/)
#   build/eval/img/domU-deb.cpio.gz   that + a Debian bookworm userland in
#                                     /debian (tests/eval/debian-userland.sh)
#   build/eval/img/debian-userland.manifest  its packages and size
#   build/eval/img/dom0-eval.cpio.gz  the dom0 image + the eval scenarios and
#                                     the two guest images above in /guest
set -euo pipefail
. "$(dirname "$0")/../../scripts/common.sh"

out="$BUILD/out"
img="$BUILD/eval/img"
vm="$CBPS_ROOT/tests/vm"
mkdir -p "$img"

for f in domU.cpio.gz dom0.cpio.gz; do
	[ -s "$out/$f" ] || die "$out/$f missing: run make images first"
done

# cpio (newc, owned by root) of a directory's contents, not compressed.
cpio_of() {
	(cd "$1" && find . | sort | cpio -o -H newc -R 0:0 --quiet)
}

# The Debian userland tree, kept with the downloads (it is rebuilt only
# when its script changes); a copy of its manifest goes with the images.
deb="$BUILD/dl/eval-userland"
"$CBPS_ROOT/tests/eval/debian-userland.sh" "$deb"
cp "$deb.manifest" "$img/debian-userland.manifest"

g="$img/ov-guest"
rm -rf "$g"
mkdir -p "$g/cbps/scenarios"
cp "$vm"/common.sh "$vm"/guest/lib.sh "$CBPS_ROOT"/tests/eval/guest/eval-*.sh \
	"$g/cbps/scenarios/"
{ zcat "$out/domU.cpio.gz"; cpio_of "$g"; } | gzip -1 >"$img/domU-eval.cpio.gz"
{ zcat "$out/domU.cpio.gz"; cpio_of "$g"; cpio_of "$deb"; } |
	gzip -1 >"$img/domU-deb.cpio.gz"

d="$img/ov-dom0"
rm -rf "$d"
mkdir -p "$d/scenarios" "$d/guest"
cp "$vm"/common.sh "$vm"/dom0/lib.sh "$vm"/scenarios/eval-*.sh "$d/scenarios/"
cp "$img/domU-eval.cpio.gz" "$img/domU-deb.cpio.gz" "$d/guest/"
{ zcat "$out/dom0.cpio.gz"; cpio_of "$d"; } | gzip -1 >"$img/dom0-eval.cpio.gz"
log "eval images: $(du -h "$img/domU-eval.cpio.gz" | cut -f1) busybox guest," \
	"$(du -h "$img/domU-deb.cpio.gz" | cut -f1) Debian guest," \
	"$(du -h "$img/dom0-eval.cpio.gz" | cut -f1) dom0"
