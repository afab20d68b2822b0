# make eval, the worst case (thesis §7.5): two guests (128 MiB) each fill
# 48 MiB with random bytes and keep rewriting 256 KiB of an 8 MiB random
# file every second (tests/eval/guest/eval-random.sh): no data in common,
# frames that never hold still.  Settle, then isolate for the potential.
# Xen: cbps=on,rate=50000,interval=0,share=on,ungrouped=share.
EVAL_NAME=eval-random
. /scenarios/eval-lib.sh

sampler_start 5
phase random
eval_guest g1 eval-random 128 domU-eval.cpio.gz
eval_guest g2 eval-random 128 domU-eval.cpio.gz
wait_for 300 registered_is 2 || fail registered "$(nr_registered) of 2"
wait_for 300 all_marked CBPS-EVAL-READY g1 g2 || fail ready "guests not ready"
event "random data written"
settle 30 150 random || event "not settled: saving still growing"
census_line random
phase isolated
isolate g1 g2
census_line potential
sampler_stop
for g in g1 g2; do
	dump_guest_log $g | grep -e '^\[g.\] EVAL' -e CBPS-RESULT
done
destroy_all g1 g2
