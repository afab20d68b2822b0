# Sharing groups (issue 8): four identical guests; a1 and a2 in group 1,
# b1 in group 2, u1 in none.  Xen is booted with the default,
# ungrouped=isolate, so u1 shares with nobody, and with max-held=1500,
# so no guest holds more than 1500 shared frames (two such guests
# share about 7000 without it).  Then dom0 moves b1 into group 1 (it
# starts sharing) and a2 into group 3 (it gets its own copy of every
# frame at once, and shares no more).  Every guest's data reads right.
# Xen: cbps=on,rate=50000,interval=0,share=on,max-held=1500.
#
# expect: dom0/registered dom0/group-set dom0/group-bad-domain
# expect: dom0/group-dom0-refused dom0/group-usage dom0/sharing
# expect: dom0/group-column dom0/other-group-unshared
# expect: dom0/other-group-unoffered dom0/ungrouped-unshared
# expect: dom0/ungrouped-unoffered dom0/max-held dom0/max-held-reached
# expect: dom0/joined-group-shares dom0/left-group-unshared
# expect: dom0/left-group-stays-unshared dom0/ungrouped-unshared-still
# expect: dom0/xen-logged-moves dom0/left-group-in-steps
# expect: dom0/guests-exited
# expect: a1/insmod a1/data-intact a1/kernel-clean a1/rmmod
# expect: a1/data-after-rmmod a2/insmod a2/data-intact a2/kernel-clean
# expect: a2/rmmod a2/data-after-rmmod b1/insmod b1/data-intact
# expect: b1/kernel-clean b1/rmmod b1/data-after-rmmod u1/insmod
# expect: u1/data-intact u1/kernel-clean u1/rmmod u1/data-after-rmmod

# share_col DOMID COLUMN: one value from 'cbps shares'.
share_col() {
	cbps shares | awk -v d="$1" -v c="$2" '
		$1 == "DOMID" { for (i = 1; i <= NF; i++) col[$i] = i; next }
		$1 == d { print $col[c] }'
}
held_is() { [ "$(held "$1")" = "$2" ]; }
held_gt() { [ "$(held "$1")" -gt "$2" ] 2>/dev/null; }
done_marked() {
	for _g in a1 a2 b1 u1; do
		grep -q CBPS-GROUPS-DONE "/var/log/xen/console/guest-$_g.log" ||
			return 1
	done
}

for g in a1 a2 b1 u1; do
	start_guest $g groups
done
if wait_for 300 registered_is 4; then pass registered; else fail registered; fi
a1=$(domid a1)
a2=$(domid a2)
b1=$(domid b1)
u1=$(domid u1)
check group-set sh -c "cbps group $a1 1 && cbps group $a2 1 && cbps group $b1 2"
# Clear errors: no such domain (exit 1), dom0 itself, bad arguments (2).
cbps group 999 1 2>/tmp/err
rc=$?
check group-bad-domain [ "$rc" = 1 -a "$(cat /tmp/err)" = "cbps: no domain 999" ]
cbps group 0 1 2>/tmp/err
rc=$?
cat /tmp/err
check group-dom0-refused [ "$rc" = 1 -a -s /tmp/err ]
cbps group "$a1" x 2>/dev/null
check group-usage [ $? = 2 ]

check sharing wait_for 300 saved_ge 1000
check group-column [ "$(share_col "$a1" GROUP)" = 1 -a \
	"$(share_col "$b1" GROUP)" = 2 -a "$(share_col "$u1" GROUP)" = 0 ]
# max-held: both a1 and a2 stop at the cap, well below what they share
# without it.
check max-held-reached wait_for 240 held_is "$a1" 1500
cbps shares
check max-held [ "$(held "$a1")" -le 1500 -a "$(held "$a2")" -le 1500 ]
check other-group-unshared held_is "$b1" 0
check other-group-unoffered [ "$(share_col "$b1" OFFERED)" = 0 ]
check ungrouped-unshared held_is "$u1" 0
check ungrouped-unoffered [ "$(share_col "$u1" OFFERED)" = 0 ]

# b1 joins group 1: Xen starts offering it a1's and a2's frames.
cbps group "$b1" 1
check joined-group-shares wait_for 240 held_gt "$b1" 0
# a2 leaves for group 3: every frame it holds is its own again before
# the command returns, and nobody else is in group 3.
a2_held=$(held "$a2")
cbps group "$a2" 3
cbps shares
check left-group-unshared held_is "$a2" 0
# ... in steps of at most 64 copies, each a continuation of the call.
xl dmesg | grep "d$a2 leave its sharing group"
steps=$(xl dmesg | sed -n "s/.*d$a2 leave its sharing group: \([0-9]*\) shared frames copied in \([0-9]*\) steps.*/\1 \2/p")
echo "a2 held $a2_held frames; copied, steps: ${steps:-none}"
check left-group-in-steps sh -c "echo '$steps' | awk '{ exit !(\$1 == $a2_held && \$2 * 64 >= \$1 && \$2 > 1) }'"
sleep 5
check left-group-stays-unshared held_is "$a2" 0
check ungrouped-unshared-still held_is "$u1" 0
xl dmesg | grep "sharing group"
check xen-logged-moves sh -c \
	"xl dmesg | grep -q 'd$a2 moved from sharing group 1 to 3'"

signal_guests a1 a2 b1 u1
wait_for 300 done_marked
cbps shares
for g in a1 a2 b1 u1; do
	dump_guest_log $g
	xl destroy $g
done
if wait_for 120 guests_gone; then pass guests-exited; else fail guests-exited; fi
