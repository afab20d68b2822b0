# Guest helpers for scenario scripts; sourced by /init after common.sh.
. /cbps/scenarios/common.sh

# stat NAME: one counter from /proc/cbps.
stat() { awk -v k="$1" '$1 == k { print $2 }' /proc/cbps; }
stat_is() { [ "$(stat "$1")" = "$2" ]; }
stat_ge() { [ "$(stat "$1")" -ge "$2" ] 2>/dev/null; }
# step N: wait until dom0 has posted N test entries (its "next step").
step() { wait_for 900 stat_ge test_entries "$1"; }
# probe CMD: ask /proc/cbps_probe (cs_probe.c lists the commands).
probe() { echo "$1" >/proc/cbps_probe && cat /proc/cbps_probe; }
# kernel_clean: no warning, bad page or bad rss counter in the log.
kernel_clean() {
	! dmesg | grep -E 'WARNING|BUG|Bad page|bad pte|rss-counter|Oops'
}
