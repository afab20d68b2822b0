# Debian's own Xen 4.17 build, which has no cbps at all (even booted with
# cbps=on, which it ignores): the tool and insmod fail cleanly (Xen answers -ENOSYS;
# insmod reports ENODEV).
#
# expect: dom0/status-exit dom0/status-says-no-cbps dom0/guests-exited
# expect: g1/insmod-refused g1/insmod-errno g1/one-dmesg-line
# expect: g1/dmesg-says-why g1/no-proc g1/not-loaded

cbps status >/tmp/status 2>&1
rc=$?
cat /tmp/status
check status-exit [ $rc = 3 ]
check status-says-no-cbps has "this Xen has no cbps interface" /tmp/status

refused_guest nocbps
