# Guest helpers for scenario scripts; sourced by /init after common.sh.
. /cbps/scenarios/common.sh

# stat NAME: one counter from /proc/cbps.
stat() { awk -v k="$1" '$1 == k { print $2 }' /proc/cbps; }
stat_is() { [ "$(stat "$1")" = "$2" ]; }
stat_ge() { [ "$(stat "$1")" -ge "$2" ] 2>/dev/null; }
