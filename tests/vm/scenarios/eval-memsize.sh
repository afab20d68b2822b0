# make eval, sharing experiment 4 and scaling (thesis §7.8): pairs of
# identical idle guests (busybox image) of 96 and 256 MiB, one pair after
# another (eval-idle's two-guest phase is the pair of 128 MiB; 64 MiB is
# too small: xl loads the guest kernel's ELF image, 58 MiB, into the
# guest's memory and refuses).  For each: settle (its last three cycles
# are the scanner window, EVAL win: scan time and passes per cycle),
# isolate for the potential, destroy.
# Xen: cbps=on,rate=50000,interval=0,share=on,ungrouped=share.
EVAL_NAME=eval-memsize
. /scenarios/eval-lib.sh

sampler_start 5
for m in 96 256; do
	phase "2x$m"
	eval_guest a$m eval-idle $m domU-eval.cpio.gz
	eval_guest b$m eval-idle $m domU-eval.cpio.gz
	wait_for 300 registered_is 2 || fail registered "$(nr_registered) of 2"
	settle 20 120 "$((2 * m))" ||
		event "not settled: saving still growing"
	census_line "2x$m"
	phase "isolated-2x$m"
	isolate a$m b$m
	census_line "potential-2x$m"
	destroy_all a$m b$m
	wait_for 60 registered_is 0
done
sampler_stop
