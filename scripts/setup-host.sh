#!/bin/bash
# Install every host package cbps needs, from Debian bookworm only, and
# record the guest kernel version (discovered, never hard-coded).
# Idempotent: a stamp file skips the work when it was already done.
set -euo pipefail
. "$(dirname "$0")/common.sh"

stamp="$BUILD/.setup-host.stamp"
want="v5"

# make eval draws its plots with gnuplot: installed on its own too, so a
# host set up before make eval existed gets it without redoing the rest.
if ! command -v gnuplot >/dev/null 2>&1; then
	log "host set-up: installing gnuplot-nox (make eval's plots)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends gnuplot-nox >/dev/null 2>&1 || {
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends gnuplot-nox >/dev/null
	}
fi
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -s "$BUILD/kver" ]; then
	exit 0
fi

log "host set-up: enabling deb-src and installing packages (about a minute)"
src=/etc/apt/sources.list.d/debian.sources
if [ -f "$src" ] && ! grep -q '^Types: deb deb-src' "$src"; then
	sed -i 's/^Types: deb$/Types: deb deb-src/' "$src"
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
	qemu-system-x86 busybox-static cpio xz-utils gzip kmod \
	bison flex python3 gcc libc6-dev make dpkg-dev patch \
	libxen-dev gnuplot-nox >/dev/null

# The guest and dom0 kernel: whatever linux-image-amd64 points at today.
pkg=$(apt-cache depends linux-image-amd64 |
	awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
[ -n "$pkg" ] || die "cannot find the kernel linux-image-amd64 depends on"
kver=${pkg#linux-image-}
apt-get install -y -qq --no-install-recommends "linux-headers-$kver" >/dev/null
echo "$kver" >"$BUILD/kver"

# The census test's odd guest boots another Debian 6.1 build when the
# archive has one (bookworm's main kernel besides the security update's).
oddpkg=
for v in $(apt-cache madison linux-image-amd64 | awk '{ print $3 }' |
	grep -v '+'); do
	p=$(apt-cache show "linux-image-amd64=$v" |
		sed -n 's/^Depends: \(linux-image-[0-9][^ ,]*\).*/\1/p' | head -n 1)
	if [ -n "$p" ] && [ "$p" != "$pkg" ]; then
		oddpkg=$p
		break
	fi
done
rm -f "$BUILD/kver-odd"
if [ -n "$oddpkg" ] && apt-get install -y -qq --no-install-recommends \
	"linux-headers-${oddpkg#linux-image-}" >/dev/null; then
	echo "${oddpkg#linux-image-}" >"$BUILD/kver-odd"
fi

echo "$want" >"$stamp"
log "host set-up done (guest kernel $kver, odd guest's: $(cat "$BUILD/kver-odd" 2>/dev/null || echo "the same"))"
