# make eval, the worst case (dom0: scenarios/eval-random.sh): 48 MiB of
# random bytes in tmpfs, nothing like any other guest's, and an 8 MiB file
# of which 256 KiB at a random place is rewritten with random bytes every
# second (frames that never hold still).
. /cbps/scenarios/eval-lib.sh
cs_load
t0=$(uptime_s)
dd if=/dev/urandom of=/tmp/rand bs=1M count=48 2>/dev/null
dd if=/dev/urandom of=/tmp/churn bs=1M count=8 2>/dev/null
echo "EVAL random-fill secs=$(elapsed "$t0")"
echo "CBPS-EVAL-READY $(awk '/MemTotal|MemFree/ { printf "%s %s ", $1, $2 }' /proc/meminfo)"
while :; do
	dd if=/dev/urandom of=/tmp/churn bs=64k count=4 seek=$((RANDOM % 124)) \
		conv=notrunc 2>/dev/null
	sleep 1
done
