#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# Markdown tables of a kho-bench run, for docs/benchmarks.md.
# Usage: sh bench/tables.sh DIR   (DIR holds results.csv, goals.csv, sweep.csv,
#                                   and parts.csv and curve.csv when made)
set -eu
dir=${1:?usage: sh bench/tables.sh DIR}
impls="libkho libkho-batch libkho-before kernel-like kho-v1 ranges judy1 roaring"

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
mhz=$(sed -n 's/^cpu MHz[[:space:]]*: //p' /proc/cpuinfo | head -1)
mem=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
l2=$(lscpu 2>/dev/null | sed -n 's/^L2 cache:[[:space:]]*//p')
l3=$(lscpu 2>/dev/null | sed -n 's/^L3 cache:[[:space:]]*//p')
hv=$(lscpu 2>/dev/null | sed -n 's/^Hypervisor vendor:[[:space:]]*//p')
# Some guests' lscpu gives no cache sizes: then /proc/cpuinfo's, if any.
caches="${l2:+ L2 $l2,}${l3:+ L3 $l3,}"
[ -n "$caches" ] || caches=$(sed -n 's/^cache size[[:space:]]*: \(.*\)$/ cache \1 a CPU,/p' /proc/cpuinfo | head -1)
commit=$(git -C "$(dirname "$0")/.." rev-parse --short HEAD 2>/dev/null || echo unknown)
cat <<MD
Run of $(date -u '+%Y-%m-%d %H:%M UTC'), libkho at commit $commit, \`make bench\`
(\`sh bench/run.sh build/bench/kho-bench full\`), gcc $(gcc -dumpfullversion) -O2.
Machine: $(nproc) CPUs, $cpu at ${mhz%.*} MHz${hv:+ (a $hv guest)},$caches
$mem of memory, Linux $(uname -r). Shared and noisy: medians over
$(awk -F, 'NR == 2 { print $6 }' "$dir/results.csv") interleaved runs.
$(sed -n 's/^kho-bench: libkho.s range walk runs its \(.*\)$/The range walk ran its \1./p' "$dir/output.txt")
$(sed -n 's/^kho-bench: \(an idle second thread\|one thread\): \(.*\)$/Locks: \1, \2./p' "$dir/output.txt")

MD

echo "### Goals of issue 4 (libkho against kernel-like, same runs)"
echo
echo "| goal | target | libkho (block by block) | libkho-batch | verdict |"
echo "|---|---|---|---|---|"
awk -F, 'NR > 1 {
	gsub(/"/, "", $1)
	cmp = ($1 ~ /bound|fresh/) ? "<=" : ">="
	printf "| %s | %s %.1fx | %.2fx | %.2fx | %s |\n", $1, cmp, $3, $4, $5, $6
}' "$dir/goals.csv"
echo

echo "### Goals of issue 11 (walk and add speed)"
echo
echo "Ratios of libkho's time (or bytes) to the reference's, per run, medians;"
echo "lower is better. libkho-before is the library before issue 11, run in"
echo "the same process (impl_before.c, built from git history). A goal is met when either libkho"
echo "entry meets it."
echo
echo "| goal | target | libkho (block by block) | libkho-batch | verdict |"
echo "|---|---|---|---|---|"
awk -F, 'NR > 1 {
	gsub(/"/, "", $1)
	a = ($4 < 0) ? "-" : sprintf("%.2fx", $4)
	b = ($5 < 0) ? "-" : sprintf("%.2fx", $5)
	printf "| %s | %sx | %s | %s | %s |\n", $1, $3, a, b, $6
	n++; if ($6 == "met") m++
}
END { printf "\n%d of %d goals met.\n", m, n }' "$dir/goals11.csv"
echo

echo "### Results per workload"
echo
echo "ns are per block, medians; walk = walk to reserved ranges (whole"
echo "workload: ms); bytes = metadata after the workload; nodes = pages of"
echo "the structure after the workload, fresh = a fresh copy of the same content."
awk -F, -v impls="$impls bound" '
NR == 1 { next }
{
	k = $1 "," $2; row[k] = $0
	if (!($1 in seen)) { seen[$1] = 1; wl[++nw] = $1 }
	blocks[$1] = $3; final[$1] = $4; ranges[$1] = $5
}
END {
	ni = split(impls, im, " ")
	for (w = 1; w <= nw; w++) {
		printf "\n#### %s: %s blocks added, %s at the end, %s ranges\n\n",
			wl[w], blocks[wl[w]], final[wl[w]], ranges[wl[w]]
		printf "| impl | add ns | del ns | add-back ns | walk ns | walk ms | bytes | B/block | nodes | fresh |\n"
		printf "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n"
		for (i = 1; i <= ni; i++) {
			k = wl[w] "," im[i]
			if (!(k in row)) continue
			split(row[k], f, ",")
			if (im[i] == "bound") {
				printf "| *bound: read every leaf word* | | | | %.3f | %.3f | | | | |\n", f[10], f[11]
				continue
			}
			printf "| %s | %.1f | %s | %s | %.2f | %.3f | %d | %.3f | %s | %s |\n",
				im[i], f[7],
				((f[8] > 0) ? sprintf("%.1f", f[8]) : "-"),
				((f[9] > 0) ? sprintf("%.1f", f[9]) : "-"),
				f[10], f[11], f[12], f[13],
				((f[14] > 0) ? f[14] : "-"), ((f[15] > 0) ? f[15] : "-")
		}
	}
}' "$dir/results.csv"
echo

echo "### Fragmentation sweep"
echo
n=$(awk -F, 'NR == 2 { print $3 }' "$dir/sweep.csv")
echo "$n order-0 pages in runs of L pages separated by gaps of L pages."
for what in "bytes per page:7:%.3f" "walk ns per page:6:%.3f" "add ns per page:5:%.1f"; do
	title=${what%%:*}; rest=${what#*:}; col=${rest%%:*}; fmt=${rest#*:}
	echo
	echo "$title:"
	echo
	awk -F, -v col="$col" -v fmt="$fmt" -v impls="$impls" '
	NR == 1 { next }
	{ if (!($1 in seen)) { seen[$1] = 1; rows[++nr] = $1 }
	  v[$1 "," $2] = $col; rg[$1] = $4 }
	END {
		ni = split(impls, im, " ")
		printf "| L | nr of ranges |"
		for (i = 1; i <= ni; i++) printf " %s |", im[i]
		printf "\n|--:|--:|"
		for (i = 1; i <= ni; i++) printf "--:|"
		printf "\n"
		for (r = 1; r <= nr; r++) {
			printf "| %s | %s |", rows[r], rg[rows[r]]
			for (i = 1; i <= ni; i++)
				printf " " fmt " |", v[rows[r] "," im[i]]
			printf "\n"
		}
	}' "$dir/sweep.csv"
done

if [ -f "$dir/parts.csv" ]; then
	echo
	echo "### Walk parts, warm"
	echo
	echo "Where libkho-batch's walk time goes (\`kho-bench --parts\`): each"
	echo "workload given to libkho-batch and ranges as in a run, then each walk"
	echo "$(awk -F, 'NR == 2 { print $3 }' "$dir/parts.csv") times back to back, medians in ms. walk: into the range"
	echo "array, as the runs time it once; scan: the same walk with a consumer"
	echo "that only counts the ranges; consumer: walk - scan, what checking and"
	echo "copying the ranges costs; ranges: the range list's walk, which appends"
	echo "its own ranges to the same array, checking each as it goes."
	echo
	echo "| workload | ranges | walk ms | scan ms | consumer ms | ranges ms | walk / ranges | scan / ranges |"
	echo "|---|--:|--:|--:|--:|--:|--:|--:|"
	awk -F, 'NR > 1 {
		printf "| %s | %s | %.4f | %.4f | %.4f | %.4f | %.2fx | %.2fx |\n",
		       $1, $2, $4, $5, $4 - $5, $6, $4 / $6, $5 / $6
	}' "$dir/parts.csv"
fi

[ -f "$dir/curve.csv" ] || exit 0
echo
echo "### Size curve: the walk to reserved memory from 1 Ki to 4 Mi blocks"
echo
echo "N order-0 blocks, scattered (every other page: nothing merges) or"
echo "adjacent (one run); ms for the whole walk including the reserve. libkho:"
echo "kho_radix_walk_ranges() appending its ranges; kernel-like: 7.3.4's walk,"
echo "one reserve per block into a binary-searched array; kernel-memblock: the"
echo "same walk into the model of memblock.reserved (bench/memblock.c), with"
echo "its region visits; kernel-memblock-fix: that model with the patch of"
echo "patches/ (scans start by bisection). Points whose predicted time exceeds the budget are"
echo "skipped. Linux 7.3.4: kho_mem_retrieve() measured in kernel B under QEMU"
echo "TCG (issue 11), N non-adjacent order-0 pages; emulated, so slower than"
echo "native by a constant factor, but the same shape. Adjacent, the issue gives"
echo "5 ms to 0.26 s over the same 5k to 160k pages, shown at the two ends."
echo
echo "| pattern | blocks | libkho ms | kernel-like ms | kernel-memblock-fix ms | kernel-memblock ms | memblock region visits | Linux 7.3.4 (TCG) |"
echo "|---|--:|--:|--:|--:|--:|--:|--:|"
awk -F, '
NR == 1 { next }
{
	k = $1 "," $2
	if (!(k in seen)) { seen[k] = 1; rows[++nr] = k }
	ms[k "," $3] = $4
	if ($3 == "kernel-memblock") vis[k] = $6
}
END {
	real["scattered,5000"] = "0.19-0.31 s"; real["scattered,10000"] = "0.75 s"
	real["scattered,20000"] = "3.1-3.3 s"; real["scattered,40000"] = "12.7-13.3 s"
	real["scattered,80000"] = "48-53 s"; real["scattered,160000"] = "195-203 s"
	real["adjacent,5000"] = "5 ms"; real["adjacent,160000"] = "0.26 s"
	for (r = 1; r <= nr; r++) {
		k = rows[r]; split(k, p, ",")
		printf "| %s | %s |", p[1], p[2]
		n = split("libkho kernel-like kernel-memblock-fix kernel-memblock", im, " ")
		for (i = 1; i <= n; i++) {
			v = ms[k "," im[i]]
			printf " %s |", (v == "") ? "(skipped)" : sprintf("%.3f", v)
		}
		printf " %s | %s |\n", (vis[k] == "") ? "-" : vis[k], (k in real) ? real[k] : ""
	}
}' "$dir/curve.csv"
