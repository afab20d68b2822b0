# make demo: Xen with cbps=on,share=on and three PV guests that load
# cs.ko.  Xen scans their frames, offers the identical ones, the guests
# commit, and dom0 shows what is shared, per guest and in total, and the
# free memory it gave back to Xen.  Lines meant for the viewer start
# with "DEMO|".
#
# expect: dom0/registered dom0/sharing g1/insmod g2/insmod g3/insmod
# expect: g1/working g2/working g3/working

show() { echo "$@" | sed 's/^/DEMO| /'; }
run() {
	show "\$ $*"
	"$@" 2>&1 | sed 's/^/DEMO| /'
}

show "== Xen $(xl info | awk '/^xen_version/ { print $3 }') booted with:" \
	"$(xl info | sed -n 's/^xen_commandline *: //p' | grep -o 'cbps=[^ ]*')"
run cbps status
show ""
show "== starting three PV guests (128 MiB each, the same kernel and"
show "   files); each runs: insmod cs.ko"
for g in g1 g2 g3; do
	start_guest $g demo
done
show ""
show "== sharing crosses the isolation between guests, so Xen shares only"
show "   inside a sharing group (ungrouped guests share with nobody unless"
show "   Xen was booted with cbps=...,ungrouped=share): one group for all three"
for g in g1 g2 g3; do
	run cbps group "$(domid $g)" 1
done
if wait_for 180 registered_is 3; then pass registered; else fail registered; fi
free0=$(free_mib)
run xl list
show ""
show "== Xen scans in idle time, offers identical frames (at any pfn),"
show "   the guests commit; waiting until the saving stops growing"
check sharing wait_for 300 saved_ge 2000
saving_settles 10
run cbps shares
show ""
show "== Xen's free memory: ${free0} MiB when the guests had registered" \
	"(sharing had begun), $(free_mib) MiB now"
show ""
show "== what the scanner's census says could be shared (all pfns):"
run cbps census
show ""
show "== the guests keep working on their own copies: each writes a file"
show "   and patches kernel text (tracepoints), then shows /proc/cbps"
signal_guests g1 g2 g3
wait_for 300 sh -c 'for g in g1 g2 g3; do grep -q CBPS-DEMO-DONE \
	/var/log/xen/console/guest-$g.log || exit 1; done'
run cbps shares
signal_guests g1 g2 g3
wait_for 300 guests_gone
show ""
show "== each guest's view:"
for g in g1 g2 g3; do
	dump_guest_log $g | grep -e "DEMO|" -e "CBPS-RESULT"
done
