#!/usr/bin/env python3
"""Unit tests for the eligible census (tests/vm/dom0/eligible.awk).

The dom0 image runs it with busybox awk; here it runs with the host's
awk, and with busybox's when the host has busybox.
"""
import os
import shutil
import subprocess

from expect import expect, report

AWK = os.path.join(os.path.dirname(__file__), '..', 'vm', 'dom0',
                   'eligible.awk')


def census(awk, lines):
    out = subprocess.run(awk + ['-f', AWK], input='\n'.join(lines) + '\n',
                         capture_output=True, text=True, check=True).stdout
    w = out.split()
    return {w[i]: int(w[i + 1]) for i in range(0, len(w), 2)}


def run(awk):
    name = ' '.join(awk)
    # Three guests, one content each, all on one frame at other pfns.
    c = census(awk, ['g1 cache aa 100 1', 'g2 cache aa 100 2',
                     'g3 cache aa 100 3'])
    expect(f'{name}: all shared', c == {'potential': 2, 'saved': 2,
                                        'different-pfn': 1, 'pagecache': 1})
    # Nothing shared: each guest its own frame.
    c = census(awk, ['g1 image aa 1 5', 'g2 image aa 2 5', 'g3 image aa 3 5'])
    expect(f'{name}: none shared', c == {'potential': 2, 'saved': 0,
                                         'different-pfn': 0, 'pagecache': 0})
    # Two of three share, at the same pfn (kernel image).
    c = census(awk, ['g1 image aa 9 5', 'g2 image aa 9 5', 'g3 image aa 3 5'])
    expect(f'{name}: two of three', c['potential'] == 2 and
           c['saved'] == 1 and c['different-pfn'] == 0 and
           c['pagecache'] == 0)
    # A content in one guest only has no inter-VM potential, even when
    # that guest has it twice (a duplicate inside one domain).
    c = census(awk, ['g1 cache bb 7 1', 'g1 cache bb 8 2'])
    expect(f'{name}: intra-domain only', c['potential'] == 0 and
           c['saved'] == 0)
    # A guest with two pages of a content: one of them shared counts.
    c = census(awk, ['g1 cache aa 7 1', 'g1 cache aa 50 2',
                     'g2 cache aa 50 9'])
    expect(f'{name}: one of two pages', c['potential'] == 1 and
           c['saved'] == 1 and c['different-pfn'] == 1)
    # A page listed twice counts once.
    c = census(awk, ['g1 cache aa 50 2', 'g1 cache aa 50 2',
                     'g2 cache aa 50 9', 'g2 cache aa 50 9'])
    expect(f'{name}: listed twice', c['potential'] == 1 and c['saved'] == 1)
    # Two contents: sums.
    c = census(awk, ['g1 cache aa 50 2', 'g2 cache aa 50 9',
                     'g1 image bb 60 3', 'g2 image bb 61 3'])
    expect(f'{name}: two contents', c['potential'] == 2 and
           c['saved'] == 1 and c['pagecache'] == 1)
    # No input at all.
    c = census(awk, [])
    expect(f'{name}: empty', c == {'potential': 0, 'saved': 0,
                                   'different-pfn': 0, 'pagecache': 0})


run(['awk'])
if shutil.which('busybox'):
    run(['busybox', 'awk'])
report('eligible')
