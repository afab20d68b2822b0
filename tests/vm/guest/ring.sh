# Guest side of the ring round trip (dom0: scenarios/ring.sh).
# Register, take the test entries dom0 posts, check that they came whole
# and in order.  cbps_exit=rmmod also unregisters, registers again and
# unregisters again; otherwise the guest powers off still registered, so
# that Xen's teardown path has to drop the ring.
expect=$(arg cbps_expect)

if insmod /cbps/cs.ko; then pass insmod; else fail insmod "exit $?"; fi
check registered stat_is registered 1
check interface stat_is interface 1.2

if wait_for 300 stat_ge test_entries "$expect"; then
	pass entries-received
else
	fail entries-received "$(stat test_entries) of $expect"
fi
check entries-exact stat_is test_entries "$expect"
check no-seq-errors stat_is seq_errors 0
check no-bad-entries stat_is bad_entries 0
check no-ring-errors stat_is ring_errors 0
cat /proc/cbps

if [ "$(arg cbps_exit)" = rmmod ]; then
	check rmmod rmmod cs
	dmesg >/tmp/dmesg
	check rmmod-logged has "cbps: unregistered" /tmp/dmesg
	check proc-gone [ ! -e /proc/cbps ]
	check reinsmod insmod /cbps/cs.ko
	check reregistered stat_is registered 1
	check rermmod rmmod cs
fi
