# Helpers for every scenario script, in dom0 and in guests (busybox sh).
# Results are marker lines the host harness (vmtest.py) reads:
#   CBPS-RESULT: PASS name
#   CBPS-RESULT: FAIL name: why

pass() { echo "CBPS-RESULT: PASS $1"; }

fail() {
	_n=$1
	shift
	echo "CBPS-RESULT: FAIL $_n: $*"
}

# check NAME CMD...: PASS when CMD succeeds, else FAIL with the command.
check() {
	_n=$1
	shift
	if "$@"; then pass "$_n"; else fail "$_n" "'$*' failed"; fi
}

# Run between polls; dom0 replaces it to give up early on a crashed tool.
wait_hook() { :; }

# wait_for SECONDS CMD...: run CMD once a second until it succeeds.
wait_for() {
	_t=$1
	shift
	while [ "$_t" -gt 0 ]; do
		"$@" && return 0
		wait_hook
		sleep 1
		_t=$((_t - 1))
	done
	"$@"
}

# has PATTERN FILE: FILE has a line matching PATTERN.
has() { grep -q -- "$1" "$2"; }
