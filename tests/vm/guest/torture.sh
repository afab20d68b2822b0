# Torture (dom0: scenarios/torture.sh): several writers at once while Xen
# scans, shares and unshares without pause.  Each writer checks what it
# wrote against a private reference and counts mismatches.
secs=$(arg cbps_secs)

check insmod insmod /cbps/cs.ko anon=1
cp /cbps/data /tmp/ref
cp /cbps/data2 /tmp/ref2
version0=$(cat /proc/version)
mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
t=/sys/kernel/tracing
# Writer 5's heap, built now so that it is shared when the writes start.
/cbps/cbps-anonheap torture 11 1024 "$secs" /tmp/w5.go >/tmp/w5.out &
w5pid=$!
wait_for 900 stat_ge test_entries 1 || fail start "no signal from dom0"
wait_for 120 stat_ge shared_anon 512
echo "anonymous pages shared before the writers start: $(stat shared_anon)"
end=$(($(date +%s) + secs))
alive() { [ "$(date +%s)" -lt "$end" ]; }

# result N BAD ROUNDS: one writer's outcome, for the summary below.
result() { echo "$2 $3" >"/tmp/w$1"; }

# 1: kernel text.  Tracepoints on and off: text_poke rewrites shared text
# pages (Xen unshares), off restores the bytes (Xen may share them again).
w1() {
	bad=0 n=0
	while alive; do
		for ev in sched irq timer; do
			echo 1 >$t/events/$ev/enable
			[ "$(cat $t/events/$ev/enable)" = 1 ] || bad=$((bad + 1))
		done
		for ev in sched irq timer; do
			echo 0 >$t/events/$ev/enable
		done
		[ "$(cat /proc/version)" = "$version0" ] || bad=$((bad + 1))
		n=$((n + 1))
	done
	result 1 $bad $n
}

# 2: page cache.  Write random files, compare with a reference; read the
# boot-time file, compare with its copy; write a random page into the
# boot-time file data2 (its pages are shared with the other guest's, at
# other pfns), read it back, put its bytes back (it may be shared again).
w2() {
	bad=0 n=0
	while alive; do
		dd if=/dev/urandom of=/tmp/w2.ref bs=4096 count=32 2>/dev/null
		cp /tmp/w2.ref /tmp/w2.file
		cmp -s /tmp/w2.ref /tmp/w2.file || bad=$((bad + 1))
		cmp -s /cbps/data /tmp/ref || bad=$((bad + 1))
		rm -f /tmp/w2.file
		k=$((n % 128))
		dd if=/tmp/w2.ref of=/cbps/data2 bs=4096 count=1 seek=$k \
			conv=notrunc 2>/dev/null
		cmp -s -n 4096 /cbps/data2 /tmp/w2.ref $((k * 4096)) 0 ||
			bad=$((bad + 1))
		dd if=/tmp/ref2 of=/cbps/data2 bs=4096 count=1 skip=$k seek=$k \
			conv=notrunc 2>/dev/null
		cmp -s /cbps/data2 /tmp/ref2 || bad=$((bad + 1))
		n=$((n + 1))
	done
	result 2 $bad $n
}

# 3: kernel data.  sysctl writes through the kernel's own mappings, read
# back, then the old value again; and the module writes shared .data
# pages with their own values (each a CoW break in Xen), which must read
# back exactly.
ksym() { awk -v s="$1" '$3 == s { print $1; exit }' /proc/kallsyms; }
w3() {
	bad=0 n=0
	sdata=$(ksym _sdata) edata=$(ksym _edata)
	# cowbench needs one vCPU (nothing else may write the page it reads
	# back): a guest with two runs the sysctl writes alone.
	cpus=$(grep -c ^processor /proc/cpuinfo)
	while alive; do
		if [ "$cpus" = 1 ]; then
			set -- $(probe "cowbench $sdata $edata 8")
			[ "${7:-1}" = 0 ] || bad=$((bad + 1))
		fi
		for f in /proc/sys/vm/swappiness /proc/sys/vm/overcommit_ratio \
			/proc/sys/vm/vfs_cache_pressure /proc/sys/vm/dirty_ratio; do
			old=$(cat $f)
			echo $((old + 1)) >$f
			[ "$(cat $f)" = $((old + 1)) ] || bad=$((bad + 1))
			echo $old >$f
			[ "$(cat $f)" = $old ] || bad=$((bad + 1))
		done
		n=$((n + 1))
	done
	result 3 $bad $n
}

# 4: freed pages reused.  Fill memory with zeros, check, free it again.
w4() {
	bad=0 n=0
	while alive; do
		dd if=/dev/zero of=/tmp/w4 bs=1M count=8 2>/dev/null
		[ "$(wc -c </tmp/w4)" = 8388608 ] &&
			cmp -s -n 8388608 /tmp/w4 /dev/zero || bad=$((bad + 1))
		rm -f /tmp/w4
		n=$((n + 1))
	done
	result 4 $bad $n
}

# 5: anonymous memory.  A heap the other guest has too (same seed):
# random pages of a window that moves a second at a time are written
# and checked, and put back to their first bytes when it moves on, so
# the rest of the heap shares again; a fork every 1024 writes, whose
# child checks the heap and writes a page of its own.  The most pages
# shared as anonymous while it ran (sampled every 5 s) go to
# /tmp/anon-max.
w5() {
	touch /tmp/w5.go
	max=0
	while kill -0 $w5pid 2>/dev/null; do
		_s=$(stat shared_anon)
		[ "${_s:-0}" -gt "$max" ] && max=$_s
		sleep 5
	done
	wait $w5pid
	echo $max >/tmp/anon-max
	set -- $(cat /tmp/w5.out)
	echo "anonymous: $*, at most $max pages shared"
	# "torture rounds N forks F mismatches M"
	result 5 "${7:-1}" "${3:-0}"
	[ "${5:-0}" -gt 0 ] || echo "anonymous: no fork ran"
}

w1 & w2 & w3 & w4 & w5 &
wait
total=0
for w in 1 2 3 4 5; do
	read bad rounds <"/tmp/w$w"
	echo "writer $w: $rounds rounds, $bad mismatches"
	total=$((total + bad))
	check "writer$w-ran" [ "$rounds" -gt 0 ]
done
cat /proc/cbps
check no-mismatches [ "$total" = 0 ]
check anon-shared-meanwhile [ "$(cat /tmp/anon-max)" -ge 256 ]
check data-final cmp /cbps/data /tmp/ref
check data2-final cmp /cbps/data2 /tmp/ref2
check kernel-clean kernel_clean
echo CBPS-TORTURE-DONE
wait_for 900 stat_ge test_entries 2
