# The pool of shared frames: with cbps=pool=2M (512 frames) two guests
# share until it is full, no new shared frame is made then, and the
# guests run on; unloading the module gives every frame back to the pool.
# Xen: cbps=on,rate=50000,interval=0,share=on,pool=2M.
#
# expect: dom0/pool-reserved dom0/registered dom0/pool-full
# expect: dom0/bounded dom0/stays-bounded dom0/pool-refilled
# expect: dom0/no-shares-left dom0/guests-exited
# expect: g1/insmod g1/data-intact g1/rmmod g1/data-after-rmmod
# expect: g2/insmod g2/data-intact g2/rmmod g2/data-after-rmmod

pool_free() { cbps shares | sed -n 's/^pool: [0-9]* frames, \([0-9]*\) free$/\1/p'; }
pool_free_is() { [ "$(pool_free)" = "$1" ]; }
done_marked() {
	grep -q CBPS-POOL-DONE /var/log/xen/console/guest-g1.log &&
		grep -q CBPS-POOL-DONE /var/log/xen/console/guest-g2.log
}

check pool-reserved sh -c 'xl dmesg | grep -q "cbps: pool of 2 MiB"'
start_guest g1 pool
start_guest g2 pool
if wait_for 300 registered_is 2; then pass registered; else fail registered; fi
check pool-full wait_for 300 pool_free_is 0
cbps shares
check bounded [ "$(total 'shared frames')" -le 512 ]
# The scanner offers no new shared frame while the pool is full (a
# commit that raced the last free frame is refused: "pool full"); joins
# of frames already shared go on.
sleep 10
check stays-bounded [ "$(total 'shared frames')" -le 512 ]
xl debug-keys B
xl dmesg | grep "commits refused" | tail -n 1
signal_guests g1 g2
wait_for 300 done_marked
cbps shares
check pool-refilled wait_for 60 pool_free_is 512
check no-shares-left [ "$(total 'shared frames')" = 0 ]
dump_guest_log g1
dump_guest_log g2
xl destroy g1
xl destroy g2
if wait_for 120 guests_gone; then pass guests-exited; else fail guests-exited; fi
