# Sharing between identical guests (dom0: scenarios/share.sh).  dom0
# drives the steps with test entries: step N has come when N of them
# arrived.  cbps_role=writer writes through each path; the reader checks
# that it never sees the writer's data.  Every check compares contents
# with a private reference copy.
role=$(arg cbps_role)
kva() { awk -v s="$1" '$3 == s { print "0x" $1; exit }' /proc/kallsyms; }
ksym() { awk -v s="$1" '$3 == s { print $1; exit }' /proc/kallsyms; }
kshared() { probe "kva $(kva "$1")" | grep -q 'shared 1'; }
# shared_pages FILE: how many of its page-cache pages are shared frames.
shared_pages() { probe "$1" | awk '{ print $4 }'; }
# /proc/version prints with the format string linux_proc_banner, in a
# read-only data page: the grant tests overwrite it.
banner_shared() { kshared linux_proc_banner; }

check insmod insmod /cbps/cs.ko
# Anonymous memory is opt-in (insmod cs.ko anon=1; scenario anon).
check anon-off-by-default stat_is anon 0
# References in tmpfs: private pages, read before any write.
cp /cbps/data /tmp/ref
cp /cbps/data2 /tmp/ref2
version0=$(cat /proc/version)

step 1 || fail step1 "no signal from dom0"
cat /proc/cbps
echo "data: $(probe /cbps/data)"
echo "data2: $(probe /cbps/data2)"
echo "shared pfn runs: $(probe runs | wc -l), first: $(probe runs | head -20 | tr '\n' ' ')"
check shares-held stat_ge shared_now 100
check data-read cmp /cbps/data /tmp/ref
# Page cache sits at other pfns in the two guests: shared only at any pfn.
# The write and reuse paths below need these pages shared.
check data-shared [ "$(shared_pages /cbps/data)" -ge 96 ]
check data2-shared [ "$(shared_pages /cbps/data2)" -ge 96 ]

# Path 1: kernel write faults on shared pages.  The module writes the
# first word of up to 16 shared pages of kernel .data with its own value
# (interrupts off, one vCPU: nothing else writes it meanwhile); each
# write faults into Xen, which copies; the page must read back exactly.
if [ "$role" = writer ]; then
	set -- $(probe "cowbench $(ksym _sdata) $(ksym _edata) 16")
	echo "kernel writes: $*"
	check kernel-write [ "${3:-0}" -gt 0 -a "${7:-1}" = 0 ]
fi
# Path 2: a write() into 64 shared page-cache pages: each write faults
# in Xen, which gives the writer its own copy first.
s0=$(shared_pages /cbps/data)
if [ "$role" = writer ]; then
	dd if=/dev/urandom of=/tmp/patch bs=4096 count=64 2>/dev/null
	dd if=/tmp/patch of=/cbps/data bs=4096 seek=16 conv=notrunc 2>/dev/null
	dd if=/tmp/patch of=/tmp/ref bs=4096 seek=16 conv=notrunc 2>/dev/null
fi
echo CBPS-WROTE-1
step 2
check pagecache-write cmp /cbps/data /tmp/ref
echo "data after write: $(probe /cbps/data)"
if [ "$role" = writer ]; then
	check pagecache-unshared [ "$(shared_pages /cbps/data)" -le $((s0 - 64)) ]
else
	check pagecache-still-shared [ "$(shared_pages /cbps/data)" = "$s0" ]
fi

# Path 3: kernel text patching.  Enabling a tracepoint flips static keys,
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

# Path 4: a freed page reused.  The writer deletes file pages and fills
# memory, so the kernel reuses and zeroes them (init_on_alloc).
if [ "$role" = writer ]; then
	u0=$(($(stat cow_breaks) + $(stat takebacks)))
	rm /cbps/data2
	# 24 MiB fits the guest's tmpfs; a short file would pass cmp -n.
	dd if=/dev/zero of=/tmp/fill bs=1M count=24 2>/dev/null
	check reuse-zeroed sh -c '[ "$(wc -c </tmp/fill)" = 25165824 ] &&
		cmp -n 25165824 /tmp/fill /dev/zero'
	# data2's shared pages, freed, were zeroed for reuse: copies in Xen.
	u1=$(($(stat cow_breaks) + $(stat takebacks)))
	echo "unshares while reusing freed pages: $((u1 - u0))"
	check reuse-unshared [ $((u1 - u0)) -ge 32 ]
	rm /tmp/fill
	# XENMEM_exchange of a shared frame (what swiotlb-xen does to make
	# buffers contiguous): Xen must trade the writer's own copy, not S.
	set -- $(probe "exchange $(kva linux_banner)")
	echo "$*"
	check exchange-shared [ "$3" = 1 ]
	check exchange [ "$5" = 0 -a "$7" = 1 ]
	check exchange-intact [ "$(cat /proc/version)" = "$version0" ]
	# The same bytes again: Xen shares the page again.  Then the balloon
	# driver's calls: the frame goes back to Xen, a new one comes.
	check reshared wait_for 120 kshared linux_banner
	set -- $(probe "balloon $(kva linux_banner)")
	echo "$*"
	check balloon-shared [ "$3" = 1 ]
	check balloon [ "$5" = 0 -a "$7" = 1 ]
	check balloon-intact [ "$(cat /proc/version)" = "$version0" ]
	# A new install of a shared frame's entry, unchanged, through
	# update_va_mapping and through ptwr emulation: Xen unshares first.
	for how in uvm ptwr; do
		check reshared-$how wait_for 120 kshared linux_banner
		set -- $(probe "reinstall $(kva linux_banner) $how")
		echo "$how: $*"
		check install-$how [ "$3" = 1 -a "$5" = 0 -a "$7" = 1 ]
	done
	check install-intact [ "$(cat /proc/version)" = "$version0" ]
	# The exchange and the balloon again on a page-cache page, shared
	# at another pfn (page 100 of data: the write above left it alone).
	fshared() { probe "fileva /cbps/data 100" | grep -q 'shared 1'; }
	fva() { probe "fileva /cbps/data 100" | awk '{ print $2 }'; }
	for how in exchange balloon; do
		check reshared-cache-$how wait_for 120 fshared
		set -- $(probe "$how $(fva)")
		echo "page cache: $*"
		check $how-cache [ "$3" = 1 -a "$5" = 0 -a "$7" = 1 ]
		check $how-cache-intact cmp /cbps/data /tmp/ref
	done
else
	check data2-intact cmp /cbps/data2 /tmp/ref2
	sleep 5                 # after the writer's exchange
	check banner-intact [ "$(cat /proc/version)" = "$version0" ]
fi
echo CBPS-WROTE-3
step 4

# Path 5: a backend writes a granted shared page: dom0 maps the writer's
# grant and copies into the reader's (GNTTABOP_copy), writing a new
# format string over linux_proc_banner: /proc/version shows it.
check banner-shared wait_for 120 banner_shared
echo "CBPS-GRANT $(probe "grant $(kva linux_proc_banner)")"
step 5
if [ "$role" = writer ]; then
	check grant-map-seen [ "$(cat /proc/version)" = cbps-gnt-map ]
else
	check grant-copy-seen [ "$(cat /proc/version)" = cbps-gnt-copy ]
fi
probe ungrant >/dev/null
check data-final cmp /cbps/data /tmp/ref
cat /proc/cbps
echo CBPS-WROTE-5
step 6

# Path 6: no free frame.  Xen has none left (dom0 ballooned a third guest
# up); the writer patches kernel text that the reader shares, is paused
# until memory is back, then goes on.
if [ "$role" = writer ]; then
	check enomem-write sh -c "echo 1 >$t/events/enable"
	check enomem-data cmp /cbps/data /tmp/ref
fi
echo CBPS-WROTE-6
step 7

# Path 7 (the reader): suspend, then module unload, each
# taking a private copy of every shared frame first.
p=/sys/module/cs/parameters
if [ "$role" = reader ]; then
	# A suspend in PM test mode (tasks frozen for a second, then thawed)
	# runs cs.ko's PM notifier.  The administrator's share=0 holds after
	# it; and a suspend while sharing leaves the data intact.
	echo freezer >/sys/power/pm_test
	echo 1 >/sys/module/suspend/parameters/pm_test_delay
	echo 0 >$p/share
	check suspend sh -c 'echo freeze >/sys/power/state'
	check suspend-share-kept stat_is share 0
	sleep 3                 # offers keep coming: all declined
	check suspend-unshared stat_is shared_now 0
	echo 1 >$p/share
	check suspend-sharing wait_for 120 stat_ge shared_now 100
	check suspend-active sh -c 'echo freeze >/sys/power/state'
	echo none >/sys/power/pm_test
	check suspend-data cmp /cbps/data /tmp/ref
	# rmmod while sharing goes on, and while stores to share and consume
	# race with it: nothing may register the ring again or commit after
	# the unshare.  The next insmod (share=0) must then find the ring
	# free in Xen and nothing held.
	racer() {
		while [ -e $p/share ]; do
			echo 1 >$p/share
			echo 0 >$p/consume
			echo 1 >$p/consume
		done 2>/dev/null
	}
	for r in 1 2 3 4; do
		if [ $r -gt 1 ]; then
			check insmod-again-$r insmod /cbps/cs.ko share=0
			check gave-back-$r stat_is shared_now 0
			echo 1 >$p/share
		fi
		wait_for 120 stat_ge shared_now 100
		echo "round $r: held $(stat shared_now) offers $(stat offers)"
		racer &
		check rmmod-race-$r rmmod cs
		wait
	done
	check rmmod-clean sh -c "! dmesg | grep -E 'kick failed|Xen kept|unshare on unload failed|cannot unshare'"
	check kernel-clean-after-rmmod kernel_clean
	check data-after-rmmod cmp /cbps/data /tmp/ref
	check data2-after-rmmod cmp /cbps/data2 /tmp/ref2
	check banner-after-rmmod [ "$(cat /proc/version)" = cbps-gnt-copy ]
fi
echo CBPS-WROTE-7
# The writer waits here: dom0 destroys it while it still holds shares.
[ "$role" = writer ] && step 8
