# Guest side of make demo (dom0: scenarios/demo.sh): load cs.ko, wait
# for dom0, write a file and patch kernel text, show /proc/cbps, stay
# until dom0 posts once more.
check insmod insmod /cbps/cs.ko
wait_for 600 stat_ge test_entries 1
cp /cbps/data /tmp/ref
dd if=/dev/urandom of=/tmp/mine bs=4096 count=16 2>/dev/null
mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
echo 1 >/sys/kernel/tracing/events/sched/enable
echo 0 >/sys/kernel/tracing/events/sched/enable
check working cmp /cbps/data /tmp/ref
grep -e shared_now -e committed -e cow_breaks -e frames_returned \
	/proc/cbps | sed 's/^/DEMO|   /'
echo CBPS-DEMO-DONE
wait_for 300 stat_ge test_entries 2
