# A debugger's write into shared kernel rodata (dom0: scenarios/gdbsx.sh).
# dom0 writes over the target's linux_proc_banner through gdbsx; the
# other guest shares that page and must never see the write.
role=$(arg cbps_role)
kva() { awk -v s="$1" '$3 == s { print "0x" $1; exit }' /proc/kallsyms; }
banner_shared() {
	probe "kva $(kva linux_proc_banner)" | grep -q 'shared 1'
}

check insmod insmod /cbps/cs.ko
version0=$(cat /proc/version)

step 1
check banner-shared wait_for 120 banner_shared
echo "CBPS-GDBSX kva $(kva linux_proc_banner) $(probe "kva $(kva linux_proc_banner)")"
step 2
echo "version: $(cat /proc/version)"
if [ "$role" = target ]; then
	check banner-written [ "$(cat /proc/version)" = cbps-gdbsx ]
	if banner_shared; then
		fail banner-unshared "the written page is still a shared frame"
	else
		pass banner-unshared
	fi
else
	check banner-intact [ "$(cat /proc/version)" = "$version0" ]
fi
check kernel-clean kernel_clean
