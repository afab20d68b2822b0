#!/bin/bash
# make check: set up the host, run the host unit tests, build everything
# and run the VM tests.  Ends with one line: "check: N passed, N failed".
set -uo pipefail
. "$(dirname "$0")/common.sh"
cd "$CBPS_ROOT"

start=$(date +%s)
passed=0
failed=0

# Add the counts from a "name: N passed, N failed" line of $1.
count() {
	local p f
	p=$(sed -n 's/^[a-z0-9]*: \([0-9]*\) passed, \([0-9]*\) failed.*/\1/p' "$1" | awk '{ s += $1 } END { print s + 0 }')
	f=$(sed -n 's/^[a-z0-9]*: \([0-9]*\) passed, \([0-9]*\) failed.*/\2/p' "$1" | awk '{ s += $1 } END { print s + 0 }')
	passed=$((passed + p))
	failed=$((failed + f))
}

out=$(mktemp)
trap 'rm -f "$out"' EXIT

log "step 1/3: host set-up"
if ! make -s setup; then
	echo "check: 0 passed, 1 failed"
	exit 1
fi

log "step 2/3: host unit tests"
make -s unit 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
count "$out"
[ "$rc" = 0 ] || [ "$failed" -gt 0 ] || failed=$((failed + 1))

log "step 3/3: build Xen, cs.ko, the dom0 tool and the images; VM tests"
if make -s images; then
	python3 tests/vm/vmtest.py 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	before=$failed
	count "$out"
	[ "$rc" = 0 ] || [ "$failed" -gt "$before" ] || failed=$((failed + 1))
else
	echo "build failed: no VM tests ran"
	failed=$((failed + 1))
fi

log "make check took $(($(date +%s) - start)) s"
echo "check: $passed passed, $failed failed"
[ "$failed" = 0 ]
