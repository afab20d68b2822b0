#!/bin/bash
# Build the patched hypervisor (scripts/fetch-xen.sh prepares the tree).
# Output: build/out/xen (the uncompressed multiboot ELF QEMU loads).
set -euo pipefail
. "$(dirname "$0")/common.sh"

"$CBPS_ROOT/scripts/fetch-xen.sh"
tree="$BUILD/xen-src"
mkdir -p "$BUILD/out"

if [ ! -f "$tree/xen/.config" ]; then
	make -s -C "$tree/xen" defconfig >/dev/null
	# Debug build: assertions catch broken invariants in the tests.
	cat >>"$tree/xen/.config" <<-EOC
	CONFIG_CBPS=y
	CONFIG_DEBUG=y
	EOC
	make -s -C "$tree/xen" olddefconfig >/dev/null 2>&1
fi
grep -q '^CONFIG_CBPS=y' "$tree/xen/.config" || die "CONFIG_CBPS did not stick"

log "building Xen"
make -s -C "$tree/xen" -j"$(nproc)" xen >"$BUILD/xen-build.log" 2>&1 || {
	grep -E 'error|Error' -A3 "$BUILD/xen-build.log" | head -40 >&2
	die "Xen build failed (full log: $BUILD/xen-build.log)"
}
cp "$tree/xen/xen" "$BUILD/out/xen"
log "Xen built: $BUILD/out/xen"
