# Shared settings for cbps scripts; sourced, not run.
CBPS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${CBPS_BUILD:-$CBPS_ROOT/build}
# The Xen source we patch: Debian bookworm's package, pinned.
XEN_DEB_VERSION=4.17.5+72-g01140da4e8-1
mkdir -p "$BUILD"

log() { echo "[cbps $(date +%H:%M:%S)] $*" >&2; }
die() { echo "[cbps] error: $*" >&2; exit 1; }
