# A guest that does not consume (dom0: scenarios/ring.sh).  Xen must fill
# the ring, keep the rest as pending, and deliver everything once the
# guest starts consuming: nothing lost, nothing twice, in order.
# dom0 posts cbps_expect - 1 entries, checks its side, then posts one
# more as the signal to start consuming.
expect=$(arg cbps_expect)
first=$((expect - 1))
full=128
held=$((first - full))

check insmod insmod /cbps/cs.ko consume=0
if wait_for 300 stat_is ring_unread $full; then
	pass ring-filled
else
	fail ring-filled "$(stat ring_unread) unread"
fi
check nothing-taken stat_is received 0
if wait_for 60 stat_ge ring_pending $held; then
	pass xen-pending-visible
else
	fail xen-pending-visible "ring_pending $(stat ring_pending)"
fi

if wait_for 300 stat_is ring_pending $((held + 1)); then
	pass dom0-signal
else
	fail dom0-signal "ring_pending $(stat ring_pending)"
fi
echo 1 >/sys/module/cs/parameters/consume
if wait_for 120 stat_is test_entries "$expect"; then
	pass all-delivered
else
	fail all-delivered "$(stat test_entries) of $expect"
fi
check no-seq-errors stat_is seq_errors 0
check kicked stat_ge kicks 1
check ring-drained stat_is ring_pending 0
cat /proc/cbps
