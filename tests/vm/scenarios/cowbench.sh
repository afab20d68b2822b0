# make bench-cow, VM part: two identical guests share frames at the same
# pfn; then g1 times copy-on-write breaks of shared frames and the native
# anonymous CoW fault (guest/cowbench.sh).  Timings under QEMU TCG are
# not those of hardware: the ratio is the figure.
#
# expect: dom0/registered dom0/sharing g1/insmod g1/measured g2/insmod

signal() { signal_guests g1 g2; }

start_guest g1 cowbench cbps_role=bench
start_guest g2 cowbench cbps_role=hold
if wait_for 300 registered_is 2; then pass registered; else fail registered; fi
check sharing wait_for 240 saved_ge 1000
signal
wait_for 300 grep -q CBPS-BENCH-DONE /var/log/xen/console/guest-g1.log
cbps shares
signal
dump_guest_log g1
dump_guest_log g2
for g in g1 g2; do xl destroy $g; done
wait_for 120 guests_gone
