# A guest on a Xen without cbps (dom0: scenarios/stock.sh): insmod fails
# with ENODEV and one clear dmesg line, nothing loaded.
insmod /cbps/cs.ko 2>/tmp/err
rc=$?
cat /tmp/err
check insmod-refused [ $rc -ne 0 ]
check insmod-enodev has "No such device" /tmp/err
# busybox insmod tries finit_module, then init_module: each attempt must
# leave the same single line.
dmesg | grep "cbps:" | sed 's/^\[[^]]*\] //' | sort -u >/tmp/cbps-dmesg
cat /tmp/cbps-dmesg
check one-dmesg-line [ "$(wc -l </tmp/cbps-dmesg)" = 1 ]
check dmesg-says-no-cbps has "this Xen has no cbps interface" /tmp/cbps-dmesg
check no-proc [ ! -e /proc/cbps ]
check not-loaded sh -c '! grep -q "^cs " /proc/modules'
