# make eval's guest helpers, sourced by the eval-*.sh guest scripts (this
# file is not a scenario).  Lines for dom0's report start with "EVAL ".

# cs_load: insmod cs.ko, with anon=1 when the kernel command line says
# cbps_anon=1.
cs_load() {
	if [ "$(arg cbps_anon)" = 1 ]; then
		check insmod insmod /cbps/cs.ko anon=1
	else
		check insmod insmod /cbps/cs.ko
	fi
}

uptime_s() { cut -d' ' -f1 /proc/uptime; }
# elapsed T0: seconds since uptime T0, two decimals.
elapsed() { awk -v t0="$1" '{ printf "%.2f", $1 - t0 }' /proc/uptime; }

# workload: the same program set in every guest, run from the busybox
# image; its outputs (about 12 MiB) stay in /tmp/w (tmpfs) until the next
# run.  Make a data set (awk, seeded), sort it, compress and uncompress
# it, pack the image's files, fork and exec 100 programs, list and hash
# every file.  About 30 s in a guest under QEMU TCG.
workload() {
	rm -rf /tmp/w
	mkdir -p /tmp/w
	awk 'BEGIN { srand(7); for (i = 0; i < 60000; i++)
		printf "%d %d %s\n", i, int(rand() * 1000000000),
			substr("abcdefghijklmnopqrstuvwxyz", 1 + int(rand() * 20), 6) }' \
		>/tmp/w/set
	sort -n -k 2 /tmp/w/set >/tmp/w/sorted
	gzip -1 -c /tmp/w/sorted >/tmp/w/sorted.gz
	gunzip -c /tmp/w/sorted.gz | md5sum >/tmp/w/sum
	tar -cf /tmp/w/image.tar /bin/busybox /cbps 2>/dev/null
	_i=0
	while [ $_i -lt $((_lines / 600)) ]; do
		/bin/true
		_i=$((_i + 1))
	done
	find / -xdev -type f 2>/dev/null | grep -v '^/tmp/w/' | sort >/tmp/w/files
	xargs md5sum </tmp/w/files >/tmp/w/sums 2>/dev/null
}

# timed_workload N [LINES]: run it, print "EVAL run n=N secs=S".
timed_workload() {
	_t0=$(uptime_s)
	workload "${2:-}"
	echo "EVAL run n=$1 secs=$(elapsed "$_t0") lines=${2:-60000}"
}

forever() { while :; do sleep 3600; done; }
