# A hostile guest (issue 8): gh runs cbps_hostile.ko
# (tests/vm/hostile/), which shares its own copy of /cbps/data with an
# honest guest g1 (cs.ko), then tries to reach frames that are not its
# own (isolation probes: each call refused or made safe) and fuzzes the
# cbps calls and its ring for 60 s (guest/hostile.sh).  Xen stays up,
# counts the abuse, and g1 is unaffected: its data intact, its shares
# held, its module unloads.
# Both are put in sharing group 1 by dom0, as an administrator would.
# Xen: cbps=on,rate=50000,interval=0,share=on (default call-rate=20000).
#
# expect: dom0/registered dom0/sharing dom0/xen-up dom0/xen-log-clean
# expect: dom0/rejected-grew dom0/ring-errors-grew dom0/bad-calls-grew
# expect: dom0/g1-holds dom0/guests-exited dom0/group-set
# expect: dom0/hostile-throttled dom0/honest-not-throttled
# expect: g1/insmod g1/data-intact g1/data2-intact g1/still-shared
# expect: g1/kernel-clean g1/rmmod g1/data-after-rmmod g1/data2-after-rmmod
# expect: gh/insmod gh/load gh/shares-held gh/iso-control-ops
# expect: gh/iso-commit-foreign gh/iso-map-unheld gh/iso-keep-given-back
# expect: gh/iso-foreign-l1 gh/iso-write-fault gh/iso-xen-write
# expect: gh/iso-map-writable gh/iso-map-stale gh/fuzz-ran
# expect: gh/fuzz-no-unexpected gh/fuzz-pages-ok gh/fuzz-ring-abused
# expect: gh/ring-works gh/pattern-intact gh/data-intact gh/rmmod
# expect: gh/kernel-clean

# wait_mark MARK GUEST [SECONDS]: the guest printed MARK on its console.
# A guest that never does is stuck: show the consoles and stop here.
wait_mark() {
	wait_for "${3:-300}" grep -q "$1" "/var/log/xen/console/guest-$2.log" &&
		return
	fail "mark-$1-$2" "guest $2 never got to $1"
	cbps shares
	xl debug-keys B
	xl dmesg | tail -n 40
	dump_guest_log g1
	dump_guest_log gh
	echo "CBPS-SCENARIO-DONE hostile"
	poweroff -f
}
# share_col DOMID COLUMN: one value from 'cbps shares'.
share_col() {
	cbps shares | awk -v d="$1" -v c="$2" '
		NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		$1 == d { print $col[c] }'
}
bad_calls() { cbps status | sed -n 's/^calls refused as malformed: //p'; }
held_ge() { [ "$(held "$1")" -ge "$2" ] 2>/dev/null; }

seed=$(date +%s)
start_guest g1 hostile cbps_role=honest
start_guest gh hostile cbps_role=hostile cbps_seed=$seed
d1=$(domid g1)
dh=$(domid gh)
echo "g1 is domain $d1, gh (hostile) domain $dh, fuzz seed $seed"
# One sharing group for both: without it they share nothing.
check group-set sh -c "cbps group $d1 1 && cbps group $dh 1"
if wait_for 300 registered_is 2; then pass registered; else fail registered; fi

wait_mark CBPS-HONEST-READY g1
wait_mark CBPS-HOSTILE-SHARED gh
check sharing held_ge "$dh" 16
rej0=$(share_col "$dh" REJECTED)
signal_guests gh                # 1: isolation probes
wait_mark CBPS-ISOLATED gh 600
err0=$(dom_stat "$dh" RING_ERR)
bad0=$(bad_calls)
signal_guests gh                # 2: fuzz
wait_mark CBPS-FUZZED gh 300
# Read before gh unloads (its counters go with its ring).
rej1=$(share_col "$dh" REJECTED)
thr1=$(share_col "$dh" THROTTLED)
err1=$(dom_stat "$dh" RING_ERR)
bad1=$(bad_calls)
cbps shares
cbps list
# The ring works again after the abuse: gh must get these.
cbps post "$dh" 5

check xen-up sh -c 'xl list >/dev/null && cbps status >/dev/null'
crash='Panic on CPU|Assertion .* failed|Xen BUG at|FATAL|Xen WARN at'
check xen-log-clean sh -c "! xl dmesg | grep -E '$crash'"
echo "gh: commits refused $rej0 -> $rej1, ring errors $err0 -> $err1; calls refused as malformed $bad0 -> $bad1"
check rejected-grew [ "${rej1:-0}" -gt "${rej0:-0}" ]
check ring-errors-grew [ "${err1:-0}" -gt "${err0:-0}" ]
check bad-calls-grew [ "${bad1:-0}" -gt "${bad0:-0}" ]
# The fuzzer calls faster than call-rate= allows; g1 never comes near it.
echo "gh: calls throttled $thr1"
check hostile-throttled [ "${thr1:-0}" -gt 0 ]
check honest-not-throttled [ "$(share_col "$d1" THROTTLED)" = 0 ]
# g1 still holds its shared frames; it checks its data and unloads.
check g1-holds held_ge "$d1" 1
signal_guests g1                # 1: check data, unload
xl debug-keys B
xl dmesg | tail -n 12
wait_mark CBPS-HOSTILE-DONE gh
wait_mark CBPS-HONEST-DONE g1
cbps shares

dump_guest_log g1
dump_guest_log gh
if wait_for 120 guests_gone; then
	pass guests-exited
else
	fail guests-exited "$(xl list | tail -n +2 | tr '\n' ' ')"
	xl destroy g1 2>/dev/null
	xl destroy gh 2>/dev/null
fi
