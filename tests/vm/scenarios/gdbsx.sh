# A debugger's write into a guest's shared kernel rodata (issue 16, defect
# 4).  Two identically booted guests share their kernel image; dom0
# writes a new format string over g1's linux_proc_banner (what
# /proc/version prints with) through XEN_DOMCTL_gdbsx_guestmemio, the
# way gdbsx does (cbps-gdbsx).  Xen must give g1 its own copy first: g1's
# /proc/version shows the new text, g2's stays as it was.  Reading a
# shared frame stays allowed.  Xen: cbps=on,rate=50000,interval=0,
# share=on,ungrouped=share.
#
# expect: dom0/registered dom0/sharing dom0/banner-address
# expect: dom0/read-shared dom0/gdbsx-write dom0/unshared
# expect: dom0/guests-exited
# expect: g1/insmod g1/banner-shared g1/banner-written g1/banner-unshared
# expect: g1/kernel-clean
# expect: g2/insmod g2/banner-shared g2/banner-intact g2/kernel-clean

signal() { signal_guests g1 g2; }
wait_mark() {
	wait_for 180 grep -q "$1" "/var/log/xen/console/guest-$2.log" && return
	fail "mark-$1-$2" "guest $2 never got to $1"
	dump_guest_log g1
	dump_guest_log g2
	echo "CBPS-SCENARIO-DONE gdbsx"
	poweroff -f
}
# banner_at GUEST: the address of linux_proc_banner it printed.
banner_at() {
	tr -d '\r' <"/var/log/xen/console/guest-$1.log" |
		sed -n 's/^CBPS-GDBSX kva \(0x[0-9a-f]*\).*/\1/p' | tail -n 1
}
# unshares DOMID: its copy-on-write breaks and takebacks (cbps shares).
unshares() {
	cbps shares | awk -v d="$1" '
		NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		$1 == d { print $col["COW_BREAK"] + $col["TAKEBACK"] }'
}

start_guest g1 gdbsx cbps_role=target
start_guest g2 gdbsx cbps_role=other
if wait_for 180 registered_is 2; then pass registered; else fail registered; fi
d1=$(domid g1)
d2=$(domid g2)

# The kernel images share once frames are stable (second cycle).
check sharing wait_for 180 saved_ge 1000
saving_settles 3
signal                          # 1: each guest names its banner page
wait_mark CBPS-GDBSX g1 && wait_mark CBPS-GDBSX g2
a1=$(banner_at g1)
a2=$(banner_at g2)
echo "linux_proc_banner: g1 $a1, g2 $a2"
check banner-address [ -n "$a1" -a "$a1" = "$a2" ]

# Both read the shared frame: "%s version %s (...".
r1=$(cbps-gdbsx read "$d1" "$a1" 16)
r2=$(cbps-gdbsx read "$d2" "$a2" 16)
echo "read: g1 $r1, g2 $r2"
check read-shared [ "${r1#25732076657273696f6e}" != "$r1" -a "$r1" = "$r2" ]

# g1 paused across the write: the only unshare of its own is Xen's.
xl pause g1
cbps shares
u0=$(unshares "$d1")
h0=$(held "$d1")
nl='
'
check gdbsx-write cbps-gdbsx write "$d1" "$a1" "cbps-gdbsx$nl"
u1=$(unshares "$d1")
h1=$(held "$d1")
cbps shares
xl unpause g1
echo "g1: unshares $u0 -> $u1, held $h0 -> $h1"
check unshared [ $((u1 - u0)) = 1 -a $((h0 - h1)) = 1 ]

signal                          # 2: each guest checks its /proc/version
if wait_for 180 guests_gone; then pass guests-exited; else fail guests-exited; fi
dump_guest_log g1
dump_guest_log g2
