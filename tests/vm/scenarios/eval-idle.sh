# make eval, sharing experiment 1 (thesis §7.2.1 and §7.3, Figures 7.1
# and 7.3): identical idle guests (128 MiB, the busybox image) started one
# after another, each next one once the saving has settled, zero frames
# not candidates (zero=off, the default).  Then each guest is put in a
# sharing group of its own: Xen gives every holder its own copy, and two
# whole scan cycles later the live census says what sharing could save
# (the potential the captured saving is compared with).  Then, still
# isolated, zero frames become candidates (cbps scan-set zero=on): one
# cycle later the census gives the potential with zero=on, and the three
# guests share again with it.  The settled stretches (EVAL win) give the
# scan cost with 1, 2, 3 guests.
# Xen: cbps=on,rate=50000,interval=0,share=on,ungrouped=share.
EVAL_NAME=eval-idle
. /scenarios/eval-lib.sh

guests=
sampler_start 5
n=0
for g in g1 g2 g3; do
	n=$((n + 1))
	phase "$n-guests"
	eval_guest $g eval-idle 128 domU-eval.cpio.gz
	guests="$guests $g"
	wait_for 300 registered_is $n || fail registered "$(nr_registered) of $n"
	settle 20 180 "$((n * 128))" ||
		event "not settled: saving still growing"
	census_line "$n-guests"
done
phase isolated
isolate $guests
census_line potential
# Zero frames as candidates, still isolated: the scan cycle under way
# starts over and no frame changed, so the next cycle's census is the
# potential with zero=on.  Then the three share again with zero=on.
phase isolated-zero-on
c=$(cycles_done)
cbps scan-set zero=on >/dev/null
wait_for 600 cycles_ge $((c + 1))
census_line potential-zero
phase zero-on
ungroup $guests
settle 30 120 || event "not settled: saving still growing"
census_line zero-on
sampler_stop
destroy_all $guests
