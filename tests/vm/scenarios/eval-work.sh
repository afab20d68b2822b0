# make eval, sharing experiment 2 (thesis §7.2.2, Figure 7.2): three
# identical guests (128 MiB, busybox image, cs.ko anon=1) keep the same
# 8 MiB anonymous heap (cbps-anonheap) and, once all three are up, run the
# same workload at once (tests/eval/guest/eval-lib.sh: make, sort,
# compress and hash
# a data set, pack files, fork and exec, hash every file).  Once all
# three are done and the saving has settled, g1 times copy-on-write breaks
# and reports the commit times it traced; then every guest is isolated
# and the census gives the potential.
# Xen: cbps=on,rate=50000,interval=0,share=on,ungrouped=share.
EVAL_NAME=eval-work
. /scenarios/eval-lib.sh

guests="g1 g2 g3"
sampler_start 5
phase workload
for g in $guests; do
	tr=0
	[ $g = g1 ] && tr=1
	eval_guest $g eval-work 128 domU-eval.cpio.gz cbps_role=work \
		cbps_anon=1 cbps_trace=$tr
done
wait_for 300 registered_is 3 || fail registered "$(nr_registered) of 3"
wait_for 300 all_marked CBPS-EVAL-READY $guests || fail ready "not ready"
signal_guests $guests
event "workloads started"
for g in $guests; do
	wait_for 600 marked $g CBPS-EVAL-WORKLOAD-DONE ||
		fail workload "$g did not finish its workload"
	event "$g workload done"
done
phase settle
settle 30 240 || event "not settled: saving still growing"
census_line 3-guests
phase cowbench
signal_guests g1
wait_for 300 marked g1 CBPS-EVAL-COW-DONE || fail cowbench "no CoW figures"
signal_guests g1
wait_for 300 marked g1 CBPS-EVAL-TRACE-DONE || fail trace "no commit figures"
phase isolated
isolate $guests
census_line potential
sampler_stop
for g in $guests; do
	dump_guest_log $g | grep -e '^\[g.\] EVAL' -e CBPS-RESULT
done
destroy_all $guests
