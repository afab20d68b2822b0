"""expect() and the closing count, shared by the Python unit tests."""
import sys

_count = {'passed': 0, 'failed': 0}


def expect(what, cond):
    if cond:
        _count['passed'] += 1
    else:
        _count['failed'] += 1
        print(f'FAILED: {what}', file=sys.stderr)


def report(name):
    """Print "NAME: P passed, F failed" and exit 1 if anything failed."""
    print(f"{name}: {_count['passed']} passed, {_count['failed']} failed")
    sys.exit(1 if _count['failed'] else 0)
