#!/bin/bash
# make bench-scanner: what the scanner costs, from one run on this machine.
#  1. page hashing throughput (xxHash64, SuperFastHash) as a ratio of
#     single-core memcpy, on the host, from hypervisor/cbps/hash.c itself;
#  2. content index and volatility-tag bytes per GiB of host RAM, from
#     hypervisor/cbps/index.c's own sizing;
#  3. in a VM: the scanner's CPU share at the default rate, and what the
#     stable rule saves (tests/vm/scenarios/bench.sh).
# It prints figures and never fails on them; it fails only if a step
# cannot run.
set -euo pipefail
. "$(dirname "$0")/common.sh"
cd "$CBPS_ROOT"

out="$BUILD/bench"
mkdir -p "$out"
shim="-Itests/unit/shim -Ihypervisor/cbps -Iinclude"

echo "== 1. page hashing on the host (one core)"
gcc -O2 $shim tests/bench/bench_hash.c hypervisor/cbps/hash.c \
	-o "$out/bench_hash"
"$out/bench_hash"

echo
echo "== 2. scanner memory per GiB of host RAM"
cat >"$out/index_size.c" <<'C'
#include <stdio.h>
#include "index.h"
int main(void)
{
	/* As scan.c sizes it: 1/2000 of RAM, and a tag byte per frame. */
	unsigned long long ram = 1ULL << 30;
	unsigned int cap = cbps_index_cap_for(ram / 2000);

	printf("content index: %u entries, %zu bytes per GiB (%.3f%% of RAM)\n",
	       cap, cbps_index_bytes(cap), 100.0 * cbps_index_bytes(cap) / ram);
	printf("volatility tags: %llu bytes per GiB (%.3f%% of RAM)\n",
	       ram / 4096, 100.0 / 4096);
	printf("one pass indexes up to %u distinct (content, guest) pairs,"
	       " about %u MiB of distinct guest memory\n",
	       cap - cap / 4, (cap - cap / 4) / 256);
	return 0;
}
C
gcc -O2 $shim "$out/index_size.c" hypervisor/cbps/index.c -o "$out/index_size"
"$out/index_size"

echo
echo "== 3. in a VM (QEMU TCG: absolute times are emulated)"
make -s images
python3 tests/vm/vmtest.py --show bench
