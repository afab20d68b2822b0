# A guest of the sharing-group test (dom0: scenarios/groups.sh): load
# cs.ko, read the data every guest has into the page cache, wait for
# dom0, check the data and the kernel, unload, check again.
check insmod insmod /cbps/cs.ko
cp /cbps/data /tmp/ref
step 1
grep -e shared_now -e committed -e xen_rejected /proc/cbps
check data-intact cmp /cbps/data /tmp/ref
check kernel-clean kernel_clean
check rmmod rmmod cs
check data-after-rmmod cmp /cbps/data /tmp/ref
echo CBPS-GROUPS-DONE
