# A hostile guest and an honest one (dom0: scenarios/hostile.sh).
#
# cbps_role=honest: cs.ko, and /cbps/data in its page cache for Xen to
# find; at the end its data must be what it was, and it must still hold
# shared frames.  cbps_role=hostile: cbps_hostile.ko
# (tests/vm/hostile/) holds the same bytes in its own pages and commits
# Xen's offers for them, then runs the isolation probes and the fuzzer
# (cbps_seed=), and checks its own pages after.
role=$(arg cbps_role)
seed=$(arg cbps_seed)

# The hostile module's counters and commands.
hstat() { awk -v k="$1" '$1 == k { print $2 }' /proc/cbps_hostile_stat; }
hstat_ge() { [ "$(hstat "$1")" -ge "$2" ] 2>/dev/null; }
hcmd() { echo "$1" >/proc/cbps_hostile && cat /proc/cbps_hostile >"$2"; }
# hstep N: dom0 has posted N test entries into the hostile module's ring.
hstep() { wait_for 900 hstat_ge test_entries "$1"; }
md5() { md5sum <"$1" | cut -d' ' -f1; }

if [ "$role" = honest ]; then
	check insmod insmod /cbps/cs.ko
	# The reference, taken before anything is shared.
	ref=$(md5 /cbps/data)
	cat /cbps/data /cbps/data2 >/dev/null
	echo CBPS-HONEST-READY
	step 1 || fail step1 "no signal from dom0"
	cat /proc/cbps
	echo "data: $(probe /cbps/data)"
	check data-intact [ "$(md5 /cbps/data)" = "$ref" ]
	check data2-intact [ "$(md5 /cbps/data2)" = "$ref" ]
	check still-shared stat_ge shared_now 1
	check kernel-clean kernel_clean
	check rmmod rmmod cs
	check data-after-rmmod [ "$(md5 /cbps/data)" = "$ref" ]
	check data2-after-rmmod [ "$(md5 /cbps/data2)" = "$ref" ]
	echo CBPS-HONEST-DONE
	return 0
fi

check insmod insmod /cbps/cbps_hostile.ko
ref=$(md5 /cbps/data)
check load sh -c 'echo "load /cbps/data" >/proc/cbps_hostile'
# Only the module's pages may hold these bytes in this guest: overwrite
# our page cache's copies in place, then drop them.
for f in /cbps/data /cbps/data2; do
	dd if=/dev/zero of=$f bs=4096 count=128 conv=notrunc 2>/dev/null
	rm -f $f
done
echo CBPS-HOSTILE-LOADED

# Xen offers our pattern once it has scanned the honest guest's copies.
# The last 20 pages wait for the foreign-l1 probe.
check shares-held wait_for 300 hstat_ge shared_now 16
cat /proc/cbps_hostile_stat
echo CBPS-HOSTILE-SHARED
hstep 1 || fail step1 "no signal from dom0"

hcmd isolate /tmp/iso
for p in control-ops commit-foreign map-unheld keep-given-back foreign-l1 \
	write-fault xen-write map-writable map-stale; do
	if grep -q "^iso $p PASS" /tmp/iso; then
		pass "iso-$p"
	else
		fail "iso-$p" "$(grep "^iso $p " /tmp/iso)"
	fi
done
echo CBPS-ISOLATED

hstep 2 || fail step2 "no signal from dom0"
echo "fuzz: 60 s, seed $seed"
hcmd "fuzz 60 $seed" /tmp/fuzz
calls=$(awk '/^fuzz seed/ { print $7 }' /tmp/fuzz)
check fuzz-ran [ "${calls:-0}" -ge 1000 ]
check fuzz-no-unexpected grep -q \
	"^fuzz unexpected_success 0 unexpected_errno 0$" /tmp/fuzz
check fuzz-pages-ok grep -q "^fuzz pages ok 128 of 128" /tmp/fuzz
check fuzz-ring-abused sh -c \
	'! grep -q "impossible-cons kicks 0 " /tmp/fuzz'
cat /proc/cbps_hostile_stat
echo CBPS-FUZZED

# dom0 posts 5 test entries after the fuzzer: the ring works.
check ring-works hstep 7

hcmd verify /tmp/verify
check pattern-intact grep -q "^verify pages 128 bad 0 " /tmp/verify
check data-intact [ "$(md5 /proc/cbps_hostile_data)" = "$ref" ]
check rmmod rmmod cbps_hostile
check kernel-clean kernel_clean
echo CBPS-HOSTILE-DONE
