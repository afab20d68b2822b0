# A guest destroyed while another guest's grant copy unshares its frame
# (dom0: scenarios/teardown.sh).  cbps_role=victim grants its shared page
# of linux_proc_banner to the witness (cbps_witness=) and waits to be
# destroyed.  cbps_role=witness shares the same frames; at each step it
# acts as a backend and copies into that grant (its copy waits in Xen,
# test-delay=); at the end it checks that nothing it holds changed.
role=$(arg cbps_role)
kva() { awk -v s="$1" '$3 == s { print "0x" $1; exit }' /proc/kallsyms; }
banner_shared() { probe "kva $(kva linux_proc_banner)" | grep -q 'shared 1'; }
md5() { md5sum <"$1" | cut -d' ' -f1; }

check insmod insmod /cbps/cs.ko
ref=$(md5 /cbps/data)
version0=$(cat /proc/version)
cat /cbps/data /cbps/data2 >/dev/null

if [ "$role" = victim ]; then
	check banner-shared wait_for 300 banner_shared
	echo "CBPS-GRANT $(probe "grantto $(arg cbps_witness) $(kva linux_proc_banner)")"
	# dom0 destroys this guest while the witness's copy is in Xen.
	sleep 100000
	return 0
fi

echo CBPS-WITNESS-READY
for round in 1 2; do
	step "$round" || fail "step$round" "no signal from dom0"
	echo "CBPS-SCAN-$round $(probe gntscan)"
done
step 3 || fail step3 "no signal from dom0"
cat /proc/cbps
check data-intact [ "$(md5 /cbps/data)" = "$ref" ]
check banner-intact [ "$(cat /proc/version)" = "$version0" ]
check still-shared stat_ge shared_now 1
check rmmod rmmod cs
check data-after-rmmod [ "$(md5 /cbps/data)" = "$ref" ]
check kernel-clean kernel_clean
echo CBPS-TEARDOWN-DONE
