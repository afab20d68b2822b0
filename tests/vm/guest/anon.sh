# Anonymous memory (dom0: scenarios/anon.sh).  Both guests build the same
# heaps with cbps-anonheap (seed 7: 2048 pages, seed 8: 512 pages).  The
# reader only holds them; the writer waits until its big heap is shared,
# then runs every path Linux has for anonymous memory on a region of it,
# checking contents after each (cbps-anonheap steps), and kills the
# small heap's process while it is shared.  Contents are checked against
# bytes recomputed from the seed, never against a copy.
role=$(arg cbps_role)
anon_kib() { awk '$1 == "AnonPages:" { print $2 }' /proc/meminfo; }
# checks_from FILE: cbps-anonheap's "NAME ok|FAIL detail" lines.
checks_from() {
	while read -r _n _r _rest; do
		case "$_r" in
		ok) pass "$_n" ;;
		FAIL) fail "$_n" "$_rest" ;;
		esac
	done <"$1"
}
# heap_shared PID ADDR PAGES: how many of those pages are shared now.
heap_shared() { probe "anon $1 $2 $3" | awk '{ print $7 }'; }

check insmod insmod /cbps/cs.ko anon=1
# Swap for MADV_PAGEOUT: zram, in the guest's own memory.
insmod /cbps/mod/zsmalloc.ko && insmod /cbps/mod/zram.ko &&
	echo 32M >/sys/block/zram0/disksize && mkswap /dev/zram0 >/dev/null &&
	swapon /dev/zram0
check swap-on grep -q zram0 /proc/swaps
anon0=$(anon_kib)

/cbps/cbps-anonheap hold 8 512 >/tmp/hold8 &
h8=$!
if [ "$role" = writer ]; then
	/cbps/cbps-anonheap steps 7 2048 >/tmp/steps 2>&1
	echo "steps exit $?"
	cat /tmp/steps
	checks_from /tmp/steps
	cat /proc/cbps
	check anon-counted stat_ge shared_anon 1
	check anon-held-xen stat_ge held_anon 1
	# Linux's fork writes the child's entries through mmu_update (lazy
	# MMU mode), where Xen unshares them; a table filled while unpinned
	# meets Xen only at the pin: the probe builds one.
	kva() { awk -v s="$1" '$3 == s { print "0x" $1; exit }' /proc/kallsyms; }
	banner=$(kva linux_banner)
	banner_shared() { probe "kva $banner" | grep -q 'shared 1'; }
	wait_for 120 banner_shared
	set -- $(probe "pin $banner")
	echo "pin: $*"
	check pin-unshares [ "$3" = 0 -a "$5" = 1 -a "${11}" = 1 -a "${13}" = 0 ]
	check pin-copy-exact [ "${15}" = 1 ]
	check pin-counted stat_ge pin_unshares 1
	check banner-after-pin grep -q "^Linux version" /proc/version
	# Process exit while shared: kill the small heap's process.
	set -- $(cat /tmp/hold8)
	s=$(heap_shared "$2" "$3" "$4")
	echo "hold 8: $s of $4 pages shared before kill"
	check exit-while-shared [ "${s:-0}" -gt 0 ]
	kill -9 "$h8"
	wait "$h8" 2>/dev/null
	# Reuse the freed pages: Xen unshares each as Linux zeroes it.
	b0=$(stat cow_breaks)
	/cbps/cbps-anonheap hold 9 8192 >/tmp/hold9 &
	h9=$!
	wait_for 60 grep -q '^hold ' /tmp/hold9
	kill -USR1 "$h9"
	wait "$h9"
	cat /tmp/hold9
	checks_from /tmp/hold9
	echo "cow breaks: $b0 -> $(stat cow_breaks)"
	check freed-reused [ "$(stat cow_breaks)" -gt "$b0" ]
	# exit_mmap() unpins a process's tables before it zaps them: a page
	# unshared in between must not leave the entry naming the shared
	# frame.  The probe unpins a stopped process's tables, as exit does
	# (pinning them again after unshares every entry it meets).
	/cbps/cbps-anonheap hold 8 512 >/tmp/hold8 &
	h8=$!
	wait_for 60 grep -q '^hold ' /tmp/hold8
	set -- $(cat /tmp/hold8)
	pid=$2 heap=$3
	first_shared() { [ "$(heap_shared "$pid" "$heap" 1)" = 1 ]; }
	wait_for 120 first_shared
	kill -STOP "$pid"
	set -- $(probe "unpinned $pid $heap")
	echo "unpinned: $*"
	check unpinned-entry-own [ "$3" = 1 -a "$9" = 1 ]
	kill -CONT "$pid"
	kill -USR1 "$h8"
	wait "$h8"
	sed 's/^hold-intact/unpinned-heap-intact/' /tmp/hold8 >/tmp/hold8.r
	checks_from /tmp/hold8.r
	echo CBPS-ANON-WRITER-DONE
else
	/cbps/cbps-anonheap hold 7 2048 >/tmp/hold7 &
	h7=$!
	step 1 || fail step1 "no signal from dom0"
	kill -USR1 "$h7" "$h8"
	wait "$h7"
	wait "$h8"
	cat /tmp/hold7 /tmp/hold8
	checks_from /tmp/hold7
	checks_from /tmp/hold8
fi
swapoff /dev/zram0
# Every process that had anonymous memory here has exited.
anon1=$(anon_kib)
echo "AnonPages: $anon0 kB at start, $anon1 kB at the end"
check anon-accounting [ "$anon1" -le $((anon0 + 1024)) ]
check kernel-clean kernel_clean
check rmmod rmmod cs
check kernel-clean-after-rmmod kernel_clean
