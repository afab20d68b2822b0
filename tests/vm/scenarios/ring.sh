# Ring round trip, ring-full handling, the registration cap, the debug
# key and teardown.  Xen: cbps=on,max-domains=3,frobnicate.
#
# expect: dom0/bad-option-reported dom0/max-domains-applied dom0/status-on
# expect: dom0/three-registered dom0/cap-guest-done dom0/xen-holds-pending dom0/stall-posted
# expect: dom0/stall-ring-full dom0/debug-key dom0/list-shows-three
# expect: dom0/post-g1 dom0/post-g2 dom0/post-g3 dom0/guests-exited
# expect: dom0/no-registrations-left dom0/registrations-counted
# expect: dom0/posted-counted dom0/post-unknown-domain dom0/post-unregistered
# expect: dom0/post-bad-count
# expect: g1/insmod g1/registered g1/interface g1/entries-received
# expect: g1/entries-exact g1/no-seq-errors g1/no-bad-entries
# expect: g1/no-ring-errors g1/rmmod g1/rmmod-logged g1/proc-gone
# expect: g1/reinsmod g1/reregistered g1/rermmod
# expect: g2/insmod g2/registered g2/interface g2/entries-received
# expect: g2/entries-exact g2/no-seq-errors g2/no-bad-entries
# expect: g2/no-ring-errors
# expect: g3/insmod g3/ring-filled g3/nothing-taken g3/xen-pending-visible
# expect: g3/dom0-signal g3/all-delivered g3/no-seq-errors g3/kicked
# expect: g3/ring-drained
# expect: g4/insmod-refused g4/insmod-enospc g4/dmesg-reason g4/no-proc

xl dmesg >/tmp/xen-dmesg
check bad-option-reported has "cbps: unknown option 'frobnicate'" /tmp/xen-dmesg
cbps status | tee /tmp/status
check max-domains-applied has "of at most 3" /tmp/status
check status-on has "^cbps: on" /tmp/status

start_guest g1 ring cbps_expect=300 cbps_exit=rmmod
start_guest g2 ring cbps_expect=50
start_guest g3 stall cbps_expect=301
if wait_for 180 registered_is 3; then
	pass three-registered
else
	fail three-registered "$(nr_registered) registered"
fi
d1=$(domid g1)
d2=$(domid g2)
d3=$(domid g3)

# The cap: a fourth guest is refused (it checks its side itself).  Wait
# for it to finish before anything can unregister and make room.
start_guest g4 full
check cap-guest-done wait_for 180 guest_gone g4

# The stalled guest's ring fills; Xen keeps the rest as a count.
cbps post "$d3" 300
if wait_for 60 dom_stat_is "$d3" PENDING 172; then
	pass xen-holds-pending
else
	fail xen-holds-pending "pending $(dom_stat "$d3" PENDING)"
fi
check stall-posted dom_stat_is "$d3" POSTED 128
check stall-ring-full [ "$(dom_stat "$d3" RING_FULL)" -ge 1 ]

xl debug-keys B
xl dmesg | grep "cbps:" >/tmp/keys
check debug-key sh -c "grep -q 'cbps: d$d1 ring' /tmp/keys &&
	grep -q 'cbps: d$d2 ring' /tmp/keys &&
	grep -q 'cbps: d$d3 ring.* pending 172' /tmp/keys"
cbps list | tee /tmp/list
check list-shows-three has "^total *3 " /tmp/list

# Bad requests get clear errors and change nothing.
cbps post 4000 5 2>/tmp/err
check post-unknown-domain sh -c "[ $? = 1 ] && grep -q 'no domain 4000' /tmp/err"
cbps post 0 5 2>/tmp/err
check post-unregistered sh -c "[ $? = 1 ] && grep -q 'has no cbps ring' /tmp/err"
cbps post "$d1" 0 2>/dev/null
check post-bad-count [ $? = 2 ]

check post-g1 cbps post "$d1" 300
check post-g2 cbps post "$d2" 50
check post-g3 cbps post "$d3" 1

if wait_for 400 guests_gone; then
	pass guests-exited
else
	fail guests-exited "still running: $(xl list | tail -n +3 | tr '\n' ' ')"
fi
check no-registrations-left registered_is 0
cbps status | tee /tmp/status
check registrations-counted has "registrations since boot: 4$" /tmp/status
check posted-counted has "ring entries posted since boot: 651$" /tmp/status
xl debug-keys B

for g in g1 g2 g3 g4; do
	dump_guest_log $g
done
