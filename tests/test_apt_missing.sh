#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# scripts/apt-missing.sh, which scripts/deps.sh and scripts/kernel/deps.sh
# run: with every package installed it installs nothing and says nothing;
# otherwise it says "LABEL: installing" with the missing ones, and asks
# apt-get for exactly those, through sudo when not root. dpkg-query,
# apt-get, sudo and id are fakes on PATH; nothing is installed.
set -eu
T=$(mktemp -d "${TMPDIR:-/tmp}/kho-apt.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }
ROOT=${KHO_SRC:-$(cd "$(dirname "$0")/.." && pwd)}

mkdir "$T/bin"
# Installed: the packages named in $T/installed, one a line.
cat >"$T/bin/dpkg-query" <<'FAKE'
#!/bin/sh
for p; do :; done
grep -qx "$p" "$FAKE_DIR/installed" && printf 'install ok installed'
exit 0
FAKE
cat >"$T/bin/apt-get" <<'FAKE'
#!/bin/sh
echo "apt-get $*" >>"$FAKE_DIR/calls"
FAKE
cat >"$T/bin/sudo" <<'FAKE'
#!/bin/sh
echo "sudo" >>"$FAKE_DIR/calls"
exec "$@"
FAKE
cat >"$T/bin/id" <<'FAKE'
#!/bin/sh
echo "$FAKE_UID"
FAKE
chmod +x "$T/bin/"*
export FAKE_DIR="$T"
run() {
	: >"$T/calls"
	PATH="$T/bin:$PATH" sh "$ROOT/scripts/apt-missing.sh" "$@" \
		>"$T/out" 2>"$T/err" || fail "apt-missing.sh $*: exit $?"
}

printf 'make\ngcc\n' >"$T/installed"
FAKE_UID=0 run deps make gcc
[ ! -s "$T/calls" ] || fail "all installed, yet: $(cat "$T/calls")"
[ ! -s "$T/err" ] && [ ! -s "$T/out" ] || fail "all installed, yet it said: $(cat "$T/err" "$T/out")"

FAKE_UID=0 run kernel-deps make flex gcc bison
[ "$(cat "$T/err")" = "kernel-deps: installing flex bison" ] ||
	fail "the line said: $(cat "$T/err")"
[ "$(cat "$T/calls")" = "apt-get update -qq
apt-get install -y -qq --no-install-recommends flex bison" ] ||
	fail "as root, the calls were: $(cat "$T/calls")"

FAKE_UID=1000 run deps flex make
[ "$(cat "$T/calls")" = "sudo
apt-get update -qq
sudo
apt-get install -y -qq --no-install-recommends flex" ] ||
	fail "not root, the calls were: $(cat "$T/calls")"

# Both deps scripts reach it from wherever they are run.
: >"$T/installed"
for s in scripts/deps.sh scripts/kernel/deps.sh; do
	: >"$T/calls"
	(cd "$T" && FAKE_UID=0 PATH="$T/bin:$PATH" sh "$ROOT/$s" >/dev/null \
		2>"$T/err") || fail "$s: $(cat "$T/err")"
	grep -q "^apt-get install .* make gcc " "$T/calls" ||
		fail "$s asked for: $(cat "$T/calls")"
done

# A failed install fails the script (set -e), so deps.sh's caller sees it.
printf '#!/bin/sh\nexit 100\n' >"$T/bin/apt-get"
if FAKE_UID=0 PATH="$T/bin:$PATH" sh "$ROOT/scripts/apt-missing.sh" deps flex \
	>/dev/null 2>&1; then
	fail "a failed apt-get passed"
fi
echo "PASS: apt-missing.sh installs exactly what is missing"
