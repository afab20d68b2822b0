#!/bin/bash
# Fetch Debian's pinned Xen 4.17 source, apply hypervisor/patches/series
# and copy in the new cbps files.  Output: build/xen-src, ready to build.
set -euo pipefail
. "$(dirname "$0")/common.sh"

dl="$BUILD/dl"
upstream="$dl/xen-${XEN_DEB_VERSION%-*}"
tree="$BUILD/xen-src"
mkdir -p "$dl" "$BUILD/out"

if [ ! -d "$upstream/xen" ]; then
	log "fetching Xen source xen=$XEN_DEB_VERSION"
	(cd "$dl" && apt-get source -qq "xen=$XEN_DEB_VERSION" 2>&1 |
		grep -v 'unsandboxed\|applying\|extracting' || true)
	[ -d "$upstream/xen" ] || die "apt-get source xen=$XEN_DEB_VERSION failed"
fi

# A change to the patch series means a fresh tree.
sum=$(cd "$CBPS_ROOT/hypervisor/patches" && cat series $(cat series) | sha256sum)
if [ ! -f "$tree/.cbps-patches" ] || [ "$(cat "$tree/.cbps-patches")" != "$sum" ]; then
	log "preparing patched tree in $tree"
	rm -rf "$tree"
	cp -a "$upstream" "$tree"
	while read -r p; do
		[ -n "$p" ] || continue
		patch -s -p1 -d "$tree" <"$CBPS_ROOT/hypervisor/patches/$p" ||
			die "patch $p does not apply"
	done <"$CBPS_ROOT/hypervisor/patches/series"
	echo "$sum" >"$tree/.cbps-patches"
fi

# Copy a file only when it changed, so that make rebuilds only what did.
sync_file() {
	mkdir -p "$(dirname "$2")"
	cmp -s "$1" "$2" || cp "$1" "$2"
}
for f in "$CBPS_ROOT"/hypervisor/cbps/*; do
	sync_file "$f" "$tree/xen/arch/x86/cbps/$(basename "$f")"
done
sync_file "$CBPS_ROOT/Kconfig" "$tree/xen/arch/x86/cbps/Kconfig"
sync_file "$CBPS_ROOT/hypervisor/include/asm/cbps.h" \
	"$tree/xen/arch/x86/include/asm/cbps.h"
sync_file "$CBPS_ROOT/include/cbps.h" "$tree/xen/include/public/cbps.h"

