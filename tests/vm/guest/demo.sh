# Guest side of make demo (dom0: scenarios/demo.sh): take cbps_expect
# entries, show /proc/cbps, stay registered until dom0 posts one more.
expect=$(arg cbps_expect)
check insmod insmod /cbps/cs.ko
if wait_for 300 stat_is test_entries "$expect"; then
	pass received
else
	fail received "$(stat test_entries) of $expect"
fi
sed 's/^/DEMO|   /' /proc/cbps
# dom0 posts one more entry once it has shown its view: then power off.
wait_for 300 stat_is test_entries $((expect + 1))
