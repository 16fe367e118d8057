#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Install the Debian packages the real-kernel harness needs, when missing.
# Usage: scripts/kernel/deps.sh [x86_64|arm64|all]
set -e
what=${1:-all}
pkgs="make gcc libc6-dev flex bison bc rsync cpio libssl-dev libelf-dev kmod
device-tree-compiler xz-utils qemu-system-x86"
case $what in
arm64|all) pkgs="$pkgs gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-system-arm" ;;
esac
exec sh "$(dirname "$0")/../apt-missing.sh" kernel-deps $pkgs
