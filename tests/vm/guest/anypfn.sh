# Page cache shared at any pfn (dom0: scenarios/anypfn.sh).  Every guest
# runs the same programs over the same files, then, each time dom0
# posts, prints the eligible census: "CBPS-HASH KIND HASH MFN PFN" for each
# page cs.ko could share (kernel image; page cache of every file that
# is not mapped into user space).  dom0 joins the guests' lines.

check insmod insmod /cbps/cs.ko
# The workload: the same data set made by the same program, sorted,
# summed; the image's files read.
awk 'BEGIN { srand(7); for (i = 0; i < 100000; i++)
	printf "%d %d\n", i, int(rand() * 1000000000) }' >/tmp/set
sort -n -k 2 /tmp/set >/tmp/sorted
cat /bin/busybox >/tmp/busybox.copy
find / -xdev -type f | sort >/tmp/files
md5sum /tmp/set /tmp/sorted /tmp/busybox.copy /cbps/data /cbps/data2 \
	>/tmp/sums
echo "CBPS-WORKLOAD-DONE $(wc -l </tmp/files) files"

dump() {
	echo "CBPS-HASHES-BEGIN $1"
	probe "hashes image" | sed 's/^/CBPS-HASH image /'
	for f in $(cat /tmp/files) /tmp/set /tmp/sorted /tmp/busybox.copy \
		/tmp/sums; do
		probe "hashes $f" 2>/dev/null
	done | sed 's/^/CBPS-HASH cache /'
	echo "CBPS-HASHES-END $1"
}
step 1
dump 1
step 2
dump 2
# Sharing never changed a byte the guest reads.
check files-intact md5sum -c -s /tmp/sums
check data-intact sh -c 'cat /tmp/files | xargs cat >/dev/null'
grep -e shared_now -e committed -e declined -e intra_dups /proc/cbps
# dom0 migrates g3 (live, to this host) meanwhile.
step 3
check files-intact-end md5sum -c -s /tmp/sums
grep -e shared_now -e committed /proc/cbps
echo CBPS-ANYPFN-DONE
