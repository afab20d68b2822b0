#!/usr/bin/env python3
"""Print the Debian packages a minbase-like root needs: the given packages
and everything they Depend or Pre-Depend on, taking the first alternative
of each dependency (as debootstrap does), except where PREFER names the
alternative debootstrap's merged-/usr bookworm root has.  A virtual package
resolves to a provider already in the set when there is one.  Uses only
the local apt cache (apt-cache show / showpkg)."""
import re
import subprocess
import sys

PREFER = {'usrmerge': 'usr-is-merged'}


def apt(*args):
    return subprocess.run(['apt-cache', *args], capture_output=True,
                          text=True).stdout


def deps_of(pkg):
    """(exists, [[alternative, ...], ...])"""
    out = apt('show', '--no-all-versions', pkg)
    if not out.strip():
        return False, []
    deps = []
    for line in out.splitlines():
        if line.startswith(('Depends:', 'Pre-Depends:')):
            for dep in line.split(':', 1)[1].split(','):
                alts = [re.split(r'[ (:]', a.strip())[0]
                        for a in dep.split('|')]
                deps.append(alts)
    return True, deps


def main():
    want = sys.argv[1:]
    have = set()
    todo = [[p] for p in want]
    while todo:
        alts = todo.pop(0)
        if any(a in have for a in alts):
            continue
        p = PREFER.get(alts[0], alts[0])
        ok, deps = deps_of(p)
        if not ok:
            provs = re.findall(r'^(\S+) \S+', apt('showpkg', p).split(
                'Reverse Provides:', 1)[-1], re.M)
            pick = [q for q in provs if q in have or q in want]
            if pick or provs:
                todo.insert(0, [(pick or provs)[0]])
            continue
        have.add(p)
        todo += deps
    print(' '.join(sorted(have)))


if __name__ == '__main__':
    main()
