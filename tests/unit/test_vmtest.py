#!/usr/bin/env python3
"""Unit tests for the VM harness's verdicts (tests/vm/vmtest.py judge())."""
import os
import sys
import tempfile

from expect import expect, report
sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'vm'))
import vmtest  # noqa: E402


def judge(lines, rc=0, timed_out=False, scenario='off'):
    with tempfile.NamedTemporaryFile('w', delete=False) as f:
        f.write('\n'.join(lines) + '\n')
    try:
        return vmtest.judge(scenario, f.name, rc, timed_out)
    finally:
        os.unlink(f.name)


ALL_OFF = [f'CBPS-RESULT: PASS {k.split("/")[1]}' if k.startswith('dom0/')
           else f'[g1] CBPS-RESULT: PASS {k.split("/")[1]}'
           for k in vmtest.expected_checks('off')]
DONE = ['CBPS-SCENARIO-DONE off']

v = judge(ALL_OFF + DONE)
expect('all expected checks and the end marker pass', v[0] == 'pass')

v = judge(ALL_OFF[1:] + DONE)
expect('a missing check is a cbps failure', v[0] == 'cbps' and
       'missing' in v[1])

v = judge(ALL_OFF + ['[g1] CBPS-RESULT: FAIL extra: broke'] + DONE)
expect('a FAIL line is a cbps failure', v[0] == 'cbps' and 'g1/extra' in v[1])

v = judge(ALL_OFF + ['(XEN) [ 9.1] Assertion \'x\' failed at core.c:10'] +
          DONE)
expect('a Xen assertion is a cbps failure', v[0] == 'cbps' and
       v[1] == 'Xen crashed')

v = judge(ALL_OFF[:2] + ['[g1] [ 3.2] BUG: unable to handle page fault'])
expect('a guest oops is a cbps failure', v[0] == 'cbps' and 'guest' in v[1])

v = judge(ALL_OFF[:2] + ['[ 5.1] xl[301]: segfault at 0 ip 0 sp 0 error 4'])
expect('a dom0 xl segfault is an infra failure', v[0] == 'infra')

v = judge(ALL_OFF[:2] + ['[ 5.1] cbps[301]: segfault at 0 ip 0 sp 0 error 4'])
expect('our own dom0 tool crashing is a cbps failure', v[0] == 'cbps')

v = judge(ALL_OFF[:2] + ['CBPS-INFRA: xl create g1 failed (exit 1)'])
expect('a CBPS-INFRA marker is an infra failure', v[0] == 'infra')

v = judge(['[ 5.1] xl[301]: segfault at 0',
           '(XEN) [ 6.0] Panic on CPU 0:'])
expect('a Xen panic outranks a dom0 tool crash', v[0] == 'cbps')

v = judge(ALL_OFF[:2], rc=0, timed_out=True)
expect('a timeout without crash signature is a timeout', v[0] == 'timeout')

v = judge(ALL_OFF[:2], rc=1)
expect('QEMU failing before the end is infra', v[0] == 'infra')

v = judge(ALL_OFF[:2], rc=0)
expect('a clean exit before the end is a cbps failure', v[0] == 'cbps')

v = judge(['[g1] [ 1.0] xl[3]: segfault at 0'] + ALL_OFF + DONE)
expect('a guest line never counts as a dom0 crash', v[0] == 'pass')

report('harness')
