#!/usr/bin/env python3
"""Boot Xen + dom0 in QEMU (TCG), run one dom0 scenario and judge it.

Each scenario is tests/vm/scenarios/NAME.sh; its '# expect:' lines list
every check that must report PASS (dom0's as dom0/NAME, a guest's as
GUEST/NAME).  The whole serial console (Xen, dom0, and the guest consoles
dom0 copies in) goes to build/vm-logs/NAME.N.log.

A run ends in one of:
  pass   every expected check passed, nothing crashed
  cbps   a check failed or is missing, or Xen or a guest kernel crashed:
         a failure of our code
  infra  QEMU died, or dom0's toolstack crashed or failed (see
         ../shared/PLATFORM.md on TCG instability): not our code
  timeout  the VM did not finish in time; no crash signature says whose
         fault it is
Only infra and timeout are retried, at most --retries times (default 2),
and every retry is printed.
"""
import argparse
import os
import re
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
BUILD = os.environ.get('CBPS_BUILD', os.path.join(ROOT, 'build'))
OUT = os.path.join(BUILD, 'out')

# Per scenario: extra Xen arguments, the hypervisor it boots (ours, or
# Debian's stock build, which has no cbps), and memory (QEMU, dom0) in MiB.
# SHARE: sharing on, scanning fast, and every guest sharing with every
# other (ungrouped=share: the administrator's opt-in; the groups scenario
# tests sharing groups and the safe default, ungrouped=isolate).
SCAN = 'cbps=on,rate=50000,interval=0'
SHARE = SCAN + ',share=on,ungrouped=share'
SCENARIOS = {
    'ring': ('cbps=on,max-domains=3,frobnicate', 'xen', 2048, 512),
    'off': ('', 'xen', 2048, 512),
    'stock': ('cbps=on', 'xen-stock', 2048, 512),
    # Three 128 MiB dumps sit in dom0's tmpfs for the offline recount.
    'census': (SCAN, 'xen', 3072, 1024),
    'share': (SHARE + ' dom0_mem=512M,max:1024M', 'xen', 1024, 512),
    'cowbench': (SHARE, 'xen', 1024, 512),
    'torture': (SHARE, 'xen', 1024, 512),
    # A debugger's write (gdbsx) into kernel rodata one guest shares.
    'gdbsx': (SHARE, 'xen', 1024, 512),
    # Groups set from dom0, as an administrator would.
    'demo': (SCAN + ',share=on', 'xen', 2048, 512),
    # XPTI forced on for guests: its per-CPU root tables must carry each
    # guest's own M2P view too (AMD CPUs, like QEMU's, have it off).
    'anypfn': (SHARE + ' xpti=domu', 'xen', 2048, 512),
    'bench': ('cbps=on', 'xen', 2048, 512),
    'pool': (SHARE + ',pool=2M', 'xen', 1024, 512),
    'nopool': ('cbps=on,share=on,pool=1G', 'xen', 1024, 512),
    'anon': (SHARE, 'xen', 1024, 512),
    # Groups 1 and 2 and an ungrouped guest, isolated by default; one
    # guest may hold at most 1500 shared frames.
    'groups': (SCAN + ',share=on,max-held=1500', 'xen', 2048, 512),
    # A guest destroyed while another guest's grant copy unshares its
    # frame, the copy held in Xen for 10 s (a debug build's test-delay=).
    # Not in make check: the destroy does not reach Xen's teardown until
    # the copy is over (found, cause not yet known), so it does not race.
    # test_refs covers the rule it tests.
    'teardown': (SHARE + ',test-delay=10000', 'xen', 1024, 512),
    # A hostile guest's isolation probes and fuzzer next to an honest one.
    'hostile': (SCAN + ',share=on', 'xen', 2048, 512),
    # make eval (scripts/eval.sh), never part of make check: one boot per
    # experiment, each printing EVAL sample lines.  4 GiB: the content
    # index (RAM/2000) then holds a cycle of these guests in one or two
    # passes, which keeps the scan cycles, and make eval, short.  A pool
    # of 256 MiB: three Debian guests have more distinct shared contents
    # than the default 64 MiB pool holds, and a full pool would hide them.
    'eval-idle': (SHARE + ',pool=256M', 'xen', 4096, 512),
    'eval-work': (SHARE + ',pool=256M', 'xen', 4096, 512),
    'eval-userland': (SHARE + ',pool=256M', 'xen', 4096, 512),
    'eval-random': (SHARE + ',pool=256M', 'xen', 4096, 512),
    'eval-memsize': (SHARE + ',pool=256M', 'xen', 4096, 512),
    # Overhead: Xen without cbps; cbps on (stopped, scanning, sharing) in
    # one boot, the scanner at its default pace.
    'eval-plain': ('', 'xen', 4096, 512),
    'eval-overhead': ('cbps=on,share=on,ungrouped=share', 'xen', 4096, 512),
}
# The dom0 image a scenario boots when not build/out/dom0.cpio.gz: make
# eval's carries its own guest images and scripts (tests/eval/mkimages.sh).
DOM0_IMAGE = {s: os.path.join(BUILD, 'eval', 'img', 'dom0-eval.cpio.gz')
              for s in SCENARIOS if s.startswith('eval-')}

# -cpu max,-smap (PLATFORM.md) runs 4x faster, but dom0 programs died with
# a bad TLS pointer in about 1 boot of 3 (with Debian's own Xen too, so
# not cbps; not fixed by -fsgsbase or -xsaves).  qemu64 ran clean in every
# boot we tried: reliability first.
QEMU_CPU = os.environ.get('CBPS_QEMU_CPU', 'qemu64')
QEMU_ACCEL = os.environ.get('CBPS_QEMU_ACCEL', 'tcg')

XEN_COMMON = ('console=com1 com1=115200,8n1 loglvl=all '
              'guest_loglvl=all console_timestamps=boot')

RESULT = re.compile(r'^(?:\[(\w+)\] )?CBPS-RESULT: (PASS|FAIL) ([\w.-]+)(.*)$')
# Our hypervisor crashed or tripped an assertion.
XEN_CRASH = re.compile(r'Panic on CPU|Assertion .* failed|Xen BUG at|'
                       r'FATAL TRAP|FATAL PAGE FAULT|Xen WARN at')
# A kernel splat: in a guest it is ours (the guest runs cs.ko).
KERNEL_SPLAT = re.compile(r'BUG: |Oops|WARNING: CPU|general protection fault'
                          r'|Kernel panic')
# dom0 userland dying: the TCG instability PLATFORM.md describes.
DOM0_TOOL_CRASH = re.compile(r'(xl|sh|awk|sed|grep|xenstored|xenconsoled)'
                             r'\[\d+\]: (segfault|general protection)|'
                             r'traps: (xl|sh|awk|sed|grep)\[')
# Our own dom0 tools crashing is our failure.
OUR_TOOL_CRASH = re.compile(r'(cbps|cbps-recount)\[\d+\]: '
                            r'(segfault|general protection)|'
                            r'traps: (cbps|cbps-recount)\[')


def qemu_cmd(name, log):
    args, xen, mem, dom0_mem = SCENARIOS[name]
    xen = os.environ.get('CBPS_XEN_BINARY', xen)
    xen_args = f'{XEN_COMMON} dom0_mem={dom0_mem}M {args}'.strip()
    if os.environ.get('CBPS_XEN_EXTRA'):
        xen_args += ',' + os.environ['CBPS_XEN_EXTRA']
    dom0 = (f'{OUT}/vmlinux.gz console=hvc0 earlyprintk=xen '
            f'cbps.scenario={name},'
            f'{DOM0_IMAGE.get(name, OUT + "/dom0.cpio.gz")}')
    return ['qemu-system-x86_64', '-accel', QEMU_ACCEL, '-cpu', QEMU_CPU,
            '-m', str(mem), '-smp', '2', '-display', 'none',
            '-monitor', 'none', '-serial', f'file:{log}', '-no-reboot',
            '-kernel', f'{OUT}/{xen}', '-append', xen_args, '-initrd', dom0]


def expected_checks(name):
    path = os.path.join(ROOT, 'tests', 'vm', 'scenarios', name + '.sh')
    want = []
    with open(path) as f:
        for line in f:
            if line.startswith('# expect:'):
                want += line.split(':', 1)[1].split()
    return want


def judge(name, log, rc, timed_out):
    """Return (verdict, reason, results, lines worth showing)."""
    with open(log, errors='replace') as f:
        lines = [l.rstrip('\r\n') for l in f]

    results = {}
    for l in lines:
        m = RESULT.match(l)
        if m:
            who = m.group(1) or 'dom0'
            results[f'{who}/{m.group(3)}'] = (m.group(2), m.group(4))
    done = any(l.startswith('CBPS-SCENARIO-DONE') for l in lines)

    def near(pred, n=12):
        for i, l in enumerate(lines):
            if pred(l):
                return lines[max(0, i - 2):i + n]
        return []

    xen = near(lambda l: XEN_CRASH.search(l), 30)
    if xen:
        return 'cbps', 'Xen crashed', results, xen
    guest = near(lambda l: l.startswith('[g') and KERNEL_SPLAT.search(l), 30)
    if guest:
        return 'cbps', 'a guest kernel crashed', results, guest
    ours = near(lambda l: not l.startswith('[g') and OUR_TOOL_CRASH.search(l))
    if ours:
        return 'cbps', 'a cbps dom0 tool crashed', results, ours
    infra = near(lambda l: l.startswith('CBPS-INFRA') or
                 (not l.startswith('[g') and DOM0_TOOL_CRASH.search(l)))
    if infra:
        return 'infra', 'dom0 toolstack failed', results, infra
    dom0 = near(lambda l: not l.startswith('[g') and KERNEL_SPLAT.search(l),
                30)
    if dom0:
        return 'cbps', 'the dom0 kernel crashed', results, dom0
    if timed_out:
        return 'timeout', 'no end of scenario in time', results, lines[-30:]
    if not done:
        if rc != 0:
            return 'infra', f'QEMU exited with {rc}', results, lines[-30:]
        return 'cbps', 'the scenario did not finish', results, lines[-30:]

    failed = [f'{k}{v[1]}' for k, v in results.items() if v[0] == 'FAIL']
    missing = [k for k in expected_checks(name) if k not in results]
    if failed or missing:
        why = '; '.join(['failed: ' + ', '.join(failed)] * bool(failed) +
                        ['missing: ' + ', '.join(missing)] * bool(missing))
        shown = [l for l in lines if 'CBPS-RESULT: FAIL' in l]
        for k in missing:
            g = k.split('/')[0]
            shown += [l for l in lines if l.startswith(f'[{g}]')][-15:]
        return 'cbps', why, results, shown
    return 'pass', '', results, []


DEMO = re.compile(r'^(\[\w+\] )?(?:DEMO|BENCH)\| ?(.*)$')


def follow_demo(p, log, deadline):
    """Print the DEMO| lines of the serial log while the VM runs."""
    pos = 0
    buf = b''
    while time.time() < deadline:
        running = p.poll() is None
        if os.path.exists(log):
            with open(log, 'rb') as f:
                f.seek(pos)
                data = f.read()
            pos += len(data)
            buf += data
            *full, buf = buf.split(b'\n')
            for raw in full:
                m = DEMO.match(raw.decode(errors='replace').rstrip('\r'))
                if m:
                    print((m.group(1) or '') + m.group(2), flush=True)
        if not running:
            return False
        time.sleep(0.5)
    return True


def run_once(name, attempt, timeout, demo=False):
    logdir = os.path.join(BUILD, 'vm-logs')
    os.makedirs(logdir, exist_ok=True)
    # A name per run: a later run must not hide an earlier failure's log.
    log = os.path.join(logdir, f'{name}.{time.strftime("%H%M%S")}.'
                       f'{attempt}.log')
    start = time.time()
    p = subprocess.Popen(qemu_cmd(name, log), stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    timed_out = False
    if demo:
        timed_out = follow_demo(p, log, start + timeout)
    try:
        out, _ = p.communicate(timeout=max(1, start + timeout - time.time()))
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
        timed_out = True
    secs = time.time() - start
    if out.strip():
        print(f'  qemu: {out.decode(errors="replace").strip()}')
    return judge(name, log, p.returncode, timed_out) + (log, secs)


def run(name, retries, timeout, show_all, demo=False):
    for attempt in range(1, retries + 2):
        verdict, why, results, shown, log, secs = run_once(name, attempt,
                                                           timeout, demo)
        passed = sum(1 for v in results.values() if v[0] == 'PASS')
        if verdict == 'pass':
            print(f'PASS {name}: {passed} checks in {secs:.0f} s ({log})')
            if show_all:
                for k in results:
                    print(f'  pass {k}')
            return passed, 0
        print(f'FAIL {name} ({verdict} failure): {why} '
              f'[attempt {attempt}, {secs:.0f} s, log {log}]')
        for l in shown[:60]:
            print(f'  | {l}')
        if verdict in ('infra', 'timeout') and attempt <= retries:
            print(f'RETRY {name}: attempt {attempt + 1} of {retries + 1} '
                  f'after a {verdict} failure')
            continue
        nfail = max(1, len(expected_checks(name)) - passed)
        return passed, nfail
    raise AssertionError('unreachable')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('scenarios', nargs='*',
                    default=['ring', 'off', 'stock', 'nopool', 'census',
                             'share', 'pool', 'anypfn', 'anon',
                             'torture', 'groups', 'hostile', 'gdbsx'])
    ap.add_argument('--retries', type=int, default=2,
                    help='reruns after an infra or timeout failure')
    ap.add_argument('--timeout', type=int, default=900,
                    help='seconds one boot may take')
    ap.add_argument('-v', action='store_true', help='list every check')
    ap.add_argument('--demo', action='store_true',
                    help='run the demo scenario, showing its output live')
    ap.add_argument('--show', action='store_true',
                    help="show the scenarios' DEMO/BENCH lines live")
    a = ap.parse_args()
    if a.demo:
        print('cbps demo: booting Xen and dom0 in QEMU (TCG), about 40 s')
        p, f = run('demo', a.retries, a.timeout, a.v, demo=True)
        return 1 if f else 0
    for s in a.scenarios:
        if s not in SCENARIOS:
            ap.error(f'unknown scenario {s}; known: {", ".join(SCENARIOS)}')
    npass = nfail = 0
    for s in a.scenarios:
        p, f = run(s, a.retries, a.timeout, a.v, demo=a.show)
        npass += p
        nfail += f
    print(f'vm: {npass} passed, {nfail} failed')
    return 1 if nfail else 0


if __name__ == '__main__':
    sys.exit(main())
