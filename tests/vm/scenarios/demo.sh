# make demo: Xen with cbps=on and three PV guests that load cs.ko; dom0
# posts test batches through their rings and shows what Xen and the
# guests count.  Lines meant for the viewer start with "DEMO|".
#
# expect: dom0/registered dom0/delivered g1/insmod g2/insmod g3/insmod
# expect: g1/received g2/received g3/received

show() { echo "$@" | sed 's/^/DEMO| /'; }
run() {
	show "\$ $*"
	"$@" 2>&1 | sed 's/^/DEMO| /'
}

show "== Xen $(xl info | awk '/^xen_version/ { print $3 }') booted with:" \
	"$(xl info | sed -n 's/^xen_commandline *: //p' | grep -o 'cbps=[^ ]*')"
run cbps status
show ""
show "== starting three PV guests (128 MiB each); each runs: insmod cs.ko"
for g in g1 g2 g3; do
	start_guest $g demo cbps_expect=1000
done
if wait_for 180 registered_is 3; then pass registered; else fail registered; fi
run xl list
run cbps list
show ""
show "== dom0 asks Xen to post 1000 test entries into each guest's ring;"
show "   the ring holds $(( 128 )) entries, so Xen posts in batches as the"
show "   guests consume and kick"
for g in g1 g2 g3; do
	cbps post "$(domid $g)" 1000 >/dev/null
done
all_delivered() {
	for g in g1 g2 g3; do
		dom_stat_is "$(domid $g)" CONSUMED 1000 || return 1
	done
}
if wait_for 120 all_delivered; then pass delivered; else fail delivered; fi
run cbps list
show ""
show "== Xen's own view (debug key B, from xl dmesg):"
xl debug-keys B
xl dmesg | grep "cbps:" | tail -4 | sed 's/^(XEN) \[[^]]*\] //' |
	sed 's/^/DEMO| /'
for g in g1 g2 g3; do
	cbps post "$(domid $g)" 1 >/dev/null
done
wait_for 300 guests_gone
show ""
show "== each guest's /proc/cbps:"
for g in g1 g2 g3; do
	dump_guest_log $g | grep -e "DEMO|" -e "CBPS-RESULT"
done
show ""
run cbps status
