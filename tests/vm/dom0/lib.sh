# dom0 helpers for scenario scripts; sourced by /init after common.sh.
. /scenarios/common.sh

# start_guest NAME TEST [KERNEL ARGS...]: create a PV guest that runs the
# guest scenario TEST, from $kernel and $ramdisk, with $memory MiB and
# $vcpus vCPUs if set (default 128 and 1).  An xl failure is the toolstack's, not cbps's.  Guests are created
# one at a time: parallel xl creates made dom0 programs crash more often
# under TCG.
start_guest() {
	_n=$1
	_t=$2
	shift 2
	cat >"/tmp/$_n.cfg" <<EOC
name="$_n"
type="pv"
kernel="${kernel:-/guest/vmlinux.gz}"
ramdisk="${ramdisk:-/guest/domU.cpio.gz}"
memory=${memory:-128}
vcpus=${vcpus:-1}
extra="console=hvc0 cbps_test=$_t $*"
on_poweroff="destroy"
on_reboot="destroy"
on_crash="destroy"
EOC
	xl create -q "/tmp/$_n.cfg" >"/tmp/$_n.create.log" 2>&1
	_rc=$?
	if [ $_rc != 0 ]; then
		sed "s/^/[xl] /" "/tmp/$_n.create.log"
		infra "xl create $_n failed (exit $_rc)"
	fi
}

domid() { xl domid "$1" 2>/dev/null; }
guest_gone() { ! xl domid "$1" >/dev/null 2>&1; }

# dom_stat DOMID COLUMN: one value from 'cbps list'.
dom_stat() {
	cbps list | awk -v d="$1" -v c="$2" '
		NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		$1 == d { print $col[c] }'
}

# dom_stat_is DOMID COLUMN VALUE
dom_stat_is() { [ "$(dom_stat "$1" "$2")" = "$3" ]; }

nr_registered() {
	cbps status | awk -F'[: ]+' '/^guests registered/ { print $3 }'
}
registered_is() { [ "$(nr_registered)" = "$1" ]; }

# Only Domain-0 left: no guest, and no zombie a leaked reference keeps.
guests_gone() { [ "$(xl list | wc -l)" -le 2 ]; }

# refused_guest WHY: one guest whose insmod must fail (guest/refused.sh
# with cbps_why=WHY); wait for it to end and show its log.
refused_guest() {
	start_guest g1 refused "cbps_why=$1"
	if wait_for 300 guests_gone; then
		pass guests-exited
	else
		fail guests-exited "g1 still running"
	fi
	dump_guest_log g1
}

# Copy a guest's console log into ours, each line tagged with its name.
dump_guest_log() {
	tr -d '\r' <"/var/log/xen/console/guest-$1.log" | sed "s/^/[$1] /"
}

# A dom0 program killed by a fault (the TCG instability of PLATFORM.md)
# can leave a guest undestroyed: stop waiting and say it was not cbps.
# Our own tools (cbps, cbps-recount) crashing is a cbps failure: not here.
wait_hook() {
	dmesg | grep -e ": segfault at " -e "traps: .* general protection" |
		grep -v -e " cbps\[" -e " cbps-recount\[" >/tmp/crashed
	if [ -s /tmp/crashed ]; then
		cat /tmp/crashed
		infra "a dom0 program crashed"
	fi
}

# Sharing scenarios.  free_mib: Xen's free memory; total KEY: one line
# of cbps shares' totals ("frames saved", "cow breaks", ...).
free_mib() { xl info | awk '/^free_memory/ { print $3 }'; }
total() { cbps shares | awk -v k="$1" -F': ' '$1 == k { print $2 + 0 }'; }
saved_ge() { [ "$(total 'frames saved')" -ge "$1" ] 2>/dev/null; }
# Wait until the frames saved stop growing for SECONDS.
saving_settles() {
	_last=0
	while :; do
		_s=$(total 'frames saved')
		[ "$_s" = "$_last" ] && return
		_last=$_s
		sleep "$1"
	done
}
# signal GUEST...: one test entry to each, the guests' "next step".
signal_guests() {
	for _g in "$@"; do
		_d=$(domid "$_g")
		[ -n "$_d" ] && cbps post "$_d" 1 >/dev/null
	done
}
# held DOMID: the shared frames a guest holds now (cbps shares).
held() { cbps shares | awk -v d="$1" '$1 == d { print $2 }'; }
# cycle: the last scan cycle whose census is complete.
cycle() {
	cbps census | sed -n 's/^census of scan cycle \([0-9]*\).*/\1/p'
}
cycle_ge() { [ "$(cycle)" -ge "$1" ] 2>/dev/null; }
