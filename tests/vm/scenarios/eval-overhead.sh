# make eval, overhead (thesis §8.1): the same workload
# (tests/eval/guest/eval-lib.sh, at half size: 30000 lines) in g1, timed
# inside the guest, while g2 (which ran it once) idles, in
# three modes of cbps in this one boot, interleaved so that a slow spell
# of the host does not land on one mode only (rounds: off scan share,
# share off scan, scan share off):
#   off    both guests registered, each in a sharing group of its own,
#          nothing shared, the scanner stopped (cbps scan-set rate=0)
#   scan   the same, the scanner on at its default pace (rate=20000,
#          interval=1000): hashing and census only (no offers across
#          groups)
#   share  both in no group (ungrouped=share): scanning and sharing
# Each run starts 10 s after its mode is set.  eval-plain runs the same
# guests with cbps off in Xen.  EVAL win: the scanner's CPU time per run.
# Xen: cbps=on,share=on,ungrouped=share (the default pace).
EVAL_NAME=eval-overhead
. /scenarios/eval-lib.sh

mode() {
	case $1 in
	off)
		set_group g1 201
		set_group g2 202
		wait_for 120 nothing_shared
		cbps scan-set rate=0 >/dev/null
		;;
	scan)
		set_group g1 201
		set_group g2 202
		wait_for 120 nothing_shared
		cbps scan-set rate=20000 interval=1000 >/dev/null
		;;
	share)
		ungroup g1 g2
		cbps scan-set rate=20000 interval=1000 >/dev/null
		;;
	esac
	phase "$1"
}

sampler_start 10
eval_guest g2 eval-work 128 domU-eval.cpio.gz cbps_role=partner \
	cbps_lines=30000
wait_for 600 marked g2 CBPS-EVAL-WORKLOAD-DONE || fail partner "g2 did not run"
eval_guest g1 eval-work 128 domU-eval.cpio.gz cbps_role=runner \
	cbps_lines=30000
wait_for 300 marked g1 CBPS-EVAL-READY || fail runner "g1 not ready"
wait_for 60 registered_is 2 || fail registered "$(nr_registered) of 2"
k=0
for order in "off scan share" "share off scan" "scan share off"; do
	for m in $order; do
		mode $m
		sleep 10
		k=$((k + 1))
		window start "run-$k-$m"
		signal_guests g1
		wait_for 900 marked g1 "CBPS-EVAL-RUN-DONE $k" ||
			fail run "run $k did not end"
		window end "run-$k-$m"
		echo "EVAL mode run=$k mode=$m"
	done
done
sampler_stop
for g in g1 g2; do
	dump_guest_log $g | grep -e '^\[g.\] EVAL' -e CBPS-RESULT
done
destroy_all g1 g2
