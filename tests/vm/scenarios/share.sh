# Sharing between two identically booted guests (kernel image at the same
# pfn, page cache at other pfns: issue 5), then
# each write path, with contents checked in both guests (guest/share.sh).
# g1 writes, g2 only reads.  Xen: cbps=on,rate=50000,interval=0.
#
# expect: dom0/registered dom0/sharing dom0/free-memory-grew
# expect: dom0/cow-breaks dom0/grant-map dom0/grant-copy
# expect: dom0/memory-exhausted dom0/enomem-paused dom0/enomem-resumed
# expect: dom0/save dom0/restore dom0/reregistered dom0/dump-core
# expect: dom0/dump-core-unshared dom0/dump-core-content
# expect: dom0/unshared-on-rmmod dom0/destroy-while-shared
# expect: dom0/guests-exited
# expect: g1/insmod g1/shares-held g1/data-read g1/kernel-write
# expect: g1/data-shared g1/data2-shared g1/pagecache-unshared
# expect: g1/reuse-unshared g1/reshared-cache-exchange g1/exchange-cache
# expect: g1/exchange-cache-intact g1/reshared-cache-balloon
# expect: g1/balloon-cache g1/balloon-cache-intact
# expect: g2/data-shared g2/data2-shared g2/pagecache-still-shared
# expect: g1/pagecache-write g1/text-patched-works g1/reuse-zeroed
# expect: g1/banner-shared g1/grant-map-seen g1/data-final
# expect: g1/enomem-write g1/enomem-data g1/exchange-shared g1/exchange
# expect: g1/exchange-intact g1/reshared g1/balloon-shared g1/balloon
# expect: g1/balloon-intact g1/reshared-uvm g1/install-uvm
# expect: g1/reshared-ptwr g1/install-ptwr g1/install-intact g2/banner-intact
# expect: g2/insmod g2/shares-held g2/data-read g2/pagecache-write
# expect: g2/text-unpatched-quiet g2/data2-intact g2/banner-shared
# expect: g2/grant-copy-seen g2/data-final g2/data-after-rmmod
# expect: g2/data2-after-rmmod g2/banner-after-rmmod
# expect: g2/suspend g2/suspend-share-kept g2/suspend-unshared
# expect: g2/suspend-sharing g2/suspend-active g2/suspend-data
# expect: g2/rmmod-race-1 g2/rmmod-race-2 g2/rmmod-race-3 g2/rmmod-race-4
# expect: g2/insmod-again-2 g2/insmod-again-3 g2/insmod-again-4
# expect: g2/gave-back-2 g2/gave-back-3 g2/gave-back-4
# expect: g2/rmmod-clean g2/kernel-clean-after-rmmod
# expect: dom0/unregistered-on-rmmod
# expect: g1/anon-off-by-default g2/anon-off-by-default

state_is() {
	[ "$(cbps shares | awk -v d="$1" '$1 == d { print $NF }')" = "$2" ]
}
no_free_memory() { [ "$(free_mib)" -le 1 ]; }
# signal: both guests' next step.
signal() { signal_guests g1 g2; }
# wait_mark MARK GUEST: the guest printed MARK on its console.  A guest
# that never does is stuck: show both consoles and stop here.
wait_mark() {
	wait_for 300 grep -q "$1" "/var/log/xen/console/guest-$2.log" && return
	fail "mark-$1-$2" "guest $2 never got to $1"
	xl debug-keys q
	dump_guest_log g1
	dump_guest_log g2
	echo "CBPS-SCENARIO-DONE share"
	poweroff -f
}

# One vCPU each: the writer's kernel-write and exchange probes need
# that, and the reader goes through xl save/restore, where a two-vCPU
# guest hit a kernel BUG in xen_irq_resume() rebinding VIRQ_CBPS
# (EVTCHNOP_bind_virq: -EINVAL; issue 16's report).
start_guest g1 share cbps_role=writer
start_guest g2 share cbps_role=reader
if wait_for 300 registered_is 2; then pass registered; else fail registered; fi
d1=$(domid g1)
d2=$(domid g2)
free0=$(free_mib)

# Sharing starts once frames are stable (second cycle).  Then wait until
# the saving stops growing for a few seconds.
check sharing wait_for 240 saved_ge 1000
saving_settles 5
cbps shares
xl debug-keys B                 # Xen's console: why commits were refused
free1=$(free_mib)
saved=$(total 'frames saved')
echo "free memory ${free0} MiB -> ${free1} MiB; frames saved $saved"
# Frames saved went back to Xen's heap: 256 frames a MiB, within 25%.
check free-memory-grew [ $(((free1 - free0) * 256)) -ge $((saved * 3 / 4)) ]

signal                          # 1: check, then write page cache
wait_mark CBPS-WROTE-1 g1 && wait_mark CBPS-WROTE-1 g2
b0=$(total 'cow breaks')
signal                          # 2: check, then patch kernel text
wait_mark CBPS-WROTE-2 g1 && wait_mark CBPS-WROTE-2 g2
signal                          # 3: reuse freed pages
wait_mark CBPS-WROTE-3 g1 && wait_mark CBPS-WROTE-3 g2
cbps shares
check cow-breaks [ "$(total 'cow breaks')" -gt "$b0" ]

# 4: each guest grants its shared page of linux_proc_banner to dom0,
# which writes a new format string into g1's through a writable grant
# map and into g2's with a grant copy.  Xen must give each its own copy
# first.
signal
wait_mark CBPS-GRANT g1 && wait_mark CBPS-GRANT g2
nl='
'
grant_of() {
	sed -n 's/.*CBPS-GRANT .* offset \([0-9]*\) .* ref \([0-9]*\).*/\2 \1/p' \
		"/var/log/xen/console/guest-$1.log" | tail -n 1
}
set -- $(grant_of g1)
check grant-map cbps-gnt map "$d1" "$1" "$2" "cbps-gnt-map$nl"
set -- $(grant_of g2)
check grant-copy cbps-gnt copy "$d2" "$1" "$2" "cbps-gnt-copy$nl"
signal                          # 5: check the names, final data
wait_mark CBPS-WROTE-5 g1 && wait_mark CBPS-WROTE-5 g2
cbps shares

# 6: dom0 balloons up (Xen: dom0_mem=512M,max:1024M) until Xen has no
# free frame.  g1 then patches kernel text it shares with g2: the unshare
# finds no frame, g1 is paused (dom0 sees it) and resumes once dom0 gives
# the memory back.
xl mem-set 0 1024
check memory-exhausted wait_for 180 no_free_memory
xl info | grep free_memory
signal
check enomem-paused wait_for 120 state_is "$d1" paused-no-memory
cbps shares
xl mem-set 0 512
check enomem-resumed wait_for 120 state_is "$d1" running
wait_mark CBPS-WROTE-6 g1 && wait_mark CBPS-WROTE-6 g2
cbps shares

# xl save: the guest suspends first, and Xen gives it its own copy of
# every frame it shares before it may (the toolstack saves what each pfn
# maps).  Restored, g2 is a new domain: its module registers the ring
# again, and step 7 checks its contents after the round trip.
h2=$(held $d2)
echo "g2 holds ${h2:-0} frames when saved"
check save xl save g2 /tmp/g2.save
check restore xl restore /tmp/g2.save
rm -f /tmp/g2.save
d2=$(domid g2)
check reregistered wait_for 120 registered_is 2
cbps shares

# xl dump-core maps each frame of g1 through the toolstack (mmu_update
# with g1 as page owner): Xen gives g1 its own copy of every shared
# frame mapped first, so the core holds g1's own frames and bytes.
h1=$(held $d1)
check dump-core xl dump-core g1 /tmp/g1.core
h1b=$(held $d1)
echo "g1 held ${h1:-0} frames before dump-core, ${h1b:-0} after"
check dump-core-unshared [ "${h1b:-0}" -lt "${h1:-0}" ]
check dump-core-content grep -q "Linux version 6.1" /tmp/g1.core
rm -f /tmp/g1.core

signal                          # 7: g2 suspends, then unloads its module
wait_mark CBPS-WROTE-7 g2
# g2 holds nothing now: every holder left is g1.
check unshared-on-rmmod [ "$(total holders)" = "$(held $d1)" ]
# ...and has no ring in Xen: cbps list shows g1 alone.
unregistered() {
	registered_is 1 && ! cbps list | awk -v d="$1" '
		$1 == d { f = 1 } END { exit !f }'
}
check unregistered-on-rmmod unregistered "$d2"
cbps shares

dump_guest_log g2
dump_guest_log g1
# g1 still holds frames: destroying it must free them and keep Xen up.
h1=$(held $d1)
echo "g1 holds ${h1:-0} frames when destroyed"
xl destroy g1
no_shares() { [ "$(total 'shared frames')" = 0 ]; }
if wait_for 60 guest_gone g1 && wait_for 30 no_shares; then
	pass destroy-while-shared
else
	fail destroy-while-shared "g1 gone: $(guest_gone g1 && echo yes);" \
		"shared frames left: $(total 'shared frames')"
fi
cbps shares
if wait_for 300 guests_gone; then pass guests-exited; else fail guests-exited; fi
