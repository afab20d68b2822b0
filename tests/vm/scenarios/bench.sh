# make bench-scanner, VM part: the scanner's cost and what the stable rule
# saves, on three quiet guests.  Prints BENCH| lines; timings under QEMU
# TCG are not those of hardware, only the ratios mean something.
#
# expect: dom0/registered dom0/first-cycle dom0/measured

show() { echo "BENCH| $*"; }
scan_val() { cbps scan | sed -n "s/^$1: \([0-9]*\).*/\1/p"; }
cycles() { cbps scan | sed -n 's/^cycles: \([0-9]*\),.*/\1/p'; }
cycles_ge() { [ "$(cycles)" -ge "$1" ] 2>/dev/null; }
compares() { cbps scan | sed -n 's/^byte compares: //p'; }

for g in g1 g2 g3; do
	start_guest $g idle
done
if wait_for 180 registered_is 3; then pass registered; else fail registered; fi
check first-cycle wait_for 900 cycles_ge 2

# The scanner's CPU share at the default rate, over one minute.
window=60
ns0=$(cbps scan | sed -n 's/^time scanning: \([0-9]*\) ms/\1/p')
h0=$(scan_val "frames hashed")
sleep $window
ns1=$(cbps scan | sed -n 's/^time scanning: \([0-9]*\) ms/\1/p')
h1=$(scan_val "frames hashed")
show "default rate $(scan_val rate) frames/s, 3 guests of 128 MiB, ${window} s window"
show "frames hashed: $((h1 - h0)) ($(( (h1 - h0) / window )) a second)"
show "time scanning: $((ns1 - ns0)) ms of ${window}000 ms = $(( (ns1 - ns0) * 1000 / (window * 1000) )) per mille of one CPU (TCG)"
show "$(cbps scan | grep 'content index')"

# The stable rule: byte compares, and those that found the sample frame
# changed since it was hashed, over two cycles each way.
ident() { compares | awk '{ print $1 }'; }
changed() { compares | awk '{ print $5 }'; }
for st in on off; do
	cbps scan-set rate=50000 interval=0 stable=$st >/dev/null
	c=$(cycles)
	i0=$(ident)
	x0=$(changed)
	wait_for 900 cycles_ge $((c + 2))
	show "stable=$st: 2 cycles, $(( $(ident) - i0 )) identical compares," \
		"$(( $(changed) - x0 )) found a frame changed since hashed"
	cbps census | grep total | sed "s/^/BENCH| stable=$st census: /"
done
cbps census | grep -e total -e census | sed 's/^/BENCH| /'
pass measured

for g in g1 g2 g3; do
	cbps post "$(domid $g)" 1 >/dev/null
done
wait_for 300 guests_gone
