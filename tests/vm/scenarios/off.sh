# Xen booted without cbps=on: it behaves as stock Xen, every cbps call
# fails with -EOPNOTSUPP, the tool and insmod say so clearly.
#
# expect: dom0/xen-says-off dom0/status-exit dom0/status-says-off
# expect: dom0/list-exit dom0/guests-exited
# expect: g1/insmod-refused g1/insmod-errno g1/one-dmesg-line
# expect: g1/dmesg-says-why g1/no-proc g1/not-loaded

xl dmesg >/tmp/xen-dmesg
check xen-says-off has "cbps: off (boot Xen with cbps=on to enable)" /tmp/xen-dmesg
cbps status >/tmp/status 2>&1
rc=$?
cat /tmp/status
check status-exit [ $rc = 3 ]
check status-says-off has "cbps is off in Xen" /tmp/status
cbps list >/dev/null 2>&1
check list-exit [ $? = 3 ]

refused_guest off
