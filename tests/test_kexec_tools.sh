#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# scripts/kernel/kexec-tools.sh, which case kexec-load asks for the kexec
# it puts in kernel A's initrd, without the network (apt-get is a stub on
# PATH): a binary already unpacked is answered as it is, nothing
# downloaded; a download is unpacked from the .deb apt-get leaves; a
# download that fails, and a binary whose libraries this machine lacks,
# each end in one sentence and exit 1 with nothing on stdout.
set -eu
T=$(mktemp -d "${TMPDIR:-/tmp}/kho-kexec-tools.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }
ROOT=${KHO_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
S=$ROOT/scripts/kernel/kexec-tools.sh
command -v dpkg-deb >/dev/null 2>&1 || { echo "SKIP: no dpkg-deb (Debian's kexec-tools comes as a .deb)"; exit 77; }

# apt-get: "download" copies $FAKE_DEB here when it is set, else fails.
mkdir -p "$T/bin"
cat >"$T/bin/apt-get" <<'STUB'
#!/bin/sh
echo "$*" >>"$APT_LOG"
case " $* " in
*" download "*) [ -n "${FAKE_DEB:-}" ] && cp "$FAKE_DEB" . ;;
*) exit 1 ;;
esac
STUB
chmod +x "$T/bin/apt-get"
export APT_LOG=$T/apt.log
run() { # CACHE: the script's stdout in $out, its exit status in $rc
	rc=0
	out=$(PATH=$T/bin:$PATH KHO_CACHE=$1 sh "$S" 2>"$T/err") || rc=$?
}

# Unpacked already: its path, apt-get never asked.
mkdir -p "$T/c1/kexec-tools/root/sbin"
cp /bin/true "$T/c1/kexec-tools/root/sbin/kexec"
: >"$APT_LOG"
run "$T/c1"
[ "$rc" = 0 ] && [ "$out" = "$T/c1/kexec-tools/root/sbin/kexec" ] ||
	fail "an unpacked kexec gave exit $rc, '$out': $(cat "$T/err")"
[ ! -s "$APT_LOG" ] || fail "an unpacked kexec still ran apt-get $(cat "$APT_LOG")"

# A download: the .deb apt-get leaves is unpacked.
mkdir -p "$T/pkg/DEBIAN" "$T/pkg/sbin"
printf 'Package: kexec-tools\nVersion: 1\nArchitecture: all\nMaintainer: t <t@t>\nDescription: t\n' >"$T/pkg/DEBIAN/control"
cp /bin/true "$T/pkg/sbin/kexec"
dpkg-deb -b "$T/pkg" "$T/kexec-tools_1_all.deb" >/dev/null
FAKE_DEB=$T/kexec-tools_1_all.deb run "$T/c2"
[ "$rc" = 0 ] && [ "$out" = "$T/c2/kexec-tools/root/sbin/kexec" ] ||
	fail "a download gave exit $rc, '$out': $(cat "$T/err")"
[ -x "$out" ] || fail "the downloaded kexec was not unpacked"

# A download that fails (and, as root, again after an update).
run "$T/c3"
[ "$rc" = 1 ] && [ -z "$out" ] || fail "a failed download gave exit $rc, '$out'"
[ "$(tail -n 1 "$T/err")" = "kexec-tools: apt-get download kexec-tools failed" ] ||
	fail "a failed download said: $(cat "$T/err")"

# A kexec needing a library this machine does not have.
if command -v cc >/dev/null 2>&1; then
	echo 'int khofake(void) { return 0; }' >"$T/fake.c"
	echo 'int khofake(void); int main(void) { return khofake(); }' >"$T/main.c"
	cc -shared -fPIC -o "$T/libkhofake.so" "$T/fake.c"
	mkdir -p "$T/c4/kexec-tools/root/sbin"
	cc -o "$T/c4/kexec-tools/root/sbin/kexec" "$T/main.c" -L"$T" -lkhofake
	run "$T/c4"
	[ "$rc" = 1 ] && [ -z "$out" ] || fail "a kexec lacking a library gave exit $rc, '$out'"
	grep -q "^kexec-tools: $T/c4/kexec-tools/root/sbin/kexec lacks libraries on this machine: libkhofake.so => not found" "$T/err" ||
		fail "a kexec lacking a library said: $(cat "$T/err")"
fi
echo "kexec-tools: an unpacked kexec, a download, a failed download and a missing library answered as case kexec-load needs"
