# A hostile guest and an honest one (dom0: scenarios/hostile.sh).
#
# cbps_role=honest: cs.ko, and /cbps/data in its page cache for Xen to
# find; at the end its data must be what it was, and it must still hold
# shared frames.  cbps_role=hostile: cbps_hostile.ko
# (tests/vm/hostile/) holds the same bytes in its own pages and commits
# Xen's offers for them, then runs the isolation probes and the fuzzer
# (cbps_seed=), then the unshare probes of issue 16 (two vCPUs:
# alloc-race, the racing fuzzer; max-pages, last: on a Xen with the
# defects it never returns), and checks its own pages after.
# cbps_maxfirst=ORDER: max-pages first, its steps in ORDER (x: Xen's
# xen_version write, r: a runstate area, w: our own write).
role=$(arg cbps_role)
seed=$(arg cbps_seed)
maxfirst=$(arg cbps_maxfirst)

# The hostile module's counters and commands.
hstat() { awk -v k="$1" '$1 == k { print $2 }' /proc/cbps_hostile_stat; }
hstat_ge() { [ "$(hstat "$1")" -ge "$2" ] 2>/dev/null; }
hcmd() { echo "$1" >/proc/cbps_hostile && cat /proc/cbps_hostile >"$2"; }
# iso_check NAME FILE: the probe's "iso NAME PASS|FAIL detail" line.
iso_check() {
	if grep -q "^iso $1 PASS" "$2"; then
		pass "iso-$1"
	else
		fail "iso-$1" "$(grep "^iso $1 " "$2")"
	fi
}
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

# Unshares raced from a second vCPU (defect 1 of issue 16).
do_race() {
	hstep "$1" || fail "step$1" "no signal from dom0"
	check vcpus [ "$(grep -c ^processor /proc/cpuinfo)" -ge 2 ]
	hcmd "race 60" /tmp/race
	iso_check alloc-race /tmp/race
	echo CBPS-RACED
}
do_racefuzz() {
	hstep "$1" || fail "step$1" "no signal from dom0"
	hcmd "racefuzz 60 $seed" /tmp/racefuzz
	check race-fuzz-ran awk '/^racefuzz secs/ { n = $5 } END { exit !(n >= 100) }' /tmp/racefuzz
	check race-fuzz-clean grep -q "^racefuzz unexpected 0$" /tmp/racefuzz
	check race-fuzz-pages-ok grep -q "^racefuzz pages ok 128 of 128" \
		/tmp/racefuzz
	echo CBPS-RACEFUZZED
}
# Unshares at max_pages (defects 2 and 6): Linux's own runstate area is
# registered again after, if kallsyms tells us where it is.
do_maxpages() {
	hstep "$1" || fail "step$1" "no signal from dom0"
	rs=$(awk '$3 == "xen_runstate" { print $1; exit }' /proc/kallsyms)
	hcmd "maxpages $2 ${rs:-0}" /tmp/maxpages
	iso_check max-pages /tmp/maxpages
	echo CBPS-MAXPAGES
}
if [ -n "$maxfirst" ]; then
	do_maxpages 3 "$maxfirst"
	do_race 4
	do_racefuzz 5
else
	do_race 3
	do_racefuzz 4
	do_maxpages 5 xrw
fi
cat /proc/cbps_hostile_stat

# dom0 posts 5 test entries after these: the ring works.
check ring-works hstep 10

hcmd verify /tmp/verify
check pattern-intact grep -q "^verify pages 128 bad 0 " /tmp/verify
check data-intact [ "$(md5 /proc/cbps_hostile_data)" = "$ref" ]
check rmmod rmmod cbps_hostile
check kernel-clean kernel_clean
echo CBPS-HOSTILE-DONE
