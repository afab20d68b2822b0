# Torture: two identical guests share frames (kernel image, page cache at
# other pfns), then run five writers each (kernel text, page cache,
# kernel data, freed pages, anonymous memory; guest/torture.sh) for
# several minutes while Xen scans and shares without pause.  Zero
# content mismatches, no kernel warnings, guests and Xen still up.
#
# expect: dom0/registered dom0/sharing dom0/churn dom0/xen-up
# expect: dom0/released dom0/guests-exited
# expect: g1/insmod g1/writer1-ran g1/writer2-ran g1/writer3-ran
# expect: g1/writer4-ran g1/writer5-ran g1/no-mismatches g1/data-final
# expect: g1/data2-final g1/kernel-clean g1/anon-shared-meanwhile
# expect: g2/insmod g2/writer1-ran g2/writer2-ran g2/writer3-ran
# expect: g2/writer4-ran g2/writer5-ran g2/no-mismatches g2/data-final
# expect: g2/data2-final g2/kernel-clean g2/anon-shared-meanwhile

secs=180
signal() { signal_guests g1 g2; }

# One vCPU each: with two, g2's CPUs both sat in softirq handling for
# minutes (soft lockups, issue 16's closing note), not yet understood.
start_guest g1 torture cbps_secs=$secs
start_guest g2 torture cbps_secs=$secs
if wait_for 300 registered_is 2; then pass registered; else fail registered; fi
check sharing wait_for 240 saved_ge 1000
cbps shares
b0=$(total 'cow breaks')
signal
wait_for $((secs + 300)) sh -c "grep -q CBPS-TORTURE-DONE \
	/var/log/xen/console/guest-g1.log && grep -q CBPS-TORTURE-DONE \
	/var/log/xen/console/guest-g2.log"
cbps shares
xl debug-keys B
# The writers broke shares and Xen shared again all along.
check churn [ "$(total 'cow breaks')" -gt "$b0" ]
check xen-up cbps status
signal
dump_guest_log g1
dump_guest_log g2
for g in g1 g2; do xl destroy $g; done
no_shares() { [ "$(total 'shared frames')" = 0 ]; }
check released wait_for 60 no_shares
if wait_for 300 guests_gone; then pass guests-exited; else fail guests-exited; fi
