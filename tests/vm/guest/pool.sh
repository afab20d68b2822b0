# A small pool (dom0: scenarios/pool.sh): share until the pool is full,
# check contents, unload (every shared frame back to the pool).
check insmod insmod /cbps/cs.ko
cp /cbps/data /tmp/ref
step 1
grep -e shared_now -e committed -e xen_rejected /proc/cbps
check data-intact cmp /cbps/data /tmp/ref
check rmmod rmmod cs
check data-after-rmmod cmp /cbps/data /tmp/ref
echo CBPS-POOL-DONE
