# Teardown against an unshare in flight (issue 16, defect 3).  A
# backend (here the witness guest, through GNTTABOP_copy into the
# victim's grant) writes a victim guest's shared page: Xen unshares it in
# the witness's context, and with cbps=...,test-delay=10000 (debug builds)
# that copy waits 10 s with the share lock dropped.  Meanwhile dom0
# destroys the victim.  Teardown must wait for that unshare (Xen says
# so), not free the records it is using (before the fix: a
# use-after-free in Xen); the copy then fails cleanly, the victim goes,
# and the witness, which shares the same frames, keeps its data and its
# shares.  Two rounds, each with a new victim.
#
# Not part of make check yet: in every run so far (old and fixed Xen)
# xl destroy reached Xen's teardown only after the copy was over, even
# with a 10 s wait, so the race is not made; why the destroy waits is
# not known.  The rule it tests is covered by the unit test test_refs.
# Xen: cbps=on,rate=50000,interval=0,share=on,ungrouped=share,test-delay=10000
#
# expect: dom0/registered dom0/granted-1 dom0/copy-waited-1
# expect: dom0/teardown-waited-1 dom0/victim-gone-1 dom0/granted-2
# expect: dom0/copy-waited-2 dom0/teardown-waited-2 dom0/victim-gone-2
# expect: dom0/counts-consistent dom0/xen-up dom0/xen-log-clean
# expect: dom0/guests-exited
# expect: v1/insmod v1/banner-shared v2/insmod v2/banner-shared
# expect: w/insmod w/data-intact w/banner-intact w/still-shared w/rmmod
# expect: w/data-after-rmmod w/kernel-clean

wait_mark() {
	wait_for "${3:-300}" grep -q "$1" "/var/log/xen/console/guest-$2.log"
}

start_guest w teardown cbps_role=witness
dw=$(domid w)
wait_mark CBPS-WITNESS-READY w

for round in 1 2; do
	v=v$round
	start_guest "$v" teardown cbps_role=victim "cbps_witness=$dw"
	dv=$(domid "$v")
	[ "$round" = 1 ] && { if wait_for 120 registered_is 2; then
		pass registered; else fail registered; fi; }
	if ! wait_mark CBPS-GRANT "$v"; then
		fail "granted-$round" "$v never shared and granted its banner"
		dump_guest_log "$v"
		continue
	fi
	pass "granted-$round"
	grep CBPS-GRANT "/var/log/xen/console/guest-$v.log" | tail -n 1
	# The witness copies into the grant: Xen unshares the victim's frame
	# in the witness's context, and waits 10 s there.
	signal_guests w
	if wait_for 30 sh -c "xl dmesg | grep -q 'copy for d$dv waits'"; then
		xl destroy "$v"
	fi
	wait_mark "CBPS-SCAN-$round" w 60
	grep "CBPS-SCAN-$round" /var/log/xen/console/guest-w.log
	xl dmesg | grep -e "d$dv" | grep -e "test" -e "dying" | tail -n 4
	check "copy-waited-$round" sh -c \
		"xl dmesg | grep -q 'copy for d$dv waits'"
	check "teardown-waited-$round" sh -c \
		"xl dmesg | grep -q 'd$dv dying: waits for an unshare in flight'"
	if wait_for 60 guest_gone "$v" &&
	   ! xl list | grep -q '(null)'; then
		pass "victim-gone-$round"
	else
		fail "victim-gone-$round" "$(xl list | tail -n +2 | tr '\n' ' ')"
	fi
done

# With the victims gone every share has the witness as its one holder:
# nothing saved, and the totals agree with what it holds.
cbps shares
holders=$(total 'holders')
check counts-consistent sh -c "[ '$(total 'frames saved')' = 0 ] &&
	[ '$(held "$dw")' = '$holders' ]"
check xen-up sh -c 'xl list >/dev/null && cbps status >/dev/null'
crash='Panic on CPU|Assertion .* failed|Xen BUG at|FATAL|Xen WARN at'
check xen-log-clean sh -c "! xl dmesg | grep -E '$crash'"

signal_guests w
wait_mark CBPS-TEARDOWN-DONE w
dump_guest_log v1
dump_guest_log v2
dump_guest_log w
xl destroy w 2>/dev/null
if wait_for 120 guests_gone; then pass guests-exited; else fail guests-exited; fi
