# Sharing at the same pfn between two identically booted guests, then
# each write path, with contents checked in both guests (guest/share.sh).
# g1 writes, g2 only reads.  Xen: cbps=on,rate=50000,interval=0.
#
# expect: dom0/registered dom0/sharing dom0/free-memory-grew
# expect: dom0/cow-breaks dom0/unshared-on-rmmod dom0/destroy-while-shared
# expect: dom0/guests-exited
# expect: g1/insmod g1/shares-held g1/data-read g1/pagecache-write
# expect: g1/text-patched-works g1/reuse-zeroed g1/data-final
# expect: g2/insmod g2/shares-held g2/data-read g2/pagecache-write
# expect: g2/text-unpatched-quiet g2/data2-intact g2/data-final g2/rmmod
# expect: g2/data-after-rmmod g2/data2-after-rmmod

free_mib() { xl info | awk '/^free_memory/ { print $3 }'; }
total() { cbps shares | awk -v k="$1" -F': ' '$1 == k { print $2 + 0 }'; }
held() {
	cbps shares | awk -v d="$1" '$1 == d { print $2 }'
}
saved_ge() { [ "$(total 'frames saved')" -ge "$1" ] 2>/dev/null; }
# signal N: both guests' step N.
signal() {
	for g in g1 g2; do
		d=$(domid $g)
		[ -n "$d" ] && cbps post "$d" 1 >/dev/null
	done
}
# wait_mark MARK GUEST: the guest printed MARK on its console.
wait_mark() {
	wait_for 600 grep -q "$1" "/var/log/xen/console/guest-$2.log"
}

start_guest g1 share cbps_role=writer
start_guest g2 share cbps_role=reader
if wait_for 300 registered_is 2; then pass registered; else fail registered; fi
d1=$(domid g1)
d2=$(domid g2)
free0=$(free_mib)

# Sharing starts once frames are stable (second cycle).  Then wait until
# the saving stops growing for a few seconds.
check sharing wait_for 240 saved_ge 1000
last=0
while :; do
	s=$(total 'frames saved')
	[ "$s" = "$last" ] && break
	last=$s
	sleep 5
done
cbps shares
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
signal                          # 4: g2 unloads its module
wait_mark CBPS-WROTE-4 g2
# g2 holds nothing now: every holder left is g1.
check unshared-on-rmmod [ "$(total holders)" = "$(held $d1)" ]
cbps shares

dump_guest_log g2
dump_guest_log g1
# g1 still holds frames: destroying it must free them and keep Xen up.
h1=$(held $d1)
echo "g1 holds ${h1:-0} frames when destroyed"
xl destroy g1
check destroy-while-shared sh -c "wait_for 60 guest_gone g1 && \
	cbps shares | tee /tmp/after && \
	[ \"\$(awk -F': ' '/^shared frames/ { print \$2 }' /tmp/after)\" = 0 ]"
if wait_for 300 guests_gone; then pass guests-exited; else fail guests-exited; fi
