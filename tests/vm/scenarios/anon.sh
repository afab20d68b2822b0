# Anonymous memory (issue 6): two identical guests build the same heaps
# (guest/anon.sh).  Their pages are shared, found through anon_vma
# reverse mapping in cs.ko, and counted as anonymous by Xen; then the
# writer runs every Linux path for anonymous memory on shared pages:
# write, mprotect, MADV_DONTNEED, munmap, mremap, swap-out, migration,
# compaction, fork, a page table pinned with a shared entry in it, a
# page unshared while its process's tables are unpinned (as exit_mmap
# leaves them) and process exit.  The reader's heaps stay intact.
# Xen: cbps=on,rate=50000,interval=0,share=on.
#
# expect: dom0/registered dom0/anon-shared dom0/writer-done
# expect: dom0/xen-up dom0/guests-exited
# expect: g1/insmod g1/swap-on g1/heap-shared g1/heap-read g1/write
# expect: g1/mprotect g1/dontneed g1/munmap g1/mremap g1/pageout
# expect: g1/migrate g1/fork3-shared g1/fork3-children g1/fork3-parent
# expect: g1/fork-reshared g1/fork-child g1/fork-parent
# expect: g1/never-writable g1/anon-counted g1/anon-held-xen
# expect: g1/pin-unshares g1/pin-copy-exact g1/pin-counted
# expect: g1/banner-after-pin
# expect: g1/exit-while-shared g1/hold-intact g1/freed-reused
# expect: g1/unpinned-entry-own g1/unpinned-heap-intact
# expect: g1/anon-accounting g1/kernel-clean g1/rmmod
# expect: g1/kernel-clean-after-rmmod
# expect: g2/insmod g2/swap-on g2/hold-intact g2/anon-accounting
# expect: g2/kernel-clean g2/rmmod g2/kernel-clean-after-rmmod

# held_as KIND: frames held as that kind, from "held as: ..." in cbps shares.
held_as() {
	cbps shares | sed -n "s/^held as:.*$1 \([0-9]*\).*/\1/p"
}
anon_held_ge() { [ "$(held_as anonymous)" -ge "$1" ] 2>/dev/null; }

# Two vCPUs each: the writer's paths race cs.ko's anon_vma walk and
# commits on the other CPU.
vcpus=2 start_guest g1 anon cbps_role=writer
vcpus=2 start_guest g2 anon cbps_role=reader
if wait_for 300 registered_is 2; then pass registered; else fail registered; fi
# Both heaps (2560 pages a guest) shared: one holder each.
check anon-shared wait_for 300 anon_held_ge 2000
cbps shares
writer_done() { grep -q CBPS-ANON-WRITER-DONE /var/log/xen/console/guest-g1.log; }
writer_stops() { writer_done || guest_gone g1; }
wait_for 400 writer_stops
if writer_done; then
	pass writer-done
else
	# Dead or stuck: say where, while the consoles still tell.
	fail writer-done "g1 $(guest_gone g1 && echo died || echo is stuck)"
	xl list
	xl debug-keys q
	xl dmesg | tail -40
	dump_guest_log g1
fi
cbps shares
xl debug-keys B
check xen-up cbps status
signal_guests g2
if wait_for 300 guests_gone; then pass guests-exited; else fail guests-exited; fi
dump_guest_log g1
dump_guest_log g2
