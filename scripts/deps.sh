#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Install the Debian packages libkho needs, when any is missing.
# Usage: scripts/deps.sh [build|check|bench|all]
set -e
what=${1:-build}
pkgs="make gcc libfdt-dev libcmocka-dev libxxhash-dev pkg-config libelf-dev libjson-c-dev librsvg2-bin libjudy-dev"
case $what in
check|all) pkgs="$pkgs g++ clang libclang-rt-14-dev valgrind libjson-c-dev libelf-dev librsvg2-bin python3 perl" ;;
esac
case $what in
bench|all) pkgs="$pkgs libjudy-dev libroaring-dev gnuplot-nox valgrind" ;;
esac
exec sh "$(dirname "$0")/apt-missing.sh" deps $pkgs
