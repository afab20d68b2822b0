# make eval's dom0 helpers, sourced by the eval-*.sh scenarios (this file
# is not a scenario).  Every measurement is a line the host's report
# script (tests/eval/report.py) parses from the serial log:
#   EVAL s t=SECONDS phase=NAME key=value ...   a sample (sample())
#   EVAL event t=SECONDS what=WORDS             something was done
#   EVAL census t=SECONDS tag=TAG key=value ... the census at a point
#   EVAL result key=value ...                   a figure of the experiment
# Lines for the person watching `make eval` start with "BENCH| " (vmtest.py
# --show prints them live).  t is seconds since the scenario started, on
# dom0's clock (Xen's time: under QEMU TCG it is the host's wall clock).

EVAL_T0=$(cut -d' ' -f1 /proc/uptime)
now() { awk -v t0="$EVAL_T0" '{ printf "%.1f", $1 - t0 }' /proc/uptime; }
say() { echo "BENCH| $EVAL_NAME $(now)s: $*"; }
event() {
	echo "EVAL event t=$(now) what=$*"
	say "$*"
}
phase() {
	echo "$1" >/tmp/eval.phase
	echo "EVAL event t=$(now) what=phase $1"
	say "phase $1"
}
echo idle >/tmp/eval.phase

# eval_guest NAME TEST MEM_MIB IMAGE [KERNEL ARGS...]: a PV guest of
# MEM_MIB running guest scenario TEST from ramdisk /guest/IMAGE
# (start_guest, lib.sh, with its ramdisk and memory set for this one).
eval_guest() {
	_m=$3
	_i=$4
	_g=$1
	_s=$2
	shift 4
	ramdisk=/guest/$_i
	memory=$_m
	start_guest "$_g" "$_s" "$@"
	ramdisk=
	memory=
	event "started $_g ($_m MiB, $_i, $_s) as domain $(domid "$_g")"
}

# marked GUEST PATTERN: the guest's console has a line matching PATTERN.
marked() { tr -d '\r' <"/var/log/xen/console/guest-$1.log" | grep -q -- "$2"; }
all_marked() {
	_p=$1
	shift
	for _g in "$@"; do marked "$_g" "$_p" || return 1; done
}

# sample [xl]: one EVAL s line from cbps shares, cbps census, cbps scan
# (and xl info's free memory with "xl": xl is slow under TCG).
# held=DOMID:FRAMES,... is what each guest holds.
sample() {
	cbps shares >/tmp/e.shares 2>/dev/null
	cbps census >/tmp/e.census 2>/dev/null
	cbps scan >/tmp/e.scan 2>/dev/null
	if [ "$1" = xl ]; then
		xl info >/tmp/e.info 2>/dev/null
	else
		: >/tmp/e.info
	fi
	awk -v t="$(now)" -v ph="$(cat /tmp/eval.phase)" '
	function num(s) { gsub(/[^0-9]/, "", s); return s + 0 }
	FILENAME ~ /shares$/ {
		if ($1 == "DOMID") next
		if ($1 ~ /^[0-9]+$/) { held = held sep $1 ":" $2; sep = ","; ng++ }
		if ($0 ~ /^shared frames:/) v["frames"] = $3
		if ($0 ~ /^holders:/) v["holders"] = $2
		if ($0 ~ /^held as:/) {
			split($0, a, /[:,]/)
			v["anon"] = num(a[2]); v["cache"] = num(a[3])
			v["image"] = num(a[4]); v["other"] = num(a[5])
		}
		if ($0 ~ /^frames saved:/) v["saved"] = $3
		if ($0 ~ /^cow breaks:/) v["cow"] = $3
		if ($0 ~ /^takebacks:/) v["takebacks"] = $2
		if ($0 ~ /^pool:/) { v["pool"] = $2; v["pool_free"] = $4 }
		next
	}
	FILENAME ~ /census$/ {
		if ($0 ~ /^census of scan cycle/) v["cycle"] = $5
		if ($1 == "total") {
			v["scanned"] = $2; v["zero"] = $3; v["unstable"] = $4
			v["uncmp"] = $5; v["unique"] = $6; v["self_dup"] = $7
			v["cshared"] = $8; v["pgtable"] = $9; v["skipped"] = $10
		}
		if ($0 ~ /^sharing within guests/) {
			v["intra"] = $6; v["inter"] = $10
		}
		next
	}
	FILENAME ~ /scan$/ {
		if ($1 == "content" && $2 == "index:") {
			v["ix_entries"] = $3; v["ix_kib"] = $5
		}
		if ($1 == "cycles:") {
			v["cycles"] = num($2); v["passes"] = num($4)
			v["splits"] = num($7)
		}
		if ($1 == "frames" && $2 == "hashed:") v["hashed"] = $3
		if ($1 == "time" && $2 == "scanning:") v["scan_ms"] = $3
		next
	}
	FILENAME ~ /info$/ {
		if ($1 == "free_memory") v["free_mib"] = $3
		if ($1 == "total_memory") v["total_mib"] = $3
	}
	END {
		n = split("frames holders saved anon cache image other cow " \
			"takebacks pool pool_free cycle scanned zero unstable uncmp " \
			"unique self_dup cshared pgtable skipped intra inter " \
			"ix_entries ix_kib cycles passes splits hashed scan_ms " \
			"free_mib total_mib", k, " ")
		line = "EVAL s t=" t " phase=" ph " guests=" ng + 0
		for (i = 1; i <= n; i++)
			line = line " " k[i] "=" (k[i] in v ? v[k[i]] : "NA")
		print line " held=" (held == "" ? "-" : held)
	}' /tmp/e.shares /tmp/e.census /tmp/e.scan /tmp/e.info
}

# sampler_start SECONDS: a sample every SECONDS until sampler_stop.
sampler_start() {
	rm -f /tmp/eval.stop
	(
		while [ ! -f /tmp/eval.stop ]; do
			sample
			sleep "$1"
		done
	) &
	EVAL_SAMPLER=$!
}
sampler_stop() {
	touch /tmp/eval.stop
	wait "$EVAL_SAMPLER" 2>/dev/null
	sample xl
}

# census_line TAG: the census now, per guest and in total, and a sample
# with Xen's free memory.
census_line() {
	sample xl
	cbps census | awk -v t="$(now)" -v tag="$1" '
		/^census of scan cycle/ { cyc = $5 }
		$1 ~ /^[0-9]+$/ || $1 == "total" {
			printf "EVAL census t=%s tag=%s cycle=%s dom=%s scanned=%s" \
			       " zero=%s unstable=%s uncmp=%s unique=%s self_dup=%s" \
			       " shared=%s pgtable=%s skipped=%s\n", t, tag, cyc, $1,
			       $2, $3, $4, $5, $6, $7, $8, $9, $10
		}
		/^sharing within guests/ {
			printf "EVAL census t=%s tag=%s cycle=%s dom=potential" \
			       " intra=%s inter=%s\n", t, tag, cyc, $6, $10
		}'
}

# scan_val NAME: a counter of cbps scan's ("frames hashed", "time scanning").
scan_val() { cbps scan | sed -n "s/^$1: \([0-9]*\).*/\1/p"; }
cycles_done() { cbps scan | sed -n 's/^cycles: \([0-9]*\),.*/\1/p'; }
cycles_ge() { [ "$(cycles_done)" -ge "$1" ] 2>/dev/null; }
shared_frames() { total 'shared frames'; }

# settle MIN MAX [TAG]: wait until the saving has settled: at least MIN
# seconds and three whole scan cycles, and over the last three cycles
# the frames saved grew by at most 16 or 0.5%.  Gives up after MAX
# seconds (returns 1).  With TAG, the scanner's counters over those last
# cycles are printed as window TAG (EVAL win; its edges are seen within
# a poll, 3 s, of a cycle's end).
settle() {
	_t0=$(cut -d. -f1 /proc/uptime)
	_c0=$(cycles_done)
	_bc=$_c0
	_bs=$(total 'frames saved')
	_ws=$(window start "${3:-}")
	while :; do
		sleep 3
		wait_hook
		_t=$(cut -d. -f1 /proc/uptime)
		_c=$(cycles_done)
		[ $((_t - _t0)) -ge "$2" ] && return 1
		[ "$_c" -ge $((_bc + 3)) ] || continue
		_s=$(total 'frames saved')
		_g=$((_s - _bs))
		if [ $((_t - _t0)) -ge "$1" ] && [ "$_c" -ge $((_c0 + 3)) ] &&
			[ "$_g" -le 16 -o $((_g * 200)) -le "$_s" ]; then
			if [ -n "${3:-}" ]; then
				echo "$_ws"
				window end "$3"
			fi
			return 0
		fi
		_bc=$_c
		_bs=$_s
		_ws=$(window start "${3:-}")
	done
}

# window EDGE TAG: the scanner's counters at the start or end of a
# measuring window (the report takes the differences).
window() {
	cbps scan | awk -v t="$(now)" -v e="$1" -v tag="$2" '
		function num(s) { gsub(/[^0-9]/, "", s); return s + 0 }
		$1 == "cycles:" { c = num($2); p = num($4) }
		$1 == "frames" && $2 == "hashed:" { h = $3 }
		$1 == "time" && $2 == "scanning:" { ms = $3 }
		$1 == "content" { ix = $3; kib = $5 }
		END { printf "EVAL win t=%s tag=%s edge=%s cycles=%s passes=%s" \
		      " hashed=%s scan_ms=%s ix_entries=%s ix_kib=%s\n", t, tag, e,
		      c, p, h, ms, ix, kib }'
}

# isolate GUEST...: each guest in a sharing group of its own, so that
# Xen gives every holder its own copy; then two whole scan cycles, after
# which the census counts what sharing could save (the potential).
EVAL_GROUP=100
isolate() {
	for _g in "$@"; do
		EVAL_GROUP=$((EVAL_GROUP + 1))
		set_group "$_g" "$EVAL_GROUP"
	done
	wait_for 120 nothing_shared
	_c=$(cycles_done)
	wait_for 600 cycles_ge $((_c + 3))
}
nothing_shared() { [ "$(total 'shared frames')" = 0 ]; }
# set_group GUEST N: move it (again while Xen says it still holds frames
# of its old group).  Group 0: none (with ungrouped=share, share with
# every other ungrouped guest).
set_group() {
	_k=0
	until cbps group "$(domid "$1")" "$2" >/dev/null 2>&1; do
		_k=$((_k + 1))
		[ $_k -gt 60 ] && { fail group "cannot move $1 to group $2"; return 1; }
		sleep 1
	done
}
# ungroup GUEST...: back to no group, where they share with each other.
ungroup() {
	for _g in "$@"; do set_group "$_g" 0; done
}

destroy_all() {
	for _g in "$@"; do xl destroy "$_g" 2>/dev/null; done
	wait_for 120 guests_gone
}
