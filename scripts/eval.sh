#!/bin/bash
# make eval: the evaluation of issue 7, from one run on this machine.
#  1. the eval VM images (tests/eval/mkimages.sh: make images' images plus
#     the eval scripts and a Debian minbase userland fetched from Debian's
#     archive);
#  2. one VM boot per experiment (tests/vm/scenarios/eval-*.sh, through
#     tests/vm/vmtest.py, one VM at a time), serial logs copied to
#     build/eval/logs/;
#  3. the report (tests/eval/report.py): data in build/eval/*.tsv and
#     results.json, plots in docs/eval/*.png (gnuplot), docs/EVALUATION.md.
# A failed experiment is retried once and otherwise reported as missing;
# the report is written from whatever ran.  EVAL_ONLY="eval-idle ..."
# runs only those (the others' logs are reused when build/eval/logs has
# them); EVAL_REPORT_ONLY=1 only writes the report again.
set -euo pipefail
. "$(dirname "$0")/common.sh"
cd "$CBPS_ROOT"

t_start=$(date +%s)
ev="$BUILD/eval"
mkdir -p "$ev/logs" docs/eval
command -v gnuplot >/dev/null || die "gnuplot missing (scripts/setup-host.sh installs gnuplot-nox)"

all="eval-idle eval-work eval-userland eval-random eval-memsize eval-overhead eval-plain"
only=${EVAL_ONLY:-$all}

if [ -z "${EVAL_REPORT_ONLY:-}" ]; then
	tests/eval/mkimages.sh
	[ -n "${EVAL_ONLY:-}" ] || rm -f "$ev"/logs/*.log "$ev"/logs/*.out "$ev/runs.txt"
	for s in $only; do
		echo "== $s ($(date +%H:%M:%S))"
		t0=$(date +%s)
		set +e
		python3 tests/vm/vmtest.py --show --retries 1 --timeout 1500 "$s" |
			tee "$ev/logs/$s.out"
		rc=${PIPESTATUS[0]}
		set -e
		# The last attempt's log: "PASS NAME: ... (LOG)" or "FAIL ... log LOG]".
		vlog=$(sed -n -e 's/^PASS [^(]*(\(\/.*\.log\))$/\1/p' \
			-e 's/^FAIL .*, log \(\/[^]]*\.log\)\]$/\1/p' "$ev/logs/$s.out" |
			tail -n 1)
		verdict=$(grep -E '^(PASS|FAIL) ' "$ev/logs/$s.out" | tail -n 1 | cut -c1-200)
		if [ -n "$vlog" ] && [ -f "$vlog" ]; then
			cp "$vlog" "$ev/logs/$s.log"
		fi
		sed -i "/^$s: /d" "$ev/runs.txt" 2>/dev/null || true
		echo "$s: rc=$rc secs=$(($(date +%s) - t0)) verdict=$verdict" >>"$ev/runs.txt"
	done
fi

# What the report says about where and when it ran.
{
	echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "commit: $(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
	echo "dirty: $(git status --porcelain 2>/dev/null | grep -v '^??' | wc -l) modified tracked files, $(git status --porcelain 2>/dev/null | grep -c '^??') untracked"
	echo "host: $(uname -srm)"
	echo "cpu: $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1), $(nproc) cores"
	echo "ram: $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
	echo "qemu: $(qemu-system-x86_64 --version | head -n 1)"
	echo "qemu_cpu: ${CBPS_QEMU_CPU:-qemu64}, accel ${CBPS_QEMU_ACCEL:-tcg}, 2 vCPUs"
	echo "guest_kernel: $(cat "$BUILD/kver")"
	for i in busybox:domU-eval debian:domU-deb; do
		echo "img_${i%%:*}: $(zcat "$BUILD/eval/img/${i#*:}.cpio.gz" 2>/dev/null |
			wc -c | awk '{ printf "%.1f MiB", $1 / 1048576 }')"
	done
	echo "gnuplot: $(gnuplot --version)"
	echo "load_at_end: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "other_vms_at_end: $(pgrep -c qemu-system || true)"
	echo "eval_secs: $(($(date +%s) - t_start))"
	echo "eval_only: $only"
} >"$ev/meta.txt"
cp "$BUILD/eval/img/debian-userland.manifest" "$ev/debian-userland.manifest" 2>/dev/null || true

python3 tests/eval/report.py --eval-dir "$ev" --docs docs
log "make eval: $(($(date +%s) - t_start)) s; docs/EVALUATION.md and docs/eval/*.png written"
