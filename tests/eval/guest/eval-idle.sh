# make eval, an idle guest (dom0: scenarios/eval-idle.sh and others):
# load cs.ko (with anon=1 when the kernel command line says
# cbps_anon=1), say so, and stay idle until dom0 destroys the guest.
if [ "$(arg cbps_anon)" = 1 ]; then
	check insmod insmod /cbps/cs.ko anon=1
else
	check insmod insmod /cbps/cs.ko
fi
echo "CBPS-EVAL-READY $(awk '/MemTotal|MemFree/ { printf "%s %s ", $1, $2 }' /proc/meminfo)"
while :; do sleep 3600; done
