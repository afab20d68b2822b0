# A guest on a Xen booted without cbps=on (dom0: scenarios/off.sh):
# insmod fails with EOPNOTSUPP and one clear dmesg line, nothing loaded.
insmod /cbps/cs.ko 2>/tmp/err
rc=$?
cat /tmp/err
check insmod-refused [ $rc -ne 0 ]
check insmod-eopnotsupp has "Operation not supported" /tmp/err
# busybox insmod tries finit_module, then init_module: each attempt must
# leave the same single line.
dmesg | grep "cbps:" | sed 's/^\[[^]]*\] //' | sort -u >/tmp/cbps-dmesg
cat /tmp/cbps-dmesg
check one-dmesg-line [ "$(wc -l </tmp/cbps-dmesg)" = 1 ]
check dmesg-says-off has "cbps is off in Xen (boot Xen with cbps=on)" /tmp/cbps-dmesg
check no-proc [ ! -e /proc/cbps ]
check not-loaded sh -c '! grep -q "^cs " /proc/modules'
