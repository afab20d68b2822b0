# A guest past Xen's max-domains cap (dom0: scenarios/ring.sh): insmod
# must fail with ENOSPC and say why, and leave nothing behind.
insmod /cbps/cs.ko 2>/tmp/err
rc=$?
cat /tmp/err
check insmod-refused [ $rc -ne 0 ]
check insmod-enospc has "No space left on device" /tmp/err
dmesg >/tmp/dmesg
check dmesg-reason has "cbps: Xen refused the ring: -28" /tmp/dmesg
check no-proc [ ! -e /proc/cbps ]
