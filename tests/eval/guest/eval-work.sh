# make eval, a guest that runs the workload (guest/eval-lib.sh), in the
# role cbps_role= names:
#   work     (eval-work) anon=1, an anonymous heap every guest builds the
#            same (cbps-anonheap hold: 2048 pages), the workload once on
#            dom0's first signal.  With cbps_trace=1, ftrace's
#            function_graph tracer times every call of cs.ko's cs_commit()
#            (the commit hypercall; the image and page-cache paths inline
#            it, so what it times are the anonymous commits); on dom0's
#            second signal the guest times copy-on-write breaks (cs_probe's
#            cowbench: a kernel write to each shared page of .data)
#            against the native anonymous CoW fault, on the third it
#            reports the commit times.
#   partner  (eval-overhead, eval-plain) the workload once, then idle.
#   runner   (eval-overhead) the workload each time dom0 signals (its
#            k-th signal: run k).
#   plain    (eval-plain: cbps off, no cs.ko) the workload cbps_runs=
#            times, 10 s apart.
# cbps_lines= sets the workload's size (default 60000 lines).
. /cbps/scenarios/eval-lib.sh
role=$(arg cbps_role)
lines=$(arg cbps_lines)
t=/sys/kernel/tracing
ksym() { awk -v s="$1" '$3 == s { print $1; exit }' /proc/kallsyms; }

case "$role" in
work)
	cs_load
	if [ "$(arg cbps_trace)" = 1 ]; then
		mount -t tracefs nodev $t 2>/dev/null
		echo 8192 >$t/buffer_size_kb
		echo cs_commit >$t/set_ftrace_filter &&
			echo function_graph >$t/current_tracer &&
			echo 1 >$t/tracing_on ||
			echo "EVAL commit-trace unavailable"
	fi
	/cbps/cbps-anonheap hold 7 2048 >/tmp/hold &
	echo CBPS-EVAL-READY
	step 1
	timed_workload 1 $lines
	echo CBPS-EVAL-WORKLOAD-DONE
	[ "$(arg cbps_trace)" = 1 ] || forever
	step 2
	b0=$(stat cow_breaks)
	set -- $(probe "cowbench $(ksym _sdata) $(ksym _edata)")
	n=${3:-0} ns=${5:-0} bad=${7:-0}
	b=$(($(stat cow_breaks) - b0))
	set -- $(/cbps/cbps-anoncow 1024)
	echo "EVAL cow writes=$n ns=$ns copies=$b mismatches=$bad" \
		"native_faults=${3:-0} native_ns=${5:-0}"
	echo CBPS-EVAL-COW-DONE
	step 3
	echo 0 >$t/tracing_on
	# "  0)  + 12.345 us   |  cs_commit [cs]();": one line per call;
	# the duration is the field before "us |" (nothing else counts).
	sed -n 's/^ *[0-9]*) *[-+!#*@$]* *\([0-9][0-9]*\.[0-9]*\) us *|.*cs_commit.*/\1/p' \
		$t/trace | sort -n >/tmp/commit-us
	echo "EVAL commit-trace lines=$(grep -c cs_commit $t/trace)" \
		"parsed=$(wc -l </tmp/commit-us)"
	awk '{ v[NR] = $1; s += $1 }
		function q(f,  i) { i = int(NR * f) + 1; return v[i > NR ? NR : i] }
		END { if (!NR) { print "EVAL commit n=0"; exit }
		      printf "EVAL commit n=%d mean_us=%.2f median_us=%.2f" \
		             " p10_us=%.2f p90_us=%.2f min_us=%.2f max_us=%.2f\n",
		             NR, s / NR, q(0.5), q(0.1), q(0.9), v[1], v[NR] }' \
		/tmp/commit-us
	grep -e committed -e shared_anon -e rejected /proc/cbps | sed 's/^/EVAL proc /'
	echo CBPS-EVAL-TRACE-DONE
	forever
	;;
partner)
	lsmod | grep -q '^cs ' || insmod /cbps/cs.ko 2>/dev/null
	timed_workload 0 $lines
	echo CBPS-EVAL-WORKLOAD-DONE
	forever
	;;
runner)
	cs_load
	echo CBPS-EVAL-READY
	k=1
	while step $k; do
		timed_workload $k $lines
		echo "CBPS-EVAL-RUN-DONE $k"
		k=$((k + 1))
	done
	;;
plain)
	# cbps is off in Xen: the insmod must fail (it does not matter here).
	insmod /cbps/cs.ko 2>/dev/null && echo "EVAL note cs.ko loaded"
	sleep 10
	k=1
	while [ $k -le "$(arg cbps_runs)" ]; do
		timed_workload $k $lines
		k=$((k + 1))
		sleep 10
	done
	echo CBPS-EVAL-PLAIN-DONE
	forever
	;;
esac
