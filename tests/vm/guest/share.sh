# Sharing between identical guests (dom0: scenarios/share.sh).  dom0
# drives the steps with test entries: step N has come when N of them
# arrived.  cbps_role=writer writes through each path; the reader checks
# that it never sees the writer's data.  Every check compares contents
# with a private reference copy.
role=$(arg cbps_role)
step() { wait_for 900 stat_ge test_entries "$1"; }
probe() { echo "$1" >/proc/cbps_probe && cat /proc/cbps_probe; }

check insmod insmod /cbps/cs.ko
# References in tmpfs: private pages, read before any write.
cp /cbps/data /tmp/ref
cp /cbps/data2 /tmp/ref2

step 1 || fail step1 "no signal from dom0"
cat /proc/cbps
echo "data: $(probe /cbps/data)"
echo "data2: $(probe /cbps/data2)"
check shares-held stat_ge shared_now 100
check data-read cmp /cbps/data /tmp/ref

# Path 1: a write() into shared page-cache pages (a kernel write fault
# through the direct map).  The reader must keep the original bytes.
if [ "$role" = writer ]; then
	dd if=/dev/urandom of=/tmp/patch bs=4096 count=64 2>/dev/null
	dd if=/tmp/patch of=/cbps/data bs=4096 seek=16 conv=notrunc 2>/dev/null
	dd if=/tmp/patch of=/tmp/ref bs=4096 seek=16 conv=notrunc 2>/dev/null
fi
echo CBPS-WROTE-1
step 2
check pagecache-write cmp /cbps/data /tmp/ref
echo "data after write: $(probe /cbps/data)"

# Path 2: kernel text patching.  Enabling a tracepoint flips static keys,
# which rewrites kernel text (text_poke installs a writable mapping of
# the shared frame: Xen must unshare first).
mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
t=/sys/kernel/tracing
if [ "$role" = writer ]; then
	echo 1 >$t/events/sched/sched_switch/enable
	echo 1 >$t/events/irq/enable
	sleep 2
	echo 0 >$t/tracing_on
	check text-patched-works grep -q sched_switch $t/trace
else
	sleep 2
	check text-unpatched-quiet sh -c "! grep -q sched_switch $t/trace"
fi
echo CBPS-WROTE-2
step 3

# Path 3: a freed page reused.  The writer deletes shared file pages and
# fills memory, so the kernel reuses and zeroes them (init_on_alloc).
if [ "$role" = writer ]; then
	rm /cbps/data2
	dd if=/dev/zero of=/tmp/fill bs=1M count=48 2>/dev/null
	check reuse-zeroed sh -c 'cmp -n 50331648 /tmp/fill /dev/zero'
	rm /tmp/fill
else
	check data2-intact cmp /cbps/data2 /tmp/ref2
fi
echo CBPS-WROTE-3
step 4
check data-final cmp /cbps/data /tmp/ref
cat /proc/cbps

# Path 4: module unload takes a private copy of every shared frame.
if [ "$role" = reader ]; then
	check rmmod rmmod cs
	check data-after-rmmod cmp /cbps/data /tmp/ref
	check data2-after-rmmod cmp /cbps/data2 /tmp/ref2
fi
echo CBPS-WROTE-4
# The writer waits here: dom0 destroys it while it still holds shares.
[ "$role" = writer ] && step 5
