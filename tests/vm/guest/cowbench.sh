# make bench-cow, guest part (dom0: scenarios/cowbench.sh): the time of a
# copy-on-write break of a shared frame, against the native anonymous CoW
# fault in the same guest.  Prints BENCH| lines.
ksym() { awk -v s="$1" '$3 == s { print $1; exit }' /proc/kallsyms; }
show() { echo "BENCH| $*"; }

check insmod insmod /cbps/cs.ko
wait_for 900 stat_ge test_entries 1 || fail start "no signal from dom0"
if [ "$(arg cbps_role)" = bench ]; then
	b0=$(stat cow_breaks)
	k0=$(stat takebacks)
	# Every shared page of kernel .data, written once with its own value.
	set -- $(probe "cowbench $(ksym _sdata) $(ksym _edata)")
	n=$3 ns=$5
	b=$(($(stat cow_breaks) - b0))
	k=$(($(stat takebacks) - k0))
	set -- $(/cbps/cbps-anoncow 1024)
	an=$3 ans=$5
	check measured [ "${n:-0}" -gt 0 -a "${an:-0}" -gt 0 ]
	show "CoW break of a shared frame (a kernel write, Xen copies): $n writes," \
		"$b copies, $k takebacks, mean $((ns / n)) ns"
	show "native anonymous CoW fault (fork, then a user write):" \
		"$an faults, mean $((ans / an)) ns"
	show "ratio: $(awk -v a="$ns" -v n="$n" -v b="$ans" -v m="$an" \
		'BEGIN { printf "%.2f", (a / n) / (b / m) }')" \
		"(QEMU TCG: absolute times are emulated)"
fi
echo CBPS-BENCH-DONE
wait_for 900 stat_ge test_entries 2
