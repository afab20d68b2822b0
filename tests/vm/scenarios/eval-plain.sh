# make eval, overhead baseline: Xen booted without cbps (plain), the same
# two guests as eval-overhead: g2 runs the workload (30000 lines) once,
# then g1 runs it three times, 10 s apart (tests/eval/guest/eval-work.sh,
# role plain).
EVAL_NAME=eval-plain
. /scenarios/eval-lib.sh

event "xen: $(xl info | sed -n 's/^xen_commandline *: //p')"
eval_guest g2 eval-work 128 domU-eval.cpio.gz cbps_role=partner \
	cbps_lines=30000
wait_for 600 marked g2 CBPS-EVAL-WORKLOAD-DONE || fail partner "g2 did not run"
eval_guest g1 eval-work 128 domU-eval.cpio.gz cbps_role=plain \
	cbps_runs=3 cbps_lines=30000
wait_for 900 marked g1 CBPS-EVAL-PLAIN-DONE || fail runs "g1 did not finish"
for g in g1 g2; do
	dump_guest_log $g | grep -e '^\[g.\] EVAL' -e CBPS-RESULT
done
destroy_all g1 g2
