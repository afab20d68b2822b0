#!/bin/bash
# The second userland of make eval's "different userlands" experiment:
# Debian bookworm's minbase package set (the packages of Priority:
# required, as debootstrap --variant=minbase takes them, with their
# dependencies: tests/eval/closure.py), fetched with apt-get download and
# unpacked with dpkg-deb -x into DEST/debian, /usr merged as debootstrap
# does for bookworm.  Kept: the programs, libraries and /etc; left out:
# /usr/share (documentation, locales, time zones) and glibc's gconv
# character-set modules, so that it fits a small guest's initramfs.
# DEST/debian.manifest lists the packages and versions and the size.
# Usage: debian-userland.sh DEST
set -euo pipefail
. "$(dirname "$0")/../../scripts/common.sh"

dest=$1
debs="$BUILD/dl/eval-debs"
required="apt base-files base-passwd bash bsdutils coreutils dash debconf
	debianutils diffutils dpkg e2fsprogs findutils grep gzip hostname
	init-system-helpers libc-bin libpam-modules libpam-modules-bin
	libpam-runtime login mawk mount ncurses-base ncurses-bin passwd
	perl-base sed sysvinit-utils tar tzdata util-linux"

mkdir -p "$debs"
# Built once (a minute or two): again only when this script changes.
stamp="$dest.manifest"
key=$(cat "$0" "$CBPS_ROOT/tests/eval/closure.py" | md5sum | cut -c1-16)
if [ -f "$stamp" ] && [ -d "$dest/debian/usr/bin" ] &&
	[ "$(sed -n 's/^key: //p' "$stamp")" = "$key" ]; then
	exit 0
fi
pkgs=$(python3 "$CBPS_ROOT/tests/eval/closure.py" $required)
[ -n "$pkgs" ] || die "cannot resolve the minbase package set (apt-get update?)"

log "Debian userland for make eval: $(echo $pkgs | wc -w) packages"
missing=
for p in $pkgs; do
	ls "$debs/${p}_"*.deb >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
	(cd "$debs" && apt-get download -qq $missing 2>&1 |
		grep -v unsandboxed || true)
fi

rm -rf "$dest"
r="$dest/debian"
mkdir -p "$r"
versions=
for p in $pkgs; do
	f=$(ls "$debs/${p}_"*.deb 2>/dev/null | sort -V | tail -n 1)
	[ -n "$f" ] || die "no .deb for $p"
	dpkg-deb -x "$f" "$r"
	versions="$versions $(dpkg-deb -f "$f" Package)=$(dpkg-deb -f "$f" Version)"
done
# Merged /usr, as debootstrap makes a bookworm root.
for d in bin sbin lib lib64; do
	if [ -d "$r/$d" ] && [ ! -L "$r/$d" ]; then
		mkdir -p "$r/usr/$d"
		cp -a "$r/$d/." "$r/usr/$d/"
		rm -rf "${r:?}/$d"
	fi
	ln -s "usr/$d" "$r/$d"
done
rm -rf "$r/usr/share" "$r/usr/lib/x86_64-linux-gnu/gconv" "$r/usr/lib/locale" \
	"$r/usr/include" "$r/var/cache" "$r/var/lib/dpkg"
mkdir -p "$r/proc" "$r/dev" "$r/tmp" "$r/sys"
bytes=$(du -sb "$r" | cut -f1)
files=$(find "$r" -type f | wc -l)
{
	echo "key: $key"
	echo "packages: $(echo $pkgs)"
	echo "versions:$versions"
	echo "bytes: $bytes"
	echo "files: $files"
} >"$stamp"
log "Debian userland: $files files, $((bytes >> 20)) MiB in $r"
