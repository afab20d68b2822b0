# A guest whose insmod must fail cleanly (dom0: scenarios/off.sh, stock.sh):
#   cbps_why=off     our Xen without cbps=on: EOPNOTSUPP
#   cbps_why=nocbps  a Xen without cbps at all: ENODEV
# One clear dmesg line, nothing loaded.
case "$(arg cbps_why)" in
off)
	err="Operation not supported"
	line="cbps is off in Xen (boot Xen with cbps=on)"
	;;
*)
	err="No such device"
	line="this Xen has no cbps interface"
	;;
esac

insmod /cbps/cs.ko 2>/tmp/err
rc=$?
cat /tmp/err
check insmod-refused [ $rc -ne 0 ]
check insmod-errno has "$err" /tmp/err
# busybox insmod tries finit_module, then init_module: each attempt must
# leave the same single line.
dmesg | grep "cbps:" | sed 's/^\[[^]]*\] //' | sort -u >/tmp/cbps-dmesg
cat /tmp/cbps-dmesg
check one-dmesg-line [ "$(wc -l </tmp/cbps-dmesg)" = 1 ]
check dmesg-says-why has "$line" /tmp/cbps-dmesg
check no-proc [ ! -e /proc/cbps ]
check not-loaded sh -c '! grep -q "^cs " /proc/modules'
