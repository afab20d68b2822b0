#!/usr/bin/env python3
"""make eval's report: read the serial logs of the eval VM runs
(build/eval/logs/NAME.log, copied there by scripts/eval.sh), write the
data behind every figure to build/eval/*.tsv and build/eval/results.json,
draw the plots into docs/eval/*.png with gnuplot, and write
docs/EVALUATION.md.  Every number in the document comes from these logs
and from build/eval/meta.txt (date, commit, machine) of the same run.

The scenarios print (tests/vm/scenarios/eval-lib.sh):
  EVAL s t=.. phase=.. key=value ...    a sample of cbps shares/census/scan
  EVAL event t=.. what=...              a guest started, a phase began
  EVAL census t=.. tag=.. dom=.. ...    the census at a point (dom=potential:
                                        the frames sharing could save)
  EVAL win t=.. tag=.. edge=start|end   the scanner's counters
  [gN] EVAL run|cow|commit|...          a guest's own figures
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys

MIB_PER_FRAME = 4096 / 2**20

EXPERIMENTS = ['eval-idle', 'eval-work', 'eval-userland', 'eval-random',
               'eval-memsize', 'eval-overhead', 'eval-plain']


def num(v):
    try:
        return float(v) if '.' in v else int(v)
    except (TypeError, ValueError):
        return None


def mib(frames):
    if not isinstance(frames, (int, float)) or isinstance(frames, bool):
        return None
    return frames * MIB_PER_FRAME


class Log:
    """The EVAL lines of one run's serial log."""

    LINE = re.compile(r'^(?:\[(\w+)\] )?EVAL (\S+) ?(.*)$')

    def __init__(self, path):
        self.path = path
        self.samples, self.events, self.census = [], [], []
        self.wins, self.guest, self.modes = [], [], []
        self.xen_version = self.xen_cmdline = None
        with open(path, errors='replace') as f:
            for raw in f:
                line = raw.replace('\r', '').rstrip('\n')
                if 'Xen version' in line and self.xen_version is None:
                    self.xen_version = line.split('Xen version', 1)[1].strip()
                if 'Command line:' in line and line.startswith('(XEN)') \
                        and self.xen_cmdline is None:
                    self.xen_cmdline = line.split('Command line:', 1)[1].strip()
                m = self.LINE.match(line)
                if not m:
                    continue
                who, kind, rest = m.groups()
                if who:
                    self.guest.append((who, kind, rest))
                    continue
                if kind == 'event':
                    mm = re.match(r't=(\S+) what=(.*)$', rest)
                    if mm:
                        self.events.append((num(mm.group(1)), mm.group(2)))
                    continue
                kv = self.kv(rest)
                if kind == 's':
                    if 't' in kv and 'saved' in kv and 'held' in kv:
                        self.samples.append(kv)
                elif kind == 'census':
                    self.census.append(kv)
                elif kind == 'win':
                    self.wins.append(kv)
                elif kind == 'mode':
                    self.modes.append(kv)

    @staticmethod
    def kv(rest):
        out = {}
        for w in rest.split():
            if '=' in w:
                k, v = w.split('=', 1)
                n = num(v)
                out[k] = v if n is None else n
        return out

    def census_of(self, tag, dom='total'):
        for c in self.census:
            if c.get('tag') == tag and str(c.get('dom')) == dom:
                return c
        return None

    def potential(self, tag):
        c = self.census_of(tag, 'potential')
        return None if c is None else c.get('inter')

    def sample_at(self, tag):
        """The sample census_line(tag) took (the one just before it)."""
        c = self.census_of(tag)
        if c is None:
            return None
        best = None
        for s in self.samples:
            if s['t'] <= c['t'] + 0.05:
                if best is None or s['t'] >= best['t']:
                    best = s
        return best

    def window(self, tag):
        """Differences of the scanner's counters over window TAG."""
        e = {w['edge']: w for w in self.wins if str(w.get('tag')) == str(tag)}
        if 'start' not in e or 'end' not in e:
            return None
        a, b = e['start'], e['end']
        d = {k: b[k] - a[k] for k in ('t', 'cycles', 'passes', 'hashed',
                                      'scan_ms')
             if isinstance(a.get(k), (int, float)) and
             isinstance(b.get(k), (int, float))}
        d['ix_entries'] = b.get('ix_entries')
        d['ix_kib'] = b.get('ix_kib')
        return d

    def guest_lines(self, kind, who=None):
        return [(w, self.kv(r), r) for w, k, r in self.guest
                if k == kind and (who is None or w == who)]


def fit(xs, ys):
    """Least squares y = a + b x: (b, a, r^2)."""
    n = len(xs)
    if n < 2:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        return None
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    b = sxy / sxx
    a = my - b * mx
    syy = sum((y - my) ** 2 for y in ys)
    r2 = 1.0 if syy == 0 else (sxy * sxy) / (sxx * syy)
    return b, a, r2


def fmt(v, d=1):
    if not isinstance(v, (int, float)) or isinstance(v, bool):
        return 'n/a'
    if isinstance(v, int):
        return f'{v:,}'.replace(',', ' ')
    return f'{v:,.{d}f}'.replace(',', ' ')


def pct(a, b, d=0):
    if not isinstance(a, (int, float)) or not isinstance(b, (int, float)) \
            or not b:
        return 'n/a'
    return f'{100.0 * a / b:.{d}f}%'


# ---------------------------------------------------------------- data out

def write_series(log, path, mem_of):
    """One row per sample: time and what is shared, saved and zero."""
    rows = []
    with open(path, 'w') as f:
        f.write('# t_s guests guest_mib holders_mib saved_mib frames_mib '
                'zero_mib saved_pct_of_guest_mem anon_mib cache_mib '
                'image_mib cow_breaks inter_mib\n')
        for s in log.samples:
            gm = mem_of(s)
            sv = s.get('saved') if isinstance(s.get('saved'), int) else None
            if not isinstance(gm, (int, float)):
                gm = None
            z = s.get('zero') if isinstance(s.get('zero'), int) else None
            inter = s.get('inter') if isinstance(s.get('inter'), int) else None
            row = [s['t'], s.get('guests', 0), gm,
                   mib(s.get('holders')), mib(sv), mib(s.get('frames')),
                   mib(z) if z is not None else None,
                   (100.0 * mib(sv) / gm) if gm and sv is not None else None,
                   mib(s.get('anon')), mib(s.get('cache')), mib(s.get('image')),
                   s.get('cow'), mib(inter)]
            rows.append(row)
            f.write(' '.join('NaN' if v is None else
                             (f'{v:.3f}' if isinstance(v, float) else str(v))
                             for v in row) + '\n')
    return rows


def gnuplot(script, cwd):
    r = subprocess.run(['gnuplot'], input=script, text=True, cwd=cwd,
                       capture_output=True)
    if r.returncode:
        sys.stderr.write(r.stderr)
        raise SystemExit(f'gnuplot failed ({r.returncode})')


TERM = 'set terminal pngcairo size 960,640 font "sans,10"\n'


def marks(log, t_max=None, which=lambda w: True):
    """gnuplot arrows and labels for the events of a run."""
    out = []
    for i, (t, what) in enumerate(log.events):
        if not which(what):
            continue
        if t_max is not None and t > t_max:
            continue
        lab = what.replace('"', "'")
        lab = re.sub(r'^started (\w+) \((\d+) MiB, ([\w.-]+), .*$',
                     r'+\1 \3', lab)
        lab = lab.replace(' domU-eval.cpio.gz', '')
        lab = lab.replace(' domU-deb.cpio.gz', ' Debian')
        lab = re.sub(r' workload done$', ' done', lab)
        lab = re.sub(r' ran its Debian programs$', ' ran', lab)
        lab = re.sub(r'^phase ', '', lab)
        out.append(f'set arrow from {t},graph 0 to {t},graph 1 nohead '
                   f'dt 3 lc rgb "#999999"')
        out.append(f'set label "{lab}" at {t},graph 0.98 rotate by 90 right '
                   f'font ",8" tc rgb "#555555" offset 0.8,0')
    return '\n'.join(out) + '\n'


def timeline_plot(log, tsv, png, title, docs_eval, which=None):
    """Figure 7.1's two graphs: absolute, and as a share of guest memory."""
    which = which or (lambda w: w.startswith('started') or
                      w.startswith('phase'))
    m = marks(log, which=which)
    gp = TERM + f'''
set output "{png}"
set multiplot layout 2,1 title "{title}\\n(QEMU TCG: times are emulated; t = seconds since the scenario began)"
set grid
set key below
set ylabel "MiB"
{m}
plot "{tsv}" u 1:4 w l lw 2 t "guest pages backed by a shared frame (thesis: shared)", \\
     "" u 1:5 w l lw 2 t "frames saved (thesis: reclaimed)", \\
     "" u 1:6 w l lw 1 t "shared frames in the pool (thesis: shared copies)", \\
     "" u 1:7 w l lw 1 dt 2 t "zero frames the census counts (with zero=on they count as ordinary contents)"
unset label
unset arrow
set ylabel "% of the running guests' memory"
set xlabel "t (s)"
set key inside top left
{m}
plot "{tsv}" u 1:8 w l lw 2 t "frames saved, % of the memory of the guests running"
unset multiplot
'''
    gnuplot(gp, docs_eval)


# ------------------------------------------------------------ experiments

def exp_idle(log, ev, de):
    r = {}
    rows = write_series(log, f'{ev}/idle.tsv', lambda s: 128 * s['guests'])
    timeline_plot(log, f'{ev}/idle.tsv', 'idle.png',
                  'Identical idle guests, 128 MiB, started one after another; '
                  'then zero=on', de)
    for n in (1, 2, 3):
        s = log.sample_at(f'{n}-guests')
        c = log.census_of(f'{n}-guests')
        if s:
            r[f'saved_{n}'] = s['saved']
            r[f'holders_{n}'] = s['holders']
            r[f'frames_{n}'] = s['frames']
            r[f'image_{n}'] = s['image']
            r[f'cache_{n}'] = s['cache']
            r[f'anon_{n}'] = s['anon']
            r[f'free_{n}'] = s.get('free_mib')
        if c:
            r[f'zero_{n}'] = c['zero']
            r[f'scanned_{n}'] = c['scanned']
            r[f'self_dup_{n}'] = c['self_dup']
    r['potential'] = log.potential('potential')
    r['potential_zero'] = log.potential('potential-zero')
    pc = log.census_of('potential')
    if pc:
        r['pot_zero_frames'] = pc['zero']
        r['pot_self_dup'] = pc['self_dup']
        r['pot_scanned'] = pc['scanned']
    pz = log.census_of('potential-zero')
    if pz:
        r['potz_zero_frames'] = pz['zero']
        r['potz_self_dup'] = pz['self_dup']
    s = log.sample_at('zero-on')
    if s:
        r['saved_zero_on'] = s['saved']
        r['holders_zero_on'] = s['holders']
    p = log.census_of('potential', 'potential')
    if p:
        r['pot_intra'] = p.get('intra')
    pz = log.census_of('potential-zero', 'potential')
    if pz:
        r['potz_intra'] = pz.get('intra')
    r['captured'] = ratio(r.get('saved_3'), r.get('potential'))
    r['captured_zero_on'] = ratio(r.get('saved_zero_on'),
                                  r.get('potential_zero'))
    r['phase_rates'] = phase_rates(log)
    # Free memory Xen reports, per phase: its growth tracks the saving.
    r['total_mib'] = next((s.get('total_mib') for s in log.samples
                           if isinstance(s.get('total_mib'), int)), None)
    return r


def hash_rates(log):
    """Frames hashed a second between samples: while the saving grew (the
    guests were committing offers) and while it stood still."""
    grow, still = [0, 0, 0], [0, 0, 0]
    prev = None
    for smp in log.samples:
        if prev is not None and all(isinstance(x.get(k), int) for x in
                                    (smp, prev)
                                    for k in ('hashed', 'saved', 'scan_ms')):
            dt = smp['t'] - prev['t']
            dh = smp['hashed'] - prev['hashed']
            if dt > 0 and smp.get('guests', 0) >= 2 and dh >= 0 and \
                    smp['phase'] == prev['phase']:
                acc = grow if smp['saved'] > prev['saved'] else still
                acc[0] += dh
                acc[1] += dt
                acc[2] += smp['scan_ms'] - prev['scan_ms']
        prev = smp
    return {'growing': grow[0] / grow[1] if grow[1] else None,
            'growing_s': grow[1],
            'growing_us': 1000 * grow[2] / grow[0] if grow[0] else None,
            'growing_share': grow[2] / grow[1] / 1000 if grow[1] else None,
            'still_share': still[2] / still[1] / 1000 if still[1] else None,
            'still': still[0] / still[1] if still[1] else None,
            'still_s': still[1],
            'still_us': 1000 * still[2] / still[0] if still[0] else None}


def phase_rates(log):
    """{phase: (frames hashed a second, scanner's share of a CPU, seconds)}
    from the first and last sample of each phase."""
    first, last = {}, {}
    for smp in log.samples:
        if not all(isinstance(smp.get(k), int) for k in ('hashed', 'scan_ms')):
            continue
        first.setdefault(smp['phase'], smp)
        last[smp['phase']] = smp
    out = {}
    for ph, a in first.items():
        b = last[ph]
        dt = b['t'] - a['t']
        if dt > 0:
            out[ph] = ((b['hashed'] - a['hashed']) / dt,
                       (b['scan_ms'] - a['scan_ms']) / dt / 1000, dt)
    return out


def ratio(a, b):
    if a is None or not b:
        return None
    return a / b


def exp_work(log, ev, de):
    r = {}
    write_series(log, f'{ev}/work.tsv', lambda s: 128 * s['guests'])
    timeline_plot(log, f'{ev}/work.tsv', 'work.png',
                  'Three identical guests (128 MiB, anon=1) running the same '
                  'workload, then idle', de,
                  which=lambda w: w.startswith('started') or
                  w.endswith('workload done') or w.startswith('phase cow') or
                  w.startswith('phase iso'))
    s = log.sample_at('3-guests')
    if s:
        for k in ('saved', 'holders', 'frames', 'anon', 'cache', 'image',
                  'cow'):
            r[f'{k}_3'] = s[k]
    r['potential'] = log.potential('potential')
    r['captured'] = ratio(r.get('saved_3'), r.get('potential'))
    runs = [kv['secs'] for w, kv, _ in log.guest_lines('run')
            if isinstance(kv.get('secs'), (int, float))]
    r['workload_secs'] = runs
    r['starts'] = [t for t, what in log.events if what.startswith('started')]
    for w, kv, _ in log.guest_lines('cow'):
        r['cow'] = kv
    for w, kv, _ in log.guest_lines('commit'):
        r['commit'] = kv
    r['proc'] = {}
    for w, kv, raw in log.guest_lines('proc'):
        k, _, v = raw.partition(' ')
        r['proc'][k] = num(v.strip())
    return r


def exp_userland(log, ev, de):
    r = {}
    write_series(log, f'{ev}/userland.tsv', lambda s: 256 * s['guests'])
    timeline_plot(log, f'{ev}/userland.tsv', 'userland.png',
                  'Different userlands: busybox guest + Debian guest, then a '
                  'second Debian guest (256 MiB each)', de,
                  which=lambda w: w.startswith('started') or
                  w.startswith('phase iso'))
    for tag, pot, key in (('busybox+debian', 'potential-1', 'mixed'),
                          ('busybox+2debian', 'potential-2', 'plus_deb')):
        s = log.sample_at(tag)
        if s:
            r[f'saved_{key}'] = s['saved']
            r[f'held_{key}'] = s['held']
            r[f'image_{key}'] = s['image']
            r[f'cache_{key}'] = s['cache']
        r[f'potential_{key}'] = log.potential(pot)
        r[f'captured_{key}'] = ratio(r.get(f'saved_{key}'),
                                     r.get(f'potential_{key}'))
    if r.get('saved_plus_deb') is not None and r.get('saved_mixed') is not None:
        r['saved_deb_pair'] = r['saved_plus_deb'] - r['saved_mixed']
    if r.get('potential_plus_deb') is not None and \
            r.get('potential_mixed') is not None:
        r['potential_deb_pair'] = r['potential_plus_deb'] - r['potential_mixed']
    r['captured_deb_pair'] = ratio(r.get('saved_deb_pair'),
                                   r.get('potential_deb_pair'))
    r['deb_programs'] = [kv for w, kv, _ in log.guest_lines('deb-programs')]
    r['domains'] = domains(log)
    return r


def domains(log):
    """{domid: (guest, image)} from the "started" events."""
    out = {}
    for t, what in log.events:
        mm = re.match(r'started (\w+) \((\d+) MiB, ([\w.-]+), .*as domain (\d+)',
                      what)
        if mm:
            out[int(mm.group(4))] = (mm.group(1), mm.group(3))
    return out


def exp_random(log, ev, de):
    r = {}
    write_series(log, f'{ev}/random.tsv', lambda s: 128 * s['guests'])
    timeline_plot(log, f'{ev}/random.tsv', 'random.png',
                  'Worst case: two guests (128 MiB) with 56 MiB of random '
                  'data each, 256 KiB rewritten every second', de,
                  which=lambda w: w.startswith('started') or
                  w.startswith('random') or w.startswith('phase iso'))
    s = log.sample_at('random')
    c = log.census_of('random')
    if s:
        r['saved'] = s['saved']
        r['image'] = s['image']
        r['cache'] = s['cache']
    if c:
        for k in ('scanned', 'unique', 'unstable', 'uncmp', 'zero'):
            r[k] = c[k]
    r['potential'] = log.potential('potential')
    r['captured'] = ratio(r.get('saved'), r.get('potential'))
    w = log.window('random')
    if w and w.get('t'):
        r['cpu_share'] = w['scan_ms'] / (w['t'] * 1000)
    r['fill'] = [kv for w, kv, _ in log.guest_lines('random-fill')]
    return r


def mem_of_phase(s):
    m = re.search(r'2x(\d+)', str(s.get('phase')))
    return int(m.group(1)) * s['guests'] if m else None


def exp_memsize(log, ev, de, idle=None):
    r = {'sizes': []}
    write_series(log, f'{ev}/memsize.tsv', mem_of_phase)
    timeline_plot(log, f'{ev}/memsize.tsv', 'memsize.png',
                  'Guest memory size: pairs of identical idle guests of 96 '
                  'and 256 MiB, one pair after another', de,
                  which=lambda w: w.startswith('phase 2x'))
    sizes = sorted({int(c['tag'][2:]) for c in log.census
                    if re.match(r'^2x\d+$', str(c.get('tag')))})
    for m in sizes:
        s = log.sample_at(f'2x{m}')
        c = log.census_of(f'2x{m}')
        pot = log.potential(f'potential-2x{m}')
        row = {'mib': m, 'saved': s['saved'] if s else None,
               'zero': c['zero'] if c else None,
               'potential': pot,
               'captured': ratio(s['saved'] if s else None, pot)}
        r['sizes'].append(row)
    if idle is not None:
        s = idle.sample_at('2-guests')
        c = idle.census_of('2-guests')
        if s:
            r['sizes'].append({'mib': 128, 'saved': s['saved'],
                               'zero': c['zero'] if c else None,
                               'potential': None, 'captured': None,
                               'from': 'eval-idle'})
    r['sizes'].sort(key=lambda x: x['mib'])
    return r


def scaling(logs, ev, de):
    """Scan cost and index memory against guest memory."""
    pts = []
    for name in ('eval-memsize', 'eval-idle'):
        log = logs.get(name)
        if not log:
            continue
        tags = sorted({str(w['tag']) for w in log.wins}, key=int)
        for tag in tags:
            w = log.window(tag)
            if not w or not w.get('cycles'):
                continue
            ctag = {'eval-memsize': f'2x{int(tag) // 2}',
                    'eval-idle': f'{int(tag) // 128}-guests'}[name]
            c = log.census_of(ctag)
            # Xen sizes a cycle's passes by the frames the registered
            # guests own (index.c: cbps_index_start_cycle): one pass takes
            # at most 3/4 of the index's entries.
            demand = None
            if c:
                demand = c['scanned'] + c['pgtable'] + c['skipped']
            bpe = (w['ix_kib'] * 1024 / w['ix_entries']
                   if w.get('ix_entries') else None)
            pts.append({
                'run': name, 'mib': int(tag), 'cycles': w['cycles'],
                'wall_s': w['t'],
                'ms_per_cycle': w['scan_ms'] / w['cycles'],
                'wall_per_cycle': w['t'] / w['cycles'],
                'passes_per_cycle': w['passes'] / w['cycles'],
                'hashed_per_cycle': w['hashed'] / w['cycles'],
                'cpu_share': w['scan_ms'] / (w['t'] * 1000) if w['t'] else None,
                'ix_kib': w['ix_kib'], 'ix_entries': w['ix_entries'],
                'scanned': c['scanned'] if c else None,
                'demand_entries': demand,
                'passes_needed': (-(-demand // int(w['ix_entries'] * 3 / 4))
                                  if demand and w.get('ix_entries') else None),
                'demand_kib': (demand * bpe / 0.75 / 1024
                               if demand is not None and bpe else None),
            })
    r = {'points': pts}
    with open(f'{ev}/scaling.tsv', 'w') as f:
        f.write('# run guest_mib scan_ms_per_cycle wall_s_per_cycle '
                'passes_per_cycle hashed_per_cycle index_kib demand_kib '
                'scanned_frames\n')
        for p in pts:
            f.write(f"{p['run']} {p['mib']} {p['ms_per_cycle']:.1f} "
                    f"{p['wall_per_cycle']:.2f} {p['passes_per_cycle']:.2f} "
                    f"{p['hashed_per_cycle']:.0f} {p['ix_kib']} "
                    f"{p['demand_kib'] if p['demand_kib'] is not None else 'NaN'} "
                    f"{p['scanned'] if p['scanned'] is not None else 'NaN'}\n")
    if len(pts) >= 2:
        xs = [p['mib'] for p in pts]
        r['fit_ms'] = fit(xs, [p['ms_per_cycle'] for p in pts])
        r['fit_hashed'] = fit(xs, [p['hashed_per_cycle'] for p in pts])
        d = [(p['mib'], p['demand_kib']) for p in pts
             if p['demand_kib'] is not None]
        r['fit_demand'] = fit([a for a, _ in d], [b for _, b in d])
        r['fit_scanned'] = fit(
            [p['mib'] for p in pts if p['scanned']],
            [p['scanned'] for p in pts if p['scanned']])
    if r.get('fit_ms'):
        b, a, _ = r['fit_ms']
        bd, ad, _ = r['fit_demand'] if r.get('fit_demand') else (0, 0, 0)
        ix = pts[0]['ix_kib']
        gp = TERM + f'''
set output "scaling.png"
set multiplot layout 1,2 title "The scanner as guest memory grows (rate=50000 frames/s, interval=0, sharing on and settled; QEMU TCG)"
set grid
set key inside top left
set xlabel "memory of the running guests (MiB)"
set ylabel "scanner CPU time per scan cycle (ms, TCG)"
set xrange [0:*]
set yrange [0:*]
f(x) = {a} + {b} * x
plot "{ev}/scaling.tsv" u 2:(strcol(1) eq "eval-memsize" ? $3 : 1/0) w p pt 7 ps 1.5 t "pairs of 96 and 256 MiB guests", \\
     "" u 2:(strcol(1) eq "eval-idle" ? $3 : 1/0) w p pt 5 ps 1.5 t "1, 2, 3 guests of 128 MiB", \\
     f(x) w l lw 2 t sprintf("least squares: %.1f ms per MiB", {b})
set ylabel "content index (KiB)"
set key bottom right
g(x) = {ad} + {bd} * x
plot {ix} w l lw 2 t "index memory Xen has (fixed: host RAM / 2000)", \\
     "{ev}/scaling.tsv" u 2:8 w p pt 7 ps 1.5 t "index a one-pass cycle would need", \\
     g(x) w l lw 1 dt 2 t sprintf("least squares: %.2f KiB per MiB", {bd})
unset multiplot
'''
        gnuplot(gp, de)
    return r


def exp_overhead(logs, ev, de):
    r = {}
    ov, pl = logs.get('eval-overhead'), logs.get('eval-plain')
    runs = []
    if ov:
        secs = {kv['n']: kv['secs'] for w, kv, _ in ov.guest_lines('run', 'g1')
                if isinstance(kv.get('n'), int) and kv['n'] > 0}
        for m in ov.modes:
            k = m.get('run')
            if k in secs:
                w = ov.window(f"run-{k}-{m['mode']}")
                share = (w['scan_ms'] / (w['t'] * 1000)
                         if w and w.get('t') else None)
                runs.append({'run': k, 'mode': m['mode'], 'secs': secs[k],
                             'scan_share': share})
    if pl:
        for w, kv, _ in pl.guest_lines('run', 'g1'):
            if isinstance(kv.get('n'), int) and kv['n'] > 0:
                runs.append({'run': kv['n'], 'mode': 'plain',
                             'secs': kv['secs'], 'scan_share': None})
    r['runs'] = runs
    modes = ['plain', 'off', 'scan', 'share']
    by = {m: [x['secs'] for x in runs if x['mode'] == m] for m in modes}
    r['mean'] = {m: statistics.mean(v) if v else None for m, v in by.items()}
    r['n'] = {m: len(v) for m, v in by.items()}
    r['min'] = {m: min(v) if v else None for m, v in by.items()}
    r['max'] = {m: max(v) if v else None for m, v in by.items()}
    r['scan_share'] = {}
    for m in ('off', 'scan', 'share'):
        v = [x['scan_share'] for x in runs if x['mode'] == m and
             x['scan_share'] is not None]
        r['scan_share'][m] = statistics.mean(v) if v else None
    with open(f'{ev}/overhead.tsv', 'w') as f:
        f.write('# mode_index mode run secs scanner_cpu_share\n')
        for x in runs:
            f.write(f"{modes.index(x['mode'])} {x['mode']} {x['run']} "
                    f"{x['secs']} {x['scan_share'] if x['scan_share'] is not None else 'NaN'}\n")
    with open(f'{ev}/overhead-mean.tsv', 'w') as f:
        for i, m in enumerate(modes):
            if r['mean'][m] is not None:
                f.write(f"{i} {m} {r['mean'][m]:.3f}\n")
    if runs:
        gp = TERM + f'''
set output "overhead.png"
set title "The same workload in g1 (g2 idle): Xen without cbps (plain, its own boot), and cbps off/scan/share in one boot\\n(seconds inside the guest under QEMU TCG; bars: mean, points: runs)"
set grid ytics
set style fill solid 0.35
set boxwidth 0.6
set xrange [-0.6:3.6]
set yrange [0:*]
set ylabel "workload time (s, TCG)"
set bmargin 6
set key below
set xtics ("plain\\n(cbps=off boot)" 0, "off\\n(rate=0, isolated)" 1, "scan\\n(scanning, isolated)" 2, "share\\n(scanning, sharing)" 3)
plot "{ev}/overhead-mean.tsv" u 1:3 w boxes lc rgb "#4477aa" t "mean", \\
     "{ev}/overhead.tsv" u 1:4 w p pt 7 ps 1.2 lc rgb "#cc3311" t "runs"
'''
        gnuplot(gp, de)
    return r


# ---------------------------------------------------------------- the doc

def load_meta(path):
    meta = {}
    if os.path.exists(path):
        for line in open(path):
            k, _, v = line.rstrip('\n').partition(': ')
            meta[k] = v
    return meta


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--eval-dir', required=True)
    ap.add_argument('--docs', required=True)
    a = ap.parse_args()
    ev = os.path.abspath(a.eval_dir)
    de = os.path.join(os.path.abspath(a.docs), 'eval')
    os.makedirs(de, exist_ok=True)
    meta = load_meta(f'{ev}/meta.txt')
    meta['_manifest'] = f'{ev}/debian-userland.manifest'
    runs = load_meta(f'{ev}/runs.txt')

    logs = {}
    for e in EXPERIMENTS:
        p = f'{ev}/logs/{e}.log'
        if os.path.exists(p):
            logs[e] = Log(p)
    res = {}
    failed = {}
    steps = [('eval-idle', exp_idle), ('eval-work', exp_work),
             ('eval-userland', exp_userland), ('eval-random', exp_random),
             ('eval-memsize', lambda lg, e, d: exp_memsize(
                 lg, e, d, logs.get('eval-idle')))]
    for name, fn in steps:
        if name in logs:
            try:
                res[name] = fn(logs[name], ev, de)
                res[name]['not_settled'] = [
                    t for t, what in logs[name].events
                    if what.startswith('not settled')]
                res[name]['hash_rates'] = hash_rates(logs[name])
            except Exception as e:  # report what is missing, go on
                failed[name] = f'{type(e).__name__}: {e}'
    try:
        res['scaling'] = scaling(logs, ev, de)
    except Exception as e:
        failed['scaling'] = f'{type(e).__name__}: {e}'
    try:
        res['overhead'] = exp_overhead(logs, ev, de)
    except Exception as e:
        failed['overhead'] = f'{type(e).__name__}: {e}'
    with open(f'{ev}/results.json', 'w') as f:
        json.dump({'meta': meta, 'runs': runs, 'results': res,
                   'report_errors': failed}, f, indent=1, default=str)
    from doc import write_doc  # tests/eval/doc.py: the text
    write_doc(os.path.join(a.docs, 'EVALUATION.md'), meta, runs, logs, res,
              failed)
    print(f'report: {os.path.join(a.docs, "EVALUATION.md")}, plots in {de}')


if __name__ == '__main__':
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main()
