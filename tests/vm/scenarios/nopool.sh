# cbps=share=on with a pool Xen cannot reserve (1 GiB of a 1 GiB
# machine): one clear boot line, sharing off, cbps itself still on.
# Xen: cbps=on,share=on,pool=1G.
#
# expect: dom0/says-why dom0/no-pool dom0/still-on

xl dmesg >/tmp/xen-dmesg
grep cbps /tmp/xen-dmesg
check says-why has "cbps: cannot reserve a pool of 1024 MiB for shared frames (boot with a smaller cbps=pool=): sharing off" /tmp/xen-dmesg
cbps shares
check no-pool [ "$(cbps shares | grep '^pool:')" = "pool: 0 frames, 0 free" ]
check still-on cbps status
