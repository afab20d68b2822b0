# The live census against an offline recount of memory dumps, on three
# quiet guests: g1 and g2 boot the same kernel and image; g3 boots another
# Debian 6.1 kernel build (when the archive has one) and an image that
# fills 16 MiB with random bytes at boot, which no other guest has.  Xen: cbps=on,rate=50000,interval=0.
#
# expect: dom0/registered dom0/cycles-after-boot dom0/census-shown
# expect: dom0/dumped dom0/recount-ran dom0/next-cycle
# expect: dom0/pair-shares dom0/odd-shares-less dom0/odd-blob-unique
# expect: dom0/agree-g1 dom0/agree-g2 dom0/agree-g3 dom0/guests-exited
# expect: g1/insmod g1/released g2/insmod g2/released g3/insmod g3/released


start_guest g1 idle
start_guest g2 idle
kernel=/guest/vmlinux-odd.gz
ramdisk=/guest/domU-odd.cpio.gz
start_guest g3 idle
kernel=
ramdisk=
if wait_for 180 registered_is 3; then pass registered; else fail registered; fi
d1=$(domid g1)
d2=$(domid g2)
d3=$(domid g3)

# Two whole cycles after every guest registered: by then every frame was
# hashed twice, so the stable rule no longer holds back quiet frames.
c0=$(cycle)
c0=${c0:-0}
if wait_for 900 cycle_ge $((c0 + 3)); then
	pass cycles-after-boot
else
	fail cycles-after-boot "at cycle $(cycle), wanted $((c0 + 3))"
fi
cbps scan
check census-shown sh -c 'cbps census | tee /tmp/live1'

ok=1
for g in g1 g2 g3; do
	xl dump-core $g /tmp/$g.core || ok=0
done
check dumped [ $ok = 1 ]
check recount-ran sh -c "cbps-recount $d1=/tmp/g1.core $d2=/tmp/g2.core \
	$d3=/tmp/g3.core | tee /tmp/recount"
rm -f /tmp/*.core

c1=$(cycle)
check next-cycle wait_for 600 cycle_ge $((c1 + 1))
cbps census | tee /tmp/live

# col FILE DOMID COLUMN: one number from a census table.
col() {
	awk -v d="$2" -v c="$3" '
		$1 == "DOMID" { for (i = 1; i <= NF; i++) n[$i] = i; next }
		$1 == d { print $n[c] }' "$1"
}

# The identical pair has much in common; the odd guest less.
s1=$(col /tmp/live $d1 SHARED)
s2=$(col /tmp/live $d2 SHARED)
s3=$(col /tmp/live $d3 SHARED)
check pair-shares [ "${s1:-0}" -ge 1000 -a "${s2:-0}" -ge 1000 ]
if cmp -s /guest/vmlinux.gz /guest/vmlinux-odd.gz; then
	# No second kernel in the archive: only the image differs.
	check odd-shares-less [ "${s3:-0}" -lt "$s1" -a "${s3:-0}" -lt "$s2" ]
else
	# Another kernel build: few contents in common with the pair.
	check odd-shares-less [ $((${s3:-0} * 4)) -lt "$s1" -a \
		$((${s3:-0} * 4)) -lt "$s2" ]
fi
# Its 16 MiB (4096 frames) of its own content shows up as unique.
u1=$(col /tmp/live $d1 UNIQUE)
u3=$(col /tmp/live $d3 UNIQUE)
check odd-blob-unique [ "${u3:-0}" -ge $((${u1:-0} + 4000)) ]

# Live against recount, per guest.  The recount sees every frame; the
# live census leaves out page tables and special frames, and holds back
# frames that changed (unstable, uncompared).  Tolerance: those frames,
# plus 2% of the recount's figure.
agree() {
	awk -v d="$1" '
		FNR == 1 { f++ }
		$1 == "DOMID" { for (i = 1; i <= NF; i++) n[f, $i] = i; next }
		$1 != d { next }
		f == 1 { for (k in n) if (k ~ /^1/) { split(k, p, SUBSEP);
			live[p[2]] = $(n[1, p[2]]) } }
		f == 2 { for (k in n) if (k ~ /^2/) { split(k, p, SUBSEP);
			rec[p[2]] = $(n[2, p[2]]) } }
		END {
			held = live["UNSTABLE"] + live["UNCMP"] + live["PGTABLE"] + \
			       live["SKIPPED"]
			bad = 0
			split("SHARED SELF_DUP", cols, " ")
			for (i in cols) {
				c = cols[i]; diff = live[c] - rec[c]
				if (diff < 0) diff = -diff
				tol = held + int(rec[c] * 0.02)
				printf "d%s %s: live %d recount %d diff %d tolerance %d\n",
					d, c, live[c], rec[c], diff, tol
				if (diff > tol) bad = 1
			}
			exit bad
		}' /tmp/live /tmp/recount
}
check agree-g1 agree $d1
check agree-g2 agree $d2
check agree-g3 agree $d3

for g in g1 g2 g3; do
	cbps post "$(domid $g)" 1 >/dev/null
done
if wait_for 300 guests_gone; then pass guests-exited; else fail guests-exited; fi
for g in g1 g2 g3; do
	dump_guest_log $g
done
