# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Sourced by the case scripts tests/kernel/case-*.sh: paths and helpers.
#
# Every case takes the architecture as its argument, works in
# $KWORK/<arch>/<case>/ (default KWORK=build/kernel), prints its evidence
# (the kernel's own verdict lines), and exits 0 (pass), 1 (fail) or 77
# (cannot run here: a prerequisite is missing, said in one line).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
scripts=$top/scripts/kernel
KWORK=${KWORK:-$top/build/kernel}
KHO=${KHO:-$top/build/kho}
arch=${1:?usage: $0 x86_64|arm64|arm64-16k|arm64-64k}
case_name=$(basename "$0" .sh)
case_name=${case_name#case-}
# arm64-16k and arm64-64k are arm64 kernels with 16 and 64 KiB pages:
# $base_arch is the machine, $page_size (bytes) and $page_k (as a size
# suffix) the kernel's page; $kho_args turns KHO on in a kernel A. The
# guests have 1 GiB of RAM (QEMU_MEM), but with 64 KiB pages Linux aligns
# every KHO scratch area to MAX_PAGE_ORDER pages, 512 MiB
# (SCRATCH_ALIGNMENT_BYTES, kernel/liveupdate/kexec_handover.c:50,
# :785-804): lowmem, global and one per node take three such blocks, so
# those guests have 3 GiB and fixed scratch sizes (at the default scale
# the node's area, sized after the other two and counting them as the
# kernel's own memory, :793-799, would be 2.5 GiB; docs/kernel.md,
# "Facts"), and test_kho preserves at most 256 MiB (its default is two
# folios of MAX_PAGE_ORDER, 1 GiB, which a 3 GiB guest often cannot
# allocate: "page allocation failure: order:12").
base_arch=${arch%%-*}
kho_args=kho=on
case $arch in
x86_64) console=ttyS0 ram_base=0 page_k=4K mem=1G ;;
arm64) console=ttyAMA0 ram_base=0x40000000 page_k=4K mem=1G ;;
arm64-16k) console=ttyAMA0 ram_base=0x40000000 page_k=16K mem=1G ;;
arm64-64k)
	console=ttyAMA0 ram_base=0x40000000 page_k=64K mem=3G
	kho_args="kho=on kho_scratch=64M,64M,64M test_kho.max_mem=268435456"
	;;
*) echo "$case_name: unknown architecture '$arch'" >&2; exit 2 ;;
esac
page_size=$((${page_k%K} * 1024))
# Kernel messages on the serial port as they are printed, before the
# console registers: x86's earlyprintk, arm64's earlycon (the PL011 that
# QEMU's device tree names in /chosen/stdout-path).
case $base_arch in
x86_64) early="earlyprintk=serial,$console,115200" ;;
*) early=earlycon ;;
esac
QEMU_MEM=${QEMU_MEM:-$mem}
export QEMU_MEM
# The kernel build (cached) and this architecture's initrds; a kernel with
# more fragments (KERNEL_CONFIG, build.sh) gets initrds of its own.
kdir=$("$scripts/build.sh" "$arch")
kwork=$KWORK/$arch$(for c in ${KERNEL_CONFIG:-}; do printf -- '-%s' "$c"; done)
"$scripts/initrd.sh" "$arch" "$kdir" "$kwork"
out=$kwork/$case_name
rm -rf "$out"
mkdir -p "$out"

say() { echo "$case_name[$arch]: $*"; }
fail() {
	say "FAIL: $*"
	exit 1
}
skip() {
	say "SKIP: $*"
	exit 77
}

# evidence LOG PATTERN...: the log lines matching any pattern, indented.
evidence() {
	log=$1
	shift
	for p in "$@"; do
		grep -a -- "$p" "$log" | tr -d '\r' | sed 's/^/    /' || true
	done
}

# says LOG PATTERN...: the first log line matching each pattern, as a
# "  says: " line: the kernel's own verdict words, which make kernel-check
# puts on the case's line.
says() {
	log=$1
	shift
	for p in "$@"; do
		l=$(grep -a -m 1 -- "$p" "$log" | tr -d '\r') || true
		[ -z "$l" ] || echo "  says: $l"
	done
}

# x86_machine DIR: a libkho machine laid out as QEMU pc with 1 GiB: RAM from
# 0 to 1 GiB in one piece (the e820 holes in it are checked by boot_real).
x86_machine() {
	mkdir -p "$1"
	printf 'arch = x86_64\npage_size = 4096\nram = 0x0 0x40000000 node=0\n' >"$1/machine.conf"
	truncate -s 1G "$1/ram.img"
}

# libkho_kernel_a DIR: a libkho machine in DIR with RAM where QEMU has this
# architecture's (arm64 virt: QEMU_MEM at 0x40000000; x86_64: x86_machine)
# boots as kernel A, preserves (--preserve memblock, memfd:1M, kho-test;
# LIBKHO_PRESERVE overrides) and kexecs; its output in $out/boot-a.txt.
libkho_kernel_a() {
	case $base_arch in
	arm64)
		"$KHO" machine create "$1" --ram "$QEMU_MEM" --ram-base 0x40000000 \
			--page-size "$page_k" >"$out/create.txt" ||
			fail "kho machine create --ram-base: $(cat "$out/create.txt")"
		# arm64 kernels compute kho-test's csum_partial differently.
		grep -q '^arch' "$1/machine.conf" || echo "arch = arm64" >>"$1/machine.conf"
		;;
	x86_64) x86_machine "$1" ;;
	esac
	# shellcheck disable=SC2086
	"$KHO" boot "$1" ${LIBKHO_PRESERVE:---preserve memblock --preserve memfd:1M --preserve kho-test} \
		--kexec >"$out/boot-a.txt" 2>&1 ||
		fail "kho boot --kexec: $(tail -n 1 "$out/boot-a.txt")"
}

# x86_sizes: init_size (the bzImage header's) of $kdir's kernel and mods,
# the bytes the x86 loader's modules take (bzImage, initrd, handover).
x86_sizes() {
	init_size=$(od -An -tu4 -j 0x260 -N 4 "$kdir/image" | tr -d ' ')
	mods=$(($(stat -L -c %s "$kdir/image") + $(stat -L -c %s "$kwork/initrd-b.cpio") + 65536))
}

# patched_kdir: the kernel of this architecture with every patch of
# patches/ applied, in order (scripts/kernel/build.sh KERNEL_PATCHES=all).
# The cases that check a fix share this one build, and each checks its own
# patch's effect: the patches touch different code.
patched_kdir() { KERNEL_PATCHES=all "$scripts/build.sh" "$arch"; }

# patched_kernel: the patched kernel's directory in $pdir, or the case fails.
patched_kernel() {
	pdir=$(patched_kdir) || fail "cannot build the kernel with the patches of patches/"
}

# patched_prepare: for a case that boots kernel A both as released and
# patched (kinit_boot's KERNEL): the patched kernel in $pdir, its initrd
# under $out/patched.
patched_prepare() {
	patched_kernel
	"$scripts/initrd.sh" "$arch" "$pdir" "$out/patched"
}

# What a case found wrong, "; RUN: WHAT" each; it fails with all of it.
bad=
# want PATTERN WHAT: WHAT is wrong unless the run's log ($log) has PATTERN.
want() {
	grep -aq -- "$1" "$log" || bad="$bad; $run: $2"
}

# qemu ARGS...: scripts/kernel/qemu.sh for this architecture.
qemu() { "$scripts/qemu.sh" "$arch" "$@"; }

# kinit_boot WORDS [RUN]: boot this architecture's kernel on the usual
# initrd (kinit is kernel A) with the serial console and early console,
# the KHO words, panic=-1 and WORDS; the serial log in $log
# ($out/serial.log, or $out/serial-RUN.log), QEMU's exit status in $rc.
# The run's name says which kernel: "fixed", "fixed-*" and "patched" boot
# 7.3.4 with every patch (patched_prepare first), any other 7.3.4 as
# released.
kinit_boot() {
	log=$out/serial${2:+-$2}.log
	image=$kdir/image initrd=$kwork/initrd-a.cpio
	case ${2:-} in
	fixed | fixed-* | patched) image=$pdir/image initrd=$out/patched/initrd-a.cpio ;;
	esac
	rc=0
	qemu "$image" "$initrd" \
		"console=$console $early $kho_args panic=-1 $1" "$log" || rc=$?
	say "${2:+run $2: }QEMU exit $rc, log $log"
}

# boot_real MACHINE_DIR: boot this architecture's real kernel (arm64: on
# QEMU virt) on a machine directory's RAM file with its pending handover in
# /chosen, after checking that nothing QEMU loads lands on the handover.
# Sets compat, subtrees, regions (NAME=FNV of each reserve_mem region),
# memfds (SESSION:TOKEN:SIZE:FNV:SEALS of each memfd-v2 file in the LUO
# subtree, decoded by handover.py; kinit retrieves and hashes each and
# checks its seals), array_area (the scratch area holding the scratch
# array, or -1), log (the serial log) and rc (QEMU's exit status).
# KERNEL_APPEND: more kernel parameters; MEMFD_SEALS=handed-over: kernel B
# keeps every memfd's seals (patches/0003); x86_64: X86_PLACE="LOADER
# KADDR" instead of handover.py x86place.
boot_real() {
	M=$1
	python3 "$top/tests/kernel/handover.py" info "$M" >"$out/handover.json" ||
		fail "cannot read the handover in $M"
	"$KHO" inspect "$M" --json >"$out/inspect.json" 2>"$out/inspect.err" ||
		fail "kho inspect refuses the handover in $M: $(cat "$out/inspect.err")"
	# The real kernel's command line: the reserve_mem regions handed over, by
	# name and size, and what kinit should check.
	eval "$(python3 - "$out/handover.json" <<'PY'
import json, sys
h = json.load(open(sys.argv[1]))
print("compat='%s'" % h["compatible"])
print("subtrees='%s'" % " ".join(c["name"] for c in h["children"]))
print("rm='%s'" % " ".join("reserve_mem=%d:%d:%s" % (r["size"], h["page_size"], r["name"]) for r in h["regions"]))
print("regions='%s'" % " ".join("%s=%s" % (r["name"], r["fnv"]) for r in h["regions"]))
# The seals kernel B gives back: 7.3.4's (handover.py seals_retrieved),
# or with MEMFD_SEALS=handed-over (a kernel with patches/0003) the same.
import os
kept = os.environ.get("MEMFD_SEALS") == "handed-over"
print("memfds='%s'" % ",".join("%s:%d:%d:%s:%d" % (f["session"], f["token"], f["size"], f["fnv"],
                                                   f["seals"] if kept else f["seals_retrieved"])
                               for f in h.get("memfds", [])))
print("problems='%s'" % "; ".join(h.get("problems", [])).replace("'", ""))
print("array_area=%d" % h["array_area"])
PY
	)"
	say "handover in $M: $compat with subtrees: $subtrees"
	[ -z "$problems" ] || echo "  says: handover.py: $problems (Linux cannot take that)"
	append="console=$console kho=on panic=-1 liveupdate=on kstage=b kdirty=1 $rm${KERNEL_APPEND:+ $KERNEL_APPEND}"
	[ -z "$memfds" ] || append="$append kmemfds=$memfds"
	case $base_arch in
	arm64) boot_real_arm64 ;;
	x86_64) boot_real_x86_64 ;;
	esac
	grep 'mem=ram' "$out/roms.txt" | tr -d '\r' | sed 's/^/    /'
	python3 "$top/tests/kernel/handover.py" overlap "$M" "$out/roms.txt" "$out/inspect.json" \
		>"$out/overlap.txt" || { cat "$out/overlap.txt"; fail "QEMU or the loader would write onto the handover"; }
	sed 's/^/  says: /' "$out/overlap.txt"
	# The machine as handed to the kernel, for reproducing a failure
	# (kernel-check deletes it when the case passes).
	mkdir -p "$out/before-boot"
	cp "$M/machine.conf" "$M/handover" "$out/before-boot/"
	cp --sparse=always "$M/ram.img" "$out/before-boot/ram.img"
	log=$out/serial.log
	rc=0
	set --
	oldifs=$IFS
	IFS='
'
	for d in $boot_devs; do set -- "$@" --device "$d"; done
	IFS=$oldifs
	qemu "$boot_kernel" "$boot_initrd" "$boot_append" "$log" \
		--ram-file "$M/ram.img" $boot_opts "$@" || rc=$?
	evidence "$log" "KHO" "kho" "reserve" "Revived" "kinit:" "LUO" "liveupdate" "test_kho"
	says "$log" "kholoader: lib/" "found kexec handover data" "incompatible" "disabling KHO" "KHO restore" "kernel BUG" "Kernel panic" "kinit: stage B done"
}

# arm64: QEMU's own DTB with the handover in /chosen (linux,kho-fdt and
# linux,kho-scratch), the command line and the initrd. QEMU's -kernel would
# put the Image at 0x40200000 whatever the handover holds there; so, as
# kexec does, Image, initrd, DTB and tests/kernel/tramp-arm64.S go into a
# scratch area (handover.py arm64place), placed by QEMU's generic loader,
# and the CPU starts at the trampoline. roms.txt from the monitor's "info
# roms" (a throwaway machine, so the RAM file is not written).
boot_real_arm64() {
	qemu none none none "$out/dumpdtb.log" --dumpdtb "$out/qemu.dtb" \
		>/dev/null 2>&1 || true
	[ -s "$out/qemu.dtb" ] || fail "QEMU did not dump its DTB"
	dtc -q -I dtb -O dts -o "$out/qemu.dts" "$out/qemu.dtb"
	image_size=$(python3 -c "import struct,sys; print(struct.unpack_from('<Q', open(sys.argv[1],'rb').read(64), 16)[0])" "$kdir/image")
	initrd_size=$(stat -L -c %s "$kwork/initrd-b.cpio")
	place=$(python3 "$top/tests/kernel/handover.py" arm64place "$M" "$image_size" "$initrd_size" 65536) ||
		fail "no room for Image, initrd and DTB in scratch"
	set -- $place
	tramp=$1 dtb=$2 initrd=$3 image=$4
	python3 "$top/tests/kernel/handover.py" chosen "$M" "$out/qemu.dts" "$out/kho.dts" \
		"$append" "$initrd" "$initrd_size"
	dtc -q -I dts -O dtb -o "$out/kho.dtb" "$out/kho.dts"
	[ "$(stat -c %s "$out/kho.dtb")" -le 65536 ] || fail "the DTB is larger than 64 KiB"
	aarch64-linux-gnu-gcc -c -DDTB="$dtb" -DKERNEL="$image" -o "$out/tramp.o" \
		"$top/tests/kernel/tramp-arm64.S" || fail "cannot build the arm64 trampoline"
	aarch64-linux-gnu-objcopy -O binary -j .text "$out/tramp.o" "$out/tramp.bin"
	boot_devs="loader,file=$kdir/image,addr=$image,force-raw=on
loader,file=$kwork/initrd-b.cpio,addr=$initrd,force-raw=on
loader,file=$out/kho.dtb,addr=$dtb,force-raw=on
loader,file=$out/tramp.bin,addr=$tramp,force-raw=on
loader,addr=$tramp,cpu-num=0"
	{
		printf 'info roms\nquit\n' | timeout -k 5 60 qemu-system-aarch64 \
			-M virt -cpu "${QEMU_CPU:-cortex-a72}" -m "$QEMU_MEM" -S -nographic \
			-nodefaults -monitor stdio \
			-device "loader,file=$kdir/image,addr=$image,force-raw=on" \
			-device "loader,file=$kwork/initrd-b.cpio,addr=$initrd,force-raw=on" \
			-device "loader,file=$out/kho.dtb,addr=$dtb,force-raw=on" \
			-device "loader,file=$out/tramp.bin,addr=$tramp,force-raw=on" 2>&1 || true
		echo "addr=$(printf %016x "$image") size=$(printf %#x "$image_size") mem=ram name=\"Image (image_size)\""
	} >"$out/roms.txt"
	boot_kernel=none boot_initrd=none boot_append=none boot_opts=
}

# x86_64: only a boot loader or kexec passes setup_data, so QEMU starts
# tests/kernel/loader-x86.c (multiboot) with the bzImage, the initrd and the
# machine's handover file (struct kho_data) as modules. The loader and the
# kernel go into a scratch area (handover.py x86place); roms.txt gets the
# loader's segments, the modules, boot_params and the kernel's init_size,
# and QEMU pc's e820 holes, so that none of them lands on the handover.
boot_real_x86_64() {
	x86_sizes
	# X86_PLACE="LOADER KADDR" overrides (case kaslr-array places them).
	place=${X86_PLACE:-$(python3 "$top/tests/kernel/handover.py" x86place "$M" "$init_size" "$mods")} ||
		fail "no room for the loader and the kernel in scratch"
	lo=${place% *} kaddr=${place#* }
	ktree=$(python3 -c "import json,sys; print(hex(json.load(open(sys.argv[1]))['tree_root']))" "$out/handover.json") ||
		fail "the root FDT names no preserved-memory-map"
	# The loader checks the tree with lib/ itself, built freestanding.
	gcc -m32 -ffreestanding -nostdlib -static -fno-pic -no-pie \
		-fno-stack-protector -O2 -Wall -DKHO_FREESTANDING -I"$top/include" \
		-Wl,-Ttext="$lo" -Wl,--build-id=none -o "$out/loader.elf" \
		"$top/tests/kernel/loader-x86.S" "$top/tests/kernel/loader-x86.c" \
		"$top/lib/radix.c" "$top/lib/radix_walk.c" "$top/lib/radix_validate.c" \
		"$top/lib/geometry.c" "$top/lib/abi_version.c" \
		>"$out/loader-build.txt" 2>&1 ||
		fail "cannot build the x86 loader: $(grep -m 1 'error\|undefined' "$out/loader-build.txt")"
	{
		printf 'info roms\nquit\n' | timeout -k 5 60 qemu-system-x86_64 \
			-M pc -m 1G -S -nographic -nodefaults -monitor stdio \
			-kernel "$out/loader.elf" \
			-initrd "$kdir/image,$kwork/initrd-b.cpio,$M/handover" \
			-append "kaddr=$kaddr ktree=$ktree $append" 2>&1 || true
		echo "addr=$(printf %016x "$lo") size=$(printf %#x $((kaddr - lo))) mem=ram name=\"loader, multiboot modules and information\""
		echo "addr=$(printf %016x "$kaddr") size=$(printf %#x "$init_size") mem=ram name=\"kernel (init_size)\""
		echo "addr=0000000000090000 size=0x3000 mem=ram name=\"boot_params, command line, setup_data\""
		echo "addr=000000000009fc00 size=0x60400 mem=ram name=\"e820 hole below 1 MiB\""
		echo "addr=000000003ffe0000 size=0x20000 mem=ram name=\"e820 reserved (firmware) at the top of RAM\""
	} >"$out/roms.txt"
	boot_kernel=$out/loader.elf
	boot_initrd=$kdir/image,$kwork/initrd-b.cpio,$M/handover
	boot_append="kaddr=$kaddr ktree=$ktree $append" boot_opts= boot_devs=
}

# broken_child CHILD LINE: tell judge_real that root child CHILD of the
# handover was damaged on purpose (case broken-child): kernel B must print
# LINE (a fixed string, the owner's own failure), CHILD's owner must not
# come back (real_child_back), and judge_real leaves out its other checks
# of that owner. Every child not named is judged as usual.
broken_children=
broken_child() {
	broken_children="$broken_children$1	$2
"
}

# child_broken CHILD: whether broken_child named CHILD.
child_broken() {
	printf '%s' "$broken_children" | cut -f 1 | grep -qx -- "$1"
}

# real_child_back CHILD: whether kernel B's owner of root child CHILD took
# it back, in the kernel's (or kinit's) own words in $log: kexec-metadata
# "exec from:" (kho_in_kexec_metadata()), memblock a revived reserve_mem
# region, kho_test "KHO restore succeeded", LUO a memfd back through
# /dev/liveupdate with its contents and none without. Unknown children: no.
real_child_back() {
	case $1 in
	kexec-metadata) grep -aq "KHO: exec from: " "$log" ;;
	memblock) grep -aq "Revived memory reservation '.*' from KHO" "$log" ;;
	kho_test) grep -aq "KHO restore succeeded" "$log" ;;
	LUO)
		grep -aq "kinit: PASS memfd: contents" "$log" &&
			! grep -aq "kinit: FAIL memfd: contents" "$log"
		;;
	*) return 1 ;;
	esac
}

# judge_real [kinit]: kernel B's verdict on what boot_real handed it. With
# "kinit" (the chain), kernel A's reserve_mem regions must be in the
# handover too, revived with kinit's pattern still in them, and a LUO
# session is not required (a real kernel B hands on only what its user
# space preserves again). A child named by broken_child must fail alone,
# with its owner's line.
judge_real() {
	bad=
	grep -aq "found kexec handover data" "$log" || bad="$bad; kernel B did not take the handover"
	while IFS='	' read -r child line; do
		[ -n "$child" ] || continue
		case " $subtrees " in
		*" $child "*) ;;
		*) bad="$bad; the handover has no child $child to break" ;;
		esac
		if grep -aqF -- "$line" "$log"; then
			echo "  says: $child: $(grep -aF -m 1 -- "$line" "$log" | tr -d '\r')"
		else
			bad="$bad; kernel B did not say $child failed ('$line')"
		fi
		! real_child_back "$child" || bad="$bad; kernel B's owner of the broken child $child took it back"
	done <<EOF
$broken_children
EOF
	# An intact kexec-metadata child: kernel B reads the previous release
	# and the kexec count from it.
	case " $subtrees " in
	*" kexec-metadata "*)
		child_broken kexec-metadata || real_child_back kexec-metadata ||
			bad="$bad; kernel B did not read the kexec-metadata subtree"
		;;
	esac
	child_broken memblock || for r in $regions; do
		name=${r%%=*}
		hash=${r#*=}
		grep -aq "Revived memory reservation '$name' from KHO" "$log" ||
			bad="$bad; reserve_mem $name not revived"
		l=$(grep -a "kinit: reserve_mem $name " "$log" | tr -d '\r')
		echo "  says: $l (handed over: fnv=$hash)"
		case $l in *"fnv=$hash "*) ;; *) bad="$bad; reserve_mem $name contents differ" ;; esac
	done
	[ -n "$regions" ] || [ "${1:-}" = kinit ] || child_broken memblock ||
		bad="$bad; the handover has no reserve_mem region"
	case " $subtrees " in
	*" kho_test "*)
		child_broken kho_test || real_child_back kho_test ||
			bad="$bad; test_kho did not restore the kho_test subtree"
		;;
	*) bad="$bad; the handover has no kho_test subtree" ;;
	esac
	case " $subtrees " in
	*" LUO "*)
		if ! child_broken LUO; then
			[ -n "$memfds" ] || bad="$bad; the LUO subtree holds no memfd-v2 file"
			nr_memfds=$(echo "$memfds" | tr ',' '\n' | grep -c .)
			echo "  says: $(grep -ac 'kinit: PASS memfd: contents' "$log") of $nr_memfds memfds back through /dev/liveupdate as handed over, $(grep -ac 'kinit: PASS memfd: seals' "$log") with the seals expected (${MEMFD_SEALS:-as 7.3.4 gives them back})"
			grep -aq "kinit: PASS memfd" "$log" || bad="$bad; no memfd back through /dev/liveupdate"
			! grep -aq "kinit: FAIL memfd: seals" "$log" || bad="$bad; a memfd's seals are not the ones expected (${MEMFD_SEALS:-as docs/abi.md says 7.3.4 gives them back})"
			! grep -a "kinit: FAIL memfd" "$log" | grep -vq "FAIL memfd: seals" || bad="$bad; a memfd did not come back as handed over"
		fi
		;;
	*) [ "${1:-}" = kinit ] || bad="$bad; the handover has no LUO session" ;;
	esac
	grep -aq "kinit: stage B done" "$log" || bad="$bad; kernel B's init did not finish (QEMU exit $rc)"
	! grep -aq "kernel BUG\|Kernel panic" "$log" || bad="$bad; kernel B crashed: $(grep -a -m 1 "kernel BUG\|Kernel panic" "$log" | tr -d "\r")"
	if [ "${1:-}" = kinit ]; then
		# Kernel A's reserve_mem regions, handed on by libkho B as a real
		# kernel B hands on its revived regions (mm/memblock.c,
		# reserved_mem_preserve()), with kernel A's pattern still in them.
		for name in $(awk '$1 == "reserve_mem" { print $2 }' "$M/expected.txt"); do
			case " $regions " in
			*" $name="*)
				grep -aq "kinit: reserve_mem $name .*kinit_pattern=yes" "$log" ||
					bad="$bad; reserve_mem $name lost kernel A's pattern" ;;
			*) bad="$bad; kernel A's reserve_mem $name was not handed on" ;;
			esac
		done
	fi
	[ -z "$problems" ] || bad="$bad; $problems"
	# libkho keeps the scratch array out of scratch, where x86's KASLR
	# could decompress kernel B over it (docs/abi.md); ARRAY_IN_SCRATCH=1
	# when a case put it there on purpose.
	[ "$array_area" -lt 0 ] || [ "${ARRAY_IN_SCRATCH:-0}" = 1 ] ||
		bad="$bad; the scratch array lies in scratch area $array_area, where x86's KASLR may decompress kernel B over it"
	[ -z "$bad" ] || fail "${bad#; }"
}
