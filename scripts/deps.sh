#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Install the Debian packages libkho needs, when any is missing.
# Usage: scripts/deps.sh [build|check|bench|all]
set -e
what=${1:-build}
pkgs="make gcc libfdt-dev libcmocka-dev libxxhash-dev pkg-config libelf-dev libjson-c-dev librsvg2-bin libjudy-dev"
case $what in
check|all) pkgs="$pkgs g++ clang libclang-rt-14-dev valgrind libjson-c-dev libelf-dev librsvg2-bin python3" ;;
esac
case $what in
bench|all) pkgs="$pkgs libjudy-dev libroaring-dev gnuplot-nox valgrind" ;;
esac
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing" >&2
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
