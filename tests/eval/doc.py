"""docs/EVALUATION.md from one make eval run (tests/eval/report.py calls
write_doc).  Every number is taken from the run's results; where an
experiment did not run or its figure is missing the text says so."""
import re

from report import MIB_PER_FRAME, fmt, pct, mib


def m(frames, d=1):
    """Frames as MiB."""
    if not isinstance(frames, (int, float)):
        return 'n/a'
    return fmt(frames * MIB_PER_FRAME, d)


def fr(frames):
    return 'n/a' if frames is None else fmt(frames)


def isnum(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def p(x, d=0):
    return f'{100 * x:.{d}f}%' if isnum(x) else 'n/a'


def ratio_s(a, b, d=3):
    if not isnum(a) or not isnum(b) or not b:
        return 'n/a'
    return f'{a / b:.{d}f}'


def held_list(held):
    """'1:100,2:200' -> {1: 100, 2: 200}"""
    out = {}
    for part in str(held or '').split(','):
        if ':' in part:
            k, v = part.split(':')
            if k.isdigit() and v.isdigit():
                out[int(k)] = int(v)
    return out


def write_doc(path, meta, runs, logs, res, failed):
    L = []
    w = L.append
    idle = res.get('eval-idle') or {}
    work = res.get('eval-work') or {}
    user = res.get('eval-userland') or {}
    rnd = res.get('eval-random') or {}
    msz = res.get('eval-memsize') or {}
    sc = res.get('scaling') or {}
    ov = res.get('overhead') or {}
    anylog = next(iter(logs.values()), None)
    xen_debug = bool(anylog and anylog.xen_version and
                     'debug=y' in anylog.xen_version)
    ix_kib = next((pt['ix_kib'] for pt in sc.get('points', [])), None)
    total_mib = idle.get('total_mib')
    cmd = 'make eval'

    w('# cbps evaluation')
    w('')
    w(f'Written by `{cmd}` (scripts/eval.sh, tests/eval/report.py) from the run '
      f'it had just made: {meta.get("date", "n/a")}, commit '
      f'`{meta.get("commit", "n/a")}` ({meta.get("dirty", "n/a")}), on '
      f'{meta.get("cpu", "n/a")}, {meta.get("ram", "n/a")} RAM, '
      f'{meta.get("host", "n/a")}.  Every VM ran in {meta.get("qemu", "QEMU")} '
      f'with TCG (`-cpu {meta.get("qemu_cpu", "qemu64")}`): no hardware '
      f'virtualization, so **every time below is an emulated time** and only '
      f'ratios measured in the same run carry over to hardware.  Other QEMU '
      f'processes on the host when the run ended: '
      f'{meta.get("other_vms_at_end", "n/a")} (load average '
      f'{meta.get("load_at_end", "n/a")}); a shared host is why the overhead '
      f'runs are interleaved.  The experiments took '
      f'{fmt(num_or_none(meta.get("eval_secs")))} s '
      f'({meta.get("eval_only", "")}).')
    w('')
    w('The thesis is Kloster, Kristensen and Mejlholm, *On the Feasibility of '
      'Memory Sharing* (Aalborg, 2006): chapter 7 (sharing) and chapter 8 '
      '(overhead), scaled to what fits in QEMU on 2 cores.  Raw data: '
      '`build/eval/logs/*.log` (serial consoles), `build/eval/*.tsv` (the data '
      'behind each plot), `build/eval/results.json` (every figure).')
    w('')
    if xen_debug:
        w(f'The hypervisor is the project\'s build, **a debug build** '
          f'(`{anylog.xen_version.split("(")[0].strip()} ... debug=y`): '
          'assertions and lock checks on, and `CONFIG_SCRUB_DEBUG`, so Xen '
          'fills free memory with the byte 0xc2, not zero.  A guest\'s '
          'never-touched pages are therefore 0xc2 pages (identical within '
          'and across guests, counted by the census as duplicates within a '
          'guest), not zero pages as on the thesis\'s (and a release) Xen; '
          'the "zero frames" below are pages Linux itself zeroed.  Overhead '
          'ratios include the debug checks in every mode alike.')
        w('')

    # ------------------------------------------------------------ headline
    w('## Headline figures')
    w('')
    w('| what | figure | from |')
    w('| --- | --- | --- |')
    w(f'| captured sharing, 3 identical idle 128 MiB guests | '
      f'{p(idle.get("captured"))} of the census\'s potential '
      f'({fr(idle.get("saved_3"))} of {fr(idle.get("potential"))} frames) | '
      f'[1.1](#11-identical-idle-guests-and-zero-pages) |')
    w(f'| frames saved, same | {m(idle.get("saved_3"))} MiB, '
      f'{pct(mib(idle.get("saved_3")), 3 * 128)} of the guests\' memory | 1.1 |')
    w(f'| captured sharing, 3 guests after the same workload (anon=1) | '
      f'{p(work.get("captured"))} ({fr(work.get("saved_3"))} of '
      f'{fr(work.get("potential"))} frames), {m(work.get("saved_3"))} MiB '
      f'saved, {pct(mib(work.get("saved_3")), 3 * 128)} of guest memory | '
      f'[1.2](#12-identical-guests-after-the-same-workload) |')
    w(f'| busybox + Debian guest / second Debian guest added | '
      f'{m(user.get("saved_mixed"))} MiB / +{m(user.get("saved_deb_pair"))} '
      f'MiB saved | [1.3](#13-different-userlands) |')
    w(f'| worst case (random data) | {m(rnd.get("saved"))} MiB saved, '
      f'{p(rnd.get("captured"))} of potential | [1.4](#14-worst-case-random-data) |')
    om = ov.get('mean') or {}
    w(f'| workload time, cbps on scanning only / plain Xen | '
      f'{ratio_s(om.get("scan"), om.get("plain"))} '
      f'(n = {ov.get("n", {}).get("scan", 0)} and {ov.get("n", {}).get("plain", 0)}) | '
      f'[2.1](#21-the-same-workload-with-cbps-off-scanning-and-sharing) |')
    w(f'| workload time, cbps sharing / plain Xen | '
      f'{ratio_s(om.get("share"), om.get("plain"))} '
      f'(n = {ov.get("n", {}).get("share", 0)}) | 2.1 |')
    w(f'| workload time, sharing / off, scanning / off (same boot) | '
      f'{ratio_s(om.get("share"), om.get("off"))} / '
      f'{ratio_s(om.get("scan"), om.get("off"))} | 2.1 |')
    ss = ov.get('scan_share') or {}
    w(f'| scanner CPU share, default pace (rate=20000/s, interval=1000 ms) | '
      f'{p(ss.get("scan"), 1)} of one CPU while the workload ran (scan mode), '
      f'{p(ss.get("share"), 1)} (share mode) | [2.2](#22-the-scanners-cpu-share) |')
    cow = work.get('cow') or {}
    cm = work.get('commit') or {}
    cow_ns = (cow['ns'] / cow['writes']) if cow.get('writes') else None
    nat_ns = (cow['native_ns'] / cow['native_faults']) \
        if cow.get('native_faults') else None
    w(f'| CoW break of a shared frame (TCG) | {fmt(us(cow_ns), 1)} µs mean, '
      f'n = {cow.get("writes", "n/a")}; native anonymous CoW fault '
      f'{fmt(us(nat_ns), 1)} µs, n = {cow.get("native_faults", "n/a")} | '
      f'[2.3](#23-commit-and-copy-on-write-costs) |')
    w(f'| commit hypercall (TCG) | {cm.get("median_us", "n/a")} µs median, '
      f'{cm.get("mean_us", "n/a")} µs mean, n = {cm.get("n", "n/a")} | 2.3 |')
    fm = sc.get('fit_ms')
    w(f'| scan time per cycle vs guest memory | '
      f'{"n/a" if not fm else f"{fm[0]:.1f} ms (TCG) per MiB, r² = {fm[2]:.2f}"} | '
      f'[3](#3-scaling) |')
    fd = sc.get('fit_demand')
    w(f'| index memory vs guest memory | fixed at {fmt(ix_kib)} KiB '
      f'(host RAM / 2000); a one-pass cycle would need '
      f'{"n/a" if not fd else f"{fd[0]:.2f} KiB per MiB"} | 3 |')
    w('')

    # ------------------------------------------------------------ method
    w('## How it was measured')
    w('')
    w('One VM boot per experiment (`tests/vm/scenarios/eval-*.sh`, guest side '
      '`tests/eval/guest/eval-*.sh`), never two VMs of ours at once.  Xen '
      'command lines, from the logs:')
    w('')
    for name, log in logs.items():
        cl = log.xen_cmdline or 'n/a'
        cl = re.sub(r'console=\S+ com1=\S+ loglvl=\S+ guest_loglvl=\S+ '
                    r'console_timestamps=\S+ ', '', cl)
        w(f'- `{name}`: `{cl}` ({run_s(runs.get(name))})')
    w('')
    w(f'QEMU: 2 vCPUs and {fmt(total_mib)} MiB (Xen\'s `total_memory`), dom0 '
      f'512 MiB.  Guests: PV, 1 vCPU, Debian\'s {meta.get("guest_kernel", "")} '
      'kernel, `cs.ko` loaded (default: kernel image and page cache; `anon=1` '
      'where said), an initramfs as their only file system (so every file '
      'is in the page cache).  The busybox image is `make images`\' guest '
      'image plus the eval scripts (`build/eval/img/domU-eval.cpio.gz`).  '
      'The sharing experiments give Xen a pool of 256 MiB for shared frames '
      '(`pool=256M`; the default is 64 MiB): three Debian guests have more '
      'distinct shared contents than 64 MiB holds, and while the pool is '
      'full Xen makes no new shared frame, which would hide them.')
    w('')
    w('Sampled every 5 s in dom0 (10 s in `eval-overhead`; `EVAL s` lines): `cbps shares` (guest '
      'pages backed by a shared frame = *holders*, the thesis\'s "shared '
      'pages"; shared frames in the pool, its "shared copies"; frames saved = '
      'holders - shared frames, its "reclaimed pages"; what was shared by '
      'kind), `cbps census` (its zero frames), `cbps scan`.')
    w('')
    w('**The potential.**  The live census counts only frames the guests '
      'own, so it stops seeing a content once it is shared.  So at the end of '
      'each sharing phase every guest is moved into a sharing group of its '
      'own (`cbps group`): Xen gives every holder its own copy at once, and '
      'after two whole scan cycles the census\'s `inter_saving` ("across '
      'guests N more") is what sharing across guests could save now.  '
      '*Captured* = frames saved just before the isolation / that potential.  '
      'cbps shares only across guests: a content a guest holds at several '
      'pfns is shared at one of them (a guest sees one pfn for a shared '
      'frame, DESIGN.md issue 5), so the census\'s within-guest duplicates '
      '(`self_dup`) are not part of the potential; they are given below.')
    w('')

    # ------------------------------------------------------------ 1.1
    w('## 1. Sharing')
    w('')
    w('### 1.1 Identical idle guests and zero pages')
    w('')
    w('Thesis §7.2.1 (Figure 7.1) and §7.3.  Three identical idle guests '
      '(128 MiB, busybox image, `cs.ko` default) started one after another, '
      'each once the saving had settled (three scan cycles with under 0.5% '
      'growth, or a time limit); then isolated for the potential; then, '
      'still isolated, zero frames made candidates (`cbps scan-set zero=on`) '
      'for the potential with zero=on one scan cycle later; then sharing '
      'again with zero=on.')
    w('')
    w('![idle](eval/idle.png)')
    w('')
    w('| guests | frames saved | of guest memory | guest pages on shared frames | '
      'shared frames | kernel image / page cache held | zero frames (census) | '
      'Xen free memory |')
    w('| --- | --- | --- | --- | --- | --- | --- | --- |')
    for n in (1, 2, 3):
        w(f'| {n} | {fr(idle.get(f"saved_{n}"))} ({m(idle.get(f"saved_{n}"))} '
          f'MiB) | {pct(mib(idle.get(f"saved_{n}")), 128 * n, 1)} | '
          f'{fr(idle.get(f"holders_{n}"))} | {fr(idle.get(f"frames_{n}"))} | '
          f'{fr(idle.get(f"image_{n}"))} / {fr(idle.get(f"cache_{n}"))} | '
          f'{fr(idle.get(f"zero_{n}"))} | {fmt(idle.get(f"free_{n}"))} MiB |')
    w('')
    w(f'Potential with three guests (zero=off): {fr(idle.get("potential"))} '
      f'frames; captured **{p(idle.get("captured"))}**.  Within-guest '
      f'duplicates the census counted besides: {fr(idle.get("pot_intra"))} '
      f'frames; zero frames: {fr(idle.get("pot_zero_frames"))}.')
    w('')
    w('The census counts every frame a guest owns, so its potential also '
      'holds identical pages `cs.ko` does not take: page tables, slab, '
      'kernel data outside the image, page cache mapped into a process '
      '(busybox itself, which every shell runs), free pages.  Over only the '
      'pages `cs.ko` can take, the `anypfn` VM test of `make check` '
      'requires 90% two scan cycles after its workload (it measured 99% '
      'when the offer backlog went in, `docs/DESIGN.md`).')
    w('')
    pr = idle.get('phase_rates') or {}
    z, g3 = pr.get('zero-on'), pr.get('3-guests')
    zus = (1e6 * z[1] / z[0]) if z and z[0] else None
    gus = (1e6 * g3[1] / g3[0]) if g3 and g3[0] else None
    w(f'With zero=on the potential was {fr(idle.get("potential_zero"))} frames '
      f'against {fr(idle.get("potential"))} with zero=off, while the '
      f'census\'s within-guest duplicates went from {fr(idle.get("pot_intra"))} '
      f'to {fr(idle.get("potz_intra"))} (its zero column from '
      f'{fr(idle.get("pot_zero_frames"))} to {fr(idle.get("potz_zero_frames"))}: '
      'zero frames are an ordinary content then).  Sharing again with '
      f'zero=on, the guests saved {fr(idle.get("saved_zero_on"))} frames '
      f'({m(idle.get("saved_zero_on"))} MiB) by the end of the phase, against '
      f'{fr(idle.get("saved_3"))} with zero=off (captured '
      f'{p(idle.get("captured_zero_on"))}).' +
      ('' if not (z and g3) else
       f'  In that phase the scanner hashed {fmt(z[0], 0)} frames a second '
       f'at {fmt(zus, 1)} µs a frame ({p(z[1], 1)} of a CPU), against '
       f'{fmt(g3[0], 0)} at {fmt(gus, 1)} µs ({p(g3[1], 1)}) while the three '
       'guests shared with zero=off.'))
    w('')
    costly = zus is not None and gus is not None and zus > 1.2 * gus
    w('Zero pages are the thesis\'s big win on idle guests (about 70% of what '
      'it shared in Figure 7.1).  Not in cbps, by design: a zero page is one '
      'content, so across guests it saves one frame per guest; its many '
      'copies inside one guest are within-guest duplicates, which cbps does '
      'not share (a guest sees one pfn for a shared frame); and `cs.ko` '
      'takes kernel image, page cache and anonymous pages, not free pages, '
      'where most zero pages are.  With zero=on Xen '
      'compares and offers zero frames anyway and the guests decline them '
      '(Xen then skips a declined frame for four cycles, within a table of '
      '2048 frames a guest, and each guest had thousands of zero frames)' +
      (': work for nothing, which shows in the scanner\'s cost per frame '
       'above.' if costly else
       '; in this run that cost did not show in the scanner\'s figures.'))
    w('')

    # ------------------------------------------------------------ 1.2
    w('### 1.2 Identical guests after the same workload')
    w('')
    wl = work.get('workload_secs') or []
    w('Thesis §7.2.2 (Figure 7.2; it ran kernel compiles).  Three identical '
      'guests (128 MiB, `cs.ko anon=1`) keep the same 8 MiB anonymous heap '
      '(`cbps-anonheap hold 7 2048`: like a server\'s in-memory data) and, '
      'once all three are up, run the same program set at once '
      '(`workload()` in `tests/eval/guest/eval-lib.sh`: make a 60 000-line '
      'data set with awk, sort it, gzip and gunzip it, tar the image\'s '
      'files, fork and exec 100 programs, list and md5sum every file; its '
      'outputs, about 8 MiB, stay in tmpfs); then they idle until the saving '
      'settles.  The three workloads shared the 2 CPUs and took '
      f'{", ".join(fmt(x, 1) for x in wl) or "n/a"} s (TCG).')
    w('')
    w('![work](eval/work.png)')
    w('')
    w('| guests | frames saved | of guest memory | held: anonymous / page cache / kernel image | CoW breaks so far |')
    w('| --- | --- | --- | --- | --- |')
    w(f'| 3 | {fr(work.get("saved_3"))} ({m(work.get("saved_3"))} MiB) | '
      f'{pct(mib(work.get("saved_3")), 3 * 128, 1)} | '
      f'{fr(work.get("anon_3"))} / {fr(work.get("cache_3"))} / '
      f'{fr(work.get("image_3"))} | {fr(work.get("cow_3"))} |')
    w('')
    w(f'Potential with three guests: {fr(work.get("potential"))} frames; '
      f'captured **{p(work.get("captured"))}**.')
    w('')

    # ------------------------------------------------------------ 1.3
    w('### 1.3 Different userlands')
    w('')
    man = read_manifest(meta)
    w('Thesis §7.4 (Table 7.2: Gentoo and Debian).  The two userlands:')
    w('')
    w('- **busybox**: `make images`\' guest image: a static busybox, `cs.ko`, '
      'the test scripts, tools and test data '
      f'({meta.get("img_busybox", "n/a")} unpacked).')
    w(f'- **Debian**: the same image plus, in `/debian`, Debian bookworm\'s '
      f'minbase set: the {man.get("npkgs", "n/a")} packages of Priority: '
      'required and their dependencies, as debootstrap --variant=minbase '
      'takes them (`tests/eval/closure.py`), fetched with `apt-get download` '
      'and unpacked with `dpkg-deb -x`, /usr merged; kept: programs, '
      'libraries and /etc, left out: /usr/share (documentation, locales, '
      f'time zones) and glibc\'s gconv modules: {man.get("files", "n/a")} '
      f'files, {man.get("mib", "n/a")} MiB, all in the page cache.  It runs '
      'a set of Debian\'s programs once, chrooted (bash, ls -lR, sort, wc, '
      'perl, dpkg, apt-get, find + md5sum of every library, tar | gzip of '
      '/usr/bin, grep -r /etc, df), then idles.  Packages and versions: '
      '`build/eval/debian-userland.manifest`.')
    w('')
    w('All three guests had 256 MiB and `rootfstype=ramfs`: the Debian image '
      'needs the room to unpack (the default rootfs, tmpfs, may take only '
      'half the memory left beside the packed image, which the 57 MiB did '
      'not fit, and with 192 MiB a Debian guest ran out of memory unpacking '
      'into ramfs).  Phase 1: busybox guest g1 + Debian guest g2; phase 2: '
      'a second Debian guest g3 joins.  Each phase ends isolated, for its '
      'potential.')
    w('')
    w('![userland](eval/userland.png)')
    w('')
    hm = held_list(user.get('held_mixed'))
    hp = held_list(user.get('held_plus_deb'))
    doms = user.get('domains') or {}

    def who(d):
        g = doms.get(d)
        if not g:
            return f'domain {d}'
        kind = 'Debian' if 'deb' in g[1] else 'busybox'
        return f'{g[0]} ({kind})'

    def holds(h):
        return ', '.join(f'{who(k)}: {fr(v)}' for k, v in sorted(h.items())) \
            or 'n/a'
    w('| guests | frames saved | potential | captured | frames each guest holds |')
    w('| --- | --- | --- | --- | --- |')
    w(f'| busybox + Debian | {fr(user.get("saved_mixed"))} '
      f'({m(user.get("saved_mixed"))} MiB) | {fr(user.get("potential_mixed"))} | '
      f'{p(user.get("captured_mixed"))} | {holds(hm)} |')
    w(f'| busybox + 2 Debian | {fr(user.get("saved_plus_deb"))} '
      f'({m(user.get("saved_plus_deb"))} MiB) | {fr(user.get("potential_plus_deb"))} | '
      f'{p(user.get("captured_plus_deb"))} | {holds(hp)} |')
    w(f'| what the second Debian guest added | {fr(user.get("saved_deb_pair"))} '
      f'({m(user.get("saved_deb_pair"))} MiB) | {fr(user.get("potential_deb_pair"))} | '
      f'{p(user.get("captured_deb_pair"))} | |')
    w('')
    w('A guest holds a shared frame for each of its pages backed by one; '
      'the busybox guest can share only what both images have (kernel, '
      '`cs.ko`, busybox, the test files), the two Debian guests also the '
      'Debian files.  Frames saved = holders - shared frames.')
    w('')
    dp = user.get('deb_programs') or []
    if dp:
        w('The Debian programs ran in ' + ', '.join(
            f'{fmt(x.get("secs"), 1)} s (exit {x.get("rc")})' for x in dp) +
          ' (TCG).')
        w('')

    # ------------------------------------------------------------ 1.4
    w('### 1.4 Worst case: random data')
    w('')
    fill = rnd.get('fill') or []
    w('Thesis §7.5.  Two guests (128 MiB) each write 48 MiB of /dev/urandom '
      'into tmpfs and an 8 MiB random file of which 256 KiB at a random place '
      'is rewritten every second: nothing in common beyond the kernel and '
      f'image, and frames that never hold still.  Filling took '
      f'{", ".join(fmt(f.get("secs"), 1) for f in fill) or "n/a"} s (TCG).')
    w('')
    w('![random](eval/random.png)')
    w('')
    w(f'Saved {fr(rnd.get("saved"))} frames ({m(rnd.get("saved"))} MiB: '
      f'{fr(rnd.get("image"))} kernel image and {fr(rnd.get("cache"))} page '
      f'cache held); potential {fr(rnd.get("potential"))}, captured '
      f'{p(rnd.get("captured"))}.  The census of the last cycle: '
      f'{fr(rnd.get("scanned"))} frames scanned, {fr(rnd.get("unique"))} unique, '
      f'{fr(rnd.get("unstable"))} unstable.  The scanner still hashes every '
      f'frame: {p(rnd.get("cpu_share"), 1)} of one CPU over the last three scan cycles.')
    w('')

    # ------------------------------------------------------------ 1.5
    w('### 1.5 Guest memory size')
    w('')
    w('Thesis §7.8.  Pairs of identical idle guests (busybox image) of 96 '
      'and 256 MiB, one pair after another in one boot; each settled, '
      'measured, isolated for its potential and destroyed.  The pair of 128 '
      'MiB is the two-guest phase of 1.1 (same host and pace; no potential '
      'taken there).  64 MiB guests '
      'cannot be made with this kernel: xl loads the kernel\'s ELF image '
      '(58 MiB) into the guest\'s memory and refuses ("segment kernel too '
      'large").')
    w('')
    w('![memsize](eval/memsize.png)')
    w('')
    w('| guest memory | frames saved | of the pair\'s memory | potential | captured | zero frames (census) |')
    w('| --- | --- | --- | --- | --- | --- |')
    for row in msz.get('sizes', []):
        w(f'| 2 x {row["mib"]} MiB{" (1.1)" if row.get("from") else ""} | '
          f'{fr(row["saved"])} ({m(row["saved"])} MiB) | '
          f'{pct(mib(row["saved"]), 2 * row["mib"], 1)} | {fr(row["potential"])} | '
          f'{p(row["captured"])} | {fr(row["zero"])} |')
    w('')
    sz = [r for r in msz.get('sizes', []) if r.get('saved')]
    if len(sz) >= 2:
        lo, hi = sz[0], sz[-1]
        grow = hi['saved'] / lo['saved']
        w(f'From {lo["mib"]} to {hi["mib"]} MiB guests the frames saved went '
          f'from {fr(lo["saved"])} to {fr(hi["saved"])} ({grow:.2f} times) '
          f'while the memory grew {hi["mib"] / lo["mib"]:.0f} times: ' +
          ('what an idle guest can share (kernel image, the initramfs\'s '
           'page cache) hardly depends on its allocation; the rest is free '
           'memory, which `cs.ko` does not share.' if grow < 1.25 else
           'the saving grew with the allocation.'))
        w('')

    # ------------------------------------------------------------ 2
    w('## 2. Overhead')
    w('')
    w('### 2.1 The same workload with cbps off, scanning and sharing')
    w('')
    w('Thesis §8.1.  g1 runs the workload of 1.2 at half size (30 000 lines, '
      '50 programs; without the heap, `cs.ko` default) and times it inside '
      'the guest (/proc/uptime); g2, identical, '
      'ran it once and idles.  `eval-plain`: Xen booted without `cbps=on`, '
      'g1 runs it three times, 10 s apart.  `eval-overhead`: one boot with '
      'cbps on, three modes set from dom0, interleaved over three rounds '
      '(off scan share; share off scan; scan share off), each run 10 s after '
      'its mode was set: **off** = both guests registered but each in a '
      'sharing group of its own, nothing shared, scanner stopped '
      '(`cbps scan-set rate=0`); **scan** = the same with the scanner at its '
      'default pace (rate=20000 frames/s, interval=1000 ms: what `cbps=on` '
      'gives): hashing and census only; **share** = both guests in no '
      'group, scanning and sharing at the same pace.')
    w('')
    w('Read these ratios with the platform in mind: the scanner runs in '
      'Xen\'s idle loop, on a CPU no guest wants, which on hardware is a '
      'free core.  Here each of the VM\'s 2 CPUs is a QEMU thread on a '
      'host of 2 cores that also runs QEMU\'s own threads: an emulated '
      'CPU that scans instead of halting takes host time from the emulated '
      'CPU that runs the workload.  So what the scanner costs the workload '
      'here is an upper bound for a machine with an idle core.')
    w('')
    w('![overhead](eval/overhead.png)')
    w('')
    w('| mode | runs | mean (s, TCG) | min | max | / plain | / off (same boot) |')
    w('| --- | --- | --- | --- | --- | --- | --- |')
    for md in ('plain', 'off', 'scan', 'share'):
        w(f'| {md} | {ov.get("n", {}).get(md, 0)} | {fmt(om.get(md), 2)} | '
          f'{fmt((ov.get("min") or {}).get(md), 2)} | '
          f'{fmt((ov.get("max") or {}).get(md), 2)} | '
          f'{ratio_s(om.get(md), om.get("plain"))} | '
          f'{ratio_s(om.get(md), om.get("off")) if md != "plain" else ""} |')
    w('')
    runs_l = ov.get('runs') or []
    if runs_l:
        w('Every run, in order: ' + '; '.join(
            f'{x["mode"]} {fmt(x["secs"], 2)} s' for x in
            sorted([r for r in runs_l if r['mode'] != 'plain'],
                   key=lambda r: r['run'])) + '; plain: ' + ', '.join(
            fmt(x['secs'], 2) for x in runs_l if x['mode'] == 'plain') + ' s.')
        w('')
    w('The plain runs are in another boot: their ratio carries the boot-to-'
      'boot and host-load noise; off/scan/share are in one boot, interleaved, '
      'and their spread (min to max) is the noise to compare a ratio with.')
    w('')
    w('### 2.2 The scanner\'s CPU share')
    w('')
    w('`cbps scan`\'s "time scanning" (the scanner\'s own clock, Xen\'s '
      'idle loop) over wall time, from windows around each run (`EVAL win`): '
      f'scan mode {p(ss.get("scan"), 1)}, share mode {p(ss.get("share"), 1)}, '
      f'off mode {p(ss.get("off"), 1)} of one CPU, while the workload ran in '
      'g1, at the default pace.  The scanner runs only on an idle CPU, at '
      'most rate= frames a second.  At the tests\' pace (rate=50000, '
      'interval=0) with idle guests (section 3\'s windows, sharing '
      'settled): ' + ', '.join(
          f'{pt["mib"]} MiB: {p(pt["cpu_share"], 1)}'
          for pt in sc.get('points', [])) + '.')
    w('')
    hr = [(n, (res.get(n) or {}).get('hash_rates') or {}) for n in
          ('eval-idle', 'eval-work', 'eval-userland', 'eval-random',
           'eval-memsize')]
    hr = [(n, h) for n, h in hr if h.get('growing') and h.get('still')]
    if hr:
        slow = [n for n, h in hr if h['growing'] < 0.8 * h['still']]
        w('How fast the scanner hashed, how much CPU it got and what each '
          'hashed frame cost it (scanner time / frames hashed), between '
          'samples in which the saving grew (guests committing offers) and '
          'those in which it did not (two or more guests running, rate=50000, '
          'interval=0): ' + '; '.join(
              f'`{n}` {fmt(h["growing"], 0)} frames/s, {p(h.get("growing_share"), 1)} '
              f'of a CPU, {fmt(h.get("growing_us"), 1)} µs a frame, against '
              f'{fmt(h["still"], 0)} frames/s, {p(h.get("still_share"), 1)}, '
              f'{fmt(h.get("still_us"), 1)} µs ({fmt(h["growing_s"], 0)} s '
              f'and {fmt(h["still_s"], 0)} s of samples)' for n, h in hr) +
          '.' + (
            f'  In {", ".join(f"`{n}`" for n in slow)} the scanner hashed '
            'over 20% slower while guests committed, and got less CPU.  '
            'Likely causes, not measured apart: the guests handling offers '
            'and committing (each commit pauses the guest and flushes TLBs) '
            'ran instead, and the scanner stops its chunk at every pending '
            'softirq.  Sharing a guest\'s frames takes minutes of TCG time '
            'here (the timelines above).' if slow else ''))
        w('')
    w('### 2.3 Commit and copy-on-write costs')
    w('')
    w(f'**CoW break** (`cs_probe`\'s cowbench in g1 of 1.2, after sharing had '
      f'settled: one kernel write into each shared page of the kernel\'s '
      f'.data section, each a write fault Xen resolves with a copy): '
      f'{cow.get("writes", "n/a")} writes, {fmt(us(cow_ns), 1)} µs mean '
      f'({cow.get("copies", "n/a")} copies counted by Xen, '
      f'{cow.get("mismatches", "n/a")} mismatches).  For scale, a native '
      f'anonymous CoW fault in the same guest (fork, then a user write; '
      f'`cbps-anoncow`): {cow.get("native_faults", "n/a")} faults, '
      f'{fmt(us(nat_ns), 1)} µs mean; ratio '
      f'{ratio_s(cow_ns, nat_ns, 2)}.')
    w('')
    w(f'**Commit** (ftrace\'s function_graph tracer on `cs_commit()` in g1 of '
      '1.2, the whole run: the commit hypercall as the guest sees it, Xen\'s '
      'pausing, checks, switch and copy into the pool included).  The image '
      'and page-cache paths inline `cs_commit()`, so the samples are the '
      f'anonymous commits: n = {cm.get("n", "n/a")}, median '
      f'{cm.get("median_us", "n/a")} µs, mean {cm.get("mean_us", "n/a")} µs, '
      f'10th/90th percentile {cm.get("p10_us", "n/a")}/{cm.get("p90_us", "n/a")} '
      f'µs, min {cm.get("min_us", "n/a")}, max {cm.get("max_us", "n/a")} µs '
      f'(g1 committed {fr((work.get("proc") or {}).get("committed"))} pages in '
      'all).  A commit costs about '
      f'{ratio_s(num_or_none(cm.get("median_us")), us(cow_ns), 1)} CoW breaks '
      '(medians against mean).  Xen itself keeps no commit timer: a number '
      'for the image and page-cache commits, or Xen\'s side alone, needs one '
      '(see "Missing").')
    w('')

    # ------------------------------------------------------------ 3
    w('## 3. Scaling')
    w('')
    w('Scan time per cycle and index memory against the memory of the '
      'running guests: the pairs of 1.5 (2 x 96, 2 x 256 MiB) and '
      'the 1, 2, 3 guests of 1.1, each over the last three scan cycles of its '
      f'settled phase, on one host size ({fmt(total_mib)} MiB).')
    w('')
    w('![scaling](eval/scaling.png)')
    w('')
    w('| run | guest memory | scan CPU per cycle (ms, TCG) | wall per cycle (s) | passes per cycle | frames hashed per cycle | frames scanned (census) | index for one pass per cycle |')
    w('| --- | --- | --- | --- | --- | --- | --- | --- |')
    for pt in sc.get('points', []):
        w(f'| {pt["run"]} | {pt["mib"]} MiB | {fmt(pt["ms_per_cycle"], 0)} | '
          f'{fmt(pt["wall_per_cycle"], 2)} | {fmt(pt["passes_per_cycle"], 2)} | '
          f'{fmt(pt["hashed_per_cycle"], 0)} | {fr(pt["scanned"])} | '
          f'{fmt(pt["demand_kib"], 0)} KiB (this index: '
          f'{pt.get("passes_needed") or "n/a"} passes) |')
    w('')
    if fm:
        w(f'Least squares over these {len(sc.get("points", []))} points: scan '
          f'CPU time per cycle = {fm[1]:.0f} ms + **{fm[0]:.2f} ms per MiB** of '
          f'guest memory (r² = {fm[2]:.3f}; TCG milliseconds).  Frames hashed '
          f'per cycle: {sc["fit_hashed"][0]:.0f} per MiB (a MiB is 256 frames: '
          'more than 256 means frames are hashed in more than one pass per '
          'cycle).')
    else:
        w('Not enough points for a fit.')
    w('')
    if fd:
        w(f'Index memory: Xen allocates the content index once, from host RAM '
          f'(1/2000: {fmt(ix_kib)} KiB here), so it does not grow with guest '
          f'memory (slope 0).  What grows is the number of passes a scan '
          f'cycle takes: Xen splits the hash space so that one pass indexes at '
          f'most 3/4 of the index\'s entries, counting the frames the '
          f'registered guests own (`cbps_index_start_cycle()`), and every pass '
          f'reads every frame again.  The last column of the table is the '
          f'index that would take those frames in one pass: **{fd[0]:.2f} KiB '
          f'per MiB** of guest memory (r² = {fd[2]:.3f}; frames the guests '
          f'gave up to sharing are not theirs any more, so the slope is below '
          f'the 256 frames a MiB).  So the scan time per cycle grows faster '
          f'than guest memory once the guests own more frames than one pass '
          f'takes, as the passes column shows.')
    w('')

    # ------------------------------------------------------------ missing
    w('## Missing or shaky')
    w('')
    miss = []
    for name in ('eval-idle', 'eval-work', 'eval-userland', 'eval-random',
                 'eval-memsize', 'eval-overhead', 'eval-plain'):
        if name not in logs:
            miss.append(f'`{name}` did not produce a log in this run '
                        f'({runs.get(name, "not run")}).')
        elif 'rc=0' not in runs.get(name, 'rc=0'):
            miss.append(f'`{name}` ended with a failure, its figures may be '
                        f'partial: {run_s(runs.get(name))}.')
    for n in ('eval-idle', 'eval-work', 'eval-userland', 'eval-random',
              'eval-memsize'):
        ns = (res.get(n) or {}).get('not_settled') or []
        if ns:
            miss.append(f'In `{n}` the saving was still growing when a phase '
                        f'reached its time limit (t = '
                        f'{", ".join(fmt(t, 0) for t in ns)} s): the '
                        'captured share of that phase is a lower bound.')
    for k, v in failed.items():
        miss.append(f'The report could not compute `{k}`: {v}.')
    miss += [
        'Commit cost is measured from inside the guest, and only for '
        'anonymous commits (the only out-of-line call of `cs_commit()`).  '
        'A Xen-side figure for every commit, by kind, needs a counter of '
        'time spent in `CBPS_OP_commit` (and one in the CoW-break path) in '
        'Xen\'s share statistics; that is a hypervisor change, left out here.',
        'Absolute times are QEMU TCG times on a shared 2-core host; every '
        'figure comes from one run (one boot per experiment, three runs per '
        'overhead mode).  The plain baseline is another boot.',
        'The hypervisor is the debug build the tests use (see the top); a '
        'release build would turn the 0xc2 pages into zero pages and may '
        'change the overhead ratios.',
        'Scaled down from the thesis: 2 to 3 guests of 96 to 256 MiB, not '
        '25 to 60; a busybox program set instead of kernel compiles; the '
        'Debian userland lives in an initramfs, so all of its files are in '
        'the page cache (on a disk only what was read would be).',
        'The potential is the census\'s after isolating the guests (two '
        'cycles later), not at the moment of the saving it is compared '
        'with; idle guests change little in between.',
    ]
    for x in miss:
        w(f'- {x}')
    w('')
    w('## Closing note')
    w('')
    w(f'Headline figures of this run (`{cmd}`, {meta.get("date", "n/a")}, '
      f'commit `{meta.get("commit", "n/a")}`, QEMU TCG on '
      f'{meta.get("cpu", "n/a")}):')
    w('')
    w(f'- captured sharing: {p(idle.get("captured"))} of the census\'s '
      f'potential for 3 identical idle guests ({m(idle.get("saved_3"))} MiB '
      f'saved, {pct(mib(idle.get("saved_3")), 3 * 128)} of their memory), '
      f'{p(work.get("captured"))} after the same workload '
      f'({m(work.get("saved_3"))} MiB, '
      f'{pct(mib(work.get("saved_3")), 3 * 128)}); busybox + Debian '
      f'{m(user.get("saved_mixed"))} MiB, a second Debian guest '
      f'+{m(user.get("saved_deb_pair"))} MiB; random data '
      f'{m(rnd.get("saved"))} MiB.')
    w(f'- overhead (workload time): scanning only '
      f'{ratio_s(om.get("scan"), om.get("plain"))} and sharing '
      f'{ratio_s(om.get("share"), om.get("plain"))} of plain Xen; in one '
      f'boot, scanning {ratio_s(om.get("scan"), om.get("off"))} and sharing '
      f'{ratio_s(om.get("share"), om.get("off"))} of cbps idle.')
    w(f'- scanner CPU share at the default pace (rate=20000/s, interval=1000 '
      f'ms): {p(ss.get("scan"), 1)} (scanning) and {p(ss.get("share"), 1)} '
      '(sharing) of one CPU beside the workload.')
    w(f'- CoW break {fmt(us(cow_ns), 1)} µs (n = {cow.get("writes", "n/a")}), '
      f'native anonymous CoW fault {fmt(us(nat_ns), 1)} µs '
      f'(n = {cow.get("native_faults", "n/a")}), commit '
      f'{cm.get("median_us", "n/a")} µs median (n = {cm.get("n", "n/a")}, '
      'anonymous commits); TCG times.')
    w('- scaling: scan CPU time per cycle ' +
      (f'{fm[0]:.2f} ms per MiB of guest memory' if fm else 'n/a') +
      f'; index memory fixed at {fmt(ix_kib)} KiB, a one-pass cycle needs ' +
      (f'{fd[0]:.2f} KiB per MiB' if fd else 'n/a') + '.')
    w('')
    w('## Reproduce')
    w('')
    w('    make eval      # scripts/eval.sh: images, the seven VM runs, this '
      'document')
    w('')
    w('`EVAL_ONLY="eval-idle eval-work"` reruns some experiments and keeps the '
      'others\' logs; `EVAL_REPORT_ONLY=1` only rewrites this document and the '
      'plots from `build/eval/logs/`.')
    w('')
    with open(path, 'w') as f:
        f.write('\n'.join(L))


def run_s(v):
    """'rc=0 secs=635 verdict=PASS eval-idle: ...' -> '635 s, PASS'"""
    if not v:
        return 'no run recorded'
    secs = re.search(r'secs=(\d+)', v)
    verdict = re.search(r'verdict=(\w+)', v)
    out = f'{secs.group(1)} s' if secs else ''
    if verdict:
        out += (', ' if out else '') + verdict.group(1)
    why = re.search(r'verdict=FAIL \S+ \((\w+) failure\): ([^\[]*)', v)
    if why:
        out += f' ({why.group(1)}: {why.group(2).strip()})'
    return out or v


def us(ns):
    return None if ns is None else ns / 1000.0


def num_or_none(v):
    try:
        return float(v) if '.' in str(v) else int(v)
    except (TypeError, ValueError):
        return None


def read_manifest(meta):
    out = {}
    try:
        for line in open(meta.get('_manifest', '')):
            k, _, v = line.rstrip('\n').partition(': ')
            if k == 'packages':
                out['npkgs'] = len(v.split())
            elif k == 'bytes':
                out['mib'] = f'{int(v) / 2**20:.0f}'
            elif k == 'files':
                out['files'] = v
    except OSError:
        pass
    return out
