# make eval, sharing experiment 3 (thesis §7.4, Table 7.2): guests with
# different userlands.  g1 is the busybox image, g2 and g3 the busybox
# image plus a Debian bookworm minbase userland (programs and libraries,
# 57 MiB, in the initramfs: tests/eval/guest/eval-deb.sh), which runs a
# set of
# Debian's programs once; all 256 MiB with rootfstype=ramfs (the
# initramfs's default tmpfs may take only half the memory left beside the
# packed image, and 64 MiB did not fit; with 192 MiB a Debian guest ran
# out of memory unpacking it into ramfs).
# Phase 1: g1 and g2 (busybox + Debian): settle, isolate for the
# potential, share again.  Phase 2: g3 (a second Debian guest) joins:
# settle, isolate for the potential of all three.
# Xen: cbps=on,rate=50000,interval=0,share=on,ungrouped=share.
EVAL_NAME=eval-userland
. /scenarios/eval-lib.sh

sampler_start 5
phase busybox+debian
eval_guest g1 eval-idle 256 domU-eval.cpio.gz rootfstype=ramfs
eval_guest g2 eval-deb 256 domU-deb.cpio.gz rootfstype=ramfs
wait_for 120 registered_is 2 || fail registered "$(nr_registered) of 2"
wait_for 300 marked g2 CBPS-EVAL-READY || {
	fail ready "g2 not ready"
	xl list
	dump_guest_log g2 | tail -n 60
}
event "g2 ran its Debian programs"
settle 20 180 || event "not settled: saving still growing"
census_line busybox+debian
phase isolated-1
isolate g1 g2
census_line potential-1
ungroup g1 g2
phase +debian
eval_guest g3 eval-deb 256 domU-deb.cpio.gz rootfstype=ramfs
wait_for 300 registered_is 3 || fail registered "$(nr_registered) of 3"
wait_for 300 marked g3 CBPS-EVAL-READY || {
	fail ready "g3 not ready"
	dump_guest_log g3 | tail -n 60
}
event "g3 ran its Debian programs"
settle 20 180 || event "not settled: saving still growing"
census_line busybox+2debian
phase isolated-2
isolate g1 g2 g3
census_line potential-2
sampler_stop
for g in g2 g3; do
	dump_guest_log $g | grep -e '^\[g.\] EVAL' -e '^\[g.\] debian:' -e CBPS-RESULT
done
destroy_all g1 g2 g3
