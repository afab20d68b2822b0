# A guest destroyed while a backend's grant copy unshares its frame
# (dom0: scenarios/teardown.sh).  cbps_role=victim grants its shared page
# of linux_proc_banner to dom0 and waits to be destroyed; cbps_role=
# witness shares the same frames and checks, after the victim is gone,
# that nothing it holds changed.
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
	echo "CBPS-GRANT $(probe "grant $(kva linux_proc_banner)")"
	# dom0 destroys this guest while its grant copy is in Xen.
	sleep 100000
	return 0
fi

echo CBPS-WITNESS-READY
step 1 || fail step1 "no signal from dom0"
cat /proc/cbps
check data-intact [ "$(md5 /cbps/data)" = "$ref" ]
check banner-intact [ "$(cat /proc/version)" = "$version0" ]
check still-shared stat_ge shared_now 1
check rmmod rmmod cs
check data-after-rmmod [ "$(md5 /cbps/data)" = "$ref" ]
check kernel-clean kernel_clean
echo CBPS-TEARDOWN-DONE
