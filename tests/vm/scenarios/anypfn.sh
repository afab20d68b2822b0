# Sharing at any pfn (issue 5): three identical guests run the same
# workload (guest/anypfn.sh), and their page cache, which sits at other
# pfns in each, is shared.  The measure is the eligible census: every
# page cs.ko could share (kernel image, page cache not mapped into user
# space), hashed in each guest; its inter-VM potential is, for each
# content, the number of guests that have it minus one, and what is
# captured is the frames sharing saves on those pages.  The check: at
# least 90% of the potential is captured once two whole scan cycles ran
# after the workload ended (cycle c0 + 1 is under way when it ends).
# Xen: cbps=on,rate=50000,interval=0,share=on and xpti=domu: guests run
# on XPTI's per-CPU root tables, whose M2P slot Xen sets to each guest's
# own view at context switch.
#
# expect: dom0/xpti-on dom0/registered dom0/workload-done dom0/two-cycles
# expect: dom0/census-1 dom0/captured-90 dom0/different-pfns
# expect: dom0/pagecache-shared dom0/census-2 dom0/migrate
# expect: dom0/unshared-for-migration dom0/reregistered-after-migration
# expect: dom0/guests-done dom0/guests-exited
# expect: g1/insmod g1/files-intact g1/data-intact g1/files-intact-end
# expect: g2/insmod g2/files-intact g2/data-intact g2/files-intact-end
# expect: g3/insmod g3/files-intact g3/data-intact g3/files-intact-end

guests="g1 g2 g3"
# A guest migrated to this host logs as NAME--incoming from then on.
all_marked() {
	for _g in $guests; do
		cat /var/log/xen/console/guest-$_g.log \
			/var/log/xen/console/guest-$_g--incoming.log 2>/dev/null |
			grep -q "$1" || return 1
	done
}

# census ROUND: join the guests' hash lines of ROUND.  Prints the
# potential, the frames saved on eligible pages, shared frames whose
# holders have them at different pfns, and those that are page cache.
census() {
	for _g in $guests; do
		tr -d '\r' <"/var/log/xen/console/guest-$_g.log" |
			sed -n "/^CBPS-HASHES-BEGIN $1\$/,/^CBPS-HASHES-END $1\$/p" |
			awk -v g="$_g" '$1 == "CBPS-HASH" { print g, $2, $3, $4, $5 }'
	done | awk -f /scenarios/eligible.awk
}

check xpti-on sh -c 'xl dmesg | grep -q "XPTI.*DomU enabled"'
for g in $guests; do
	start_guest $g anypfn
done
if wait_for 180 registered_is 3; then pass registered; else fail registered; fi
check workload-done wait_for 600 all_marked CBPS-WORKLOAD-DONE
c0=$(cycle)
c0=${c0:-0}
t0=$(date +%s)
echo "workload done in scan cycle $((c0 + 1))"
check two-cycles wait_for 600 cycle_ge $((c0 + 3))
echo "scan cycle $(cycle) done, $(($(date +%s) - t0)) s after the workload:" \
	"the eligible census, round 1"
cbps shares
# The scanner's wait for the guests' offers, and offers lost to a full
# backlog (Xen's 'B' key).
xl debug-keys B
xl dmesg | grep -e 'cbps: waited' -e 'offers_lost' | tail -n 4 |
	sed 's/ ring mfn.*backlog/: backlog/'
signal_guests $guests
check census-1 wait_for 300 all_marked "CBPS-HASHES-END 1"
set -- $(census 1)
echo "eligible census two whole cycles after the workload: $*"
if [ "${2:-0}" -gt 0 ]; then
	pct=$((${4:-0} * 100 / $2))
else
	pct=0
fi
echo "captured: ${4:-0} of ${2:-0} frames of inter-VM potential, ${pct}%"
check captured-90 [ "$pct" -ge 90 ]
check different-pfns [ "${6:-0}" -gt 0 ]
check pagecache-shared [ "${8:-0}" -gt 0 ]

saving_settles 10
echo "scan cycle $(cycle): the eligible census, round 2 (saving settled)"
cbps shares
cbps census
signal_guests $guests
check census-2 wait_for 300 all_marked "CBPS-HASHES-END 2"
set -- $(census 2)
echo "eligible census after settling: $*"

# Live migration of g3 to this host: log-dirty shadow mode cannot map a
# shared frame, so Xen gives g3 its own copy of each first (g3 paused),
# and no commit is taken while the mode is on.  g3 runs on, registers
# again, and its files must read right.
printf '#!/bin/sh\nshift\nexec "$@"\n' >/tmp/localssh
chmod +x /tmp/localssh
echo "g3 holds $(held "$(domid g3)") shared frames before migrating"
check migrate xl migrate -s /tmp/localssh g3 localhost
check unshared-for-migration sh -c \
	'xl dmesg | grep -q "enters log-dirty mode: holds no shared frame"'
check reregistered-after-migration wait_for 120 registered_is 3
cbps shares
signal_guests $guests
check guests-done wait_for 300 all_marked CBPS-ANYPFN-DONE
for g in $guests; do
	dump_guest_log $g | grep -v CBPS-HASH
done
# g3 after the migration, under its own name.
tr -d '\r' </var/log/xen/console/guest-g3--incoming.log | sed 's/^/[g3] /'

if wait_for 300 guests_gone; then pass guests-exited; else fail guests-exited; fi
