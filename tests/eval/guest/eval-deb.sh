# make eval, a guest with a Debian userland (dom0: scenarios/eval-userland.sh):
# the busybox image plus Debian bookworm's minbase programs and libraries
# in /debian (tests/eval/debian-userland.sh), all of it in the page cache
# of the initramfs.  It loads cs.ko, runs a set of Debian's programs once
# (chroot /debian), and stays idle.
. /cbps/scenarios/eval-lib.sh
cs_load
r=/debian
mount -t proc proc $r/proc
mount -o bind /dev $r/dev
t0=$(uptime_s)
LANG=C LC_ALL=C PATH=/usr/sbin:/usr/bin:/sbin:/bin chroot $r /bin/bash -c '
	ls -lR /usr /etc >/tmp/ls.txt 2>/dev/null
	sort -k5 -n /tmp/ls.txt | tail -n 2
	wc -l /tmp/ls.txt
	perl -e "my %h; \$h{\$_}++ for split //, q(debian); print join(q(,), sort keys %h), qq(\n)"
	dpkg --version | head -n 1
	apt-get --version | head -n 1
	bash --version | head -n 1
	find /usr/lib -name "*.so*" -type f | xargs md5sum >/tmp/libsums
	tar -cf - /usr/bin 2>/dev/null | gzip -1 | wc -c
	grep -r -c root /etc 2>/dev/null | tail -n 1
	df -k / | tail -n 1
' >/tmp/deb.out 2>&1
rc=$?
sed 's/^/debian: /' /tmp/deb.out
dmesg | grep -i initramfs | sed 's/^/debian: /'
echo "EVAL deb-programs rc=$rc secs=$(elapsed "$t0")"
echo "CBPS-EVAL-READY $(awk '/MemTotal|MemFree/ { printf "%s %s ", $1, $2 }' /proc/meminfo)"
forever
