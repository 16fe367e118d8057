#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# Run kho-bench and keep its results.
# Usage: sh bench/run.sh BINARY full|smoke
#   full:  the real workloads; writes results.csv, goals.csv (issue 4),
#          goals11.csv (issue 11), sweep.csv, curve.csv (walk time from 1 Ki
#          to 4 Mi blocks, with the memblock model), parts.csv (where the
#          walk's time goes, warm) and output.txt next to
#          BINARY and draws the charts into docs/img/ with gnuplot.
#   smoke: tiny inputs, every implementation, a few seconds; exits 0 only
#          when every implementation ran every workload and every walk
#          matched the model.
set -eu

bin=${1:?usage: sh bench/run.sh BINARY full|smoke}
mode=${2:?usage: sh bench/run.sh BINARY full|smoke}
out=$(dirname "$bin")
top=$(cd "$(dirname "$0")/.." && pwd)
img=$top/docs/img
csv=$out/results.csv
goals=$out/goals.csv
goals11=$out/goals11.csv
sweep=$out/sweep.csv
curve=$out/curve.csv
parts=$out/parts.csv
log=$out/output.txt
impls="libkho libkho-batch libkho-before kernel-like kho-v1 ranges judy1 roaring"
workloads="W1 W2 W3 W4 W5 W6"

case $mode in
full) flags="--curve $curve --parts $parts" ;;
smoke) flags="--quick --parts $parts" ;;
*) echo "run.sh: mode must be full or smoke, not '$mode'" >&2; exit 1 ;;
esac

rm -f "$csv" "$goals" "$goals11" "$sweep" "$curve" "$parts" "$log"
start=$(date +%s)
if ! "$bin" $flags --csv "$csv" --goals "$goals" --goals11 "$goals11" \
	--sweep "$sweep" >"$log"; then
	cat "$log"
	echo "run.sh: $bin failed" >&2
	exit 1
fi
cat "$log"
echo "run.sh: $mode run took $(($(date +%s) - start)) s; results in $csv, $goals, $goals11, $sweep$([ -f "$curve" ] && echo ", $curve")$([ -f "$parts" ] && echo ", $parts")"

# Every implementation, every workload, and the cross-check line.
missing=
for i in $impls; do
	for w in $workloads; do
		grep -q "^$w,$i," "$csv" || missing="$missing $w/$i"
	done
done
for i in $impls; do
	grep -q "^1,$i," "$sweep" || missing="$missing sweep/$i"
done
if [ -n "$missing" ]; then
	echo "run.sh: no result for:$missing" >&2
	exit 1
fi
grep -q "every walk matched the model" "$log" || {
	echo "run.sh: the cross-check did not complete" >&2
	exit 1
}
if [ "$mode" = smoke ]; then
	# libkho's walk with the base build of its scan, the one a processor
	# without popcnt/BMI runs: it too must reserve exactly the model. It
	# runs single-threaded, the full run with its idle thread: glibc's
	# mutex must see each mode (the header says what it saw).
	"$bin" --quick --scan base --impls libkho,libkho-batch --no-sweep \
		--single-threaded >"$out/smoke-base.txt" 2>&1 &&
		grep -q "every walk matched the model" "$out/smoke-base.txt" || {
		cat "$out/smoke-base.txt"
		echo "run.sh: the base scan build failed" >&2
		exit 1
	}
	grep -q "^kho-bench: one thread" "$out/smoke-base.txt" &&
		grep -q "^kho-bench: an idle second thread" "$log" || {
		echo "run.sh: a run's lock mode is not the one asked for" >&2
		exit 1
	}
	echo "run.sh: smoke passed"
	exit 0
fi

# --- charts -----------------------------------------------------------------
command -v gnuplot >/dev/null || {
	echo "run.sh: gnuplot not installed, no charts" >&2
	exit 0
}
mkdir -p "$img"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# pivot COLUMN FILE [extra impl]: rows = workloads, columns = implementations;
# values below 0.0001 are raised to 0.0001 so that a log scale can show them.
pivot() {
	awk -F, -v col="$1" -v impls="$impls ${3:-}" -v wls="$workloads" '
	NR > 1 { v[$1 "," $2] = $col }
	END {
		ni = split(impls, im, " "); nw = split(wls, wl, " ")
		printf "workload"
		for (i = 1; i <= ni; i++) printf " %s", im[i]
		printf "\n"
		for (w = 1; w <= nw; w++) {
			printf "%s", wl[w]
			for (i = 1; i <= ni; i++) {
				k = wl[w] "," im[i]
				if (!(k in v)) { printf " -"; continue }
				x = v[k] + 0; if (x < 0.0001) x = 0.0001
				printf " %g", x
			}
			printf "\n"
		}
	}' "$csv" >"$2"
}

pivot 7 "$tmp/add.dat"
pivot 10 "$tmp/walk.dat" bound
pivot 13 "$tmp/bytes.dat"
nimpl=$(echo $impls | wc -w)

chart() { # data file, output, title, y label, columns
	gnuplot <<GP
set terminal svg size 900,480 dynamic font "sans,12" background rgb "white"
set output "$2"
set title "$3"
set ylabel "$4"
set logscale y
set yrange [0.0001:*]
set grid ytics
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key outside right top vertical
set datafile missing "-"
plot for [i=2:$5] "$1" using i:xtic(1) title columnheader(i)
GP
}

# sweep_pivot COLUMN FILE: rows = run lengths, columns = implementations.
sweep_pivot() {
	awk -F, -v col="$1" -v impls="$impls" '
	NR > 1 { if (!($1 in seen)) { seen[$1] = 1; rows[++nr] = $1 }
		 v[$1 "," $2] = $col }
	END {
		ni = split(impls, im, " ")
		printf "L"
		for (i = 1; i <= ni; i++) printf " %s", im[i]
		printf "\n"
		for (r = 1; r <= nr; r++) {
			printf "%s", rows[r]
			for (i = 1; i <= ni; i++) {
				x = v[rows[r] "," im[i]] + 0
				if (x < 0.0001) x = 0.0001
				printf " %g", x
			}
			printf "\n"
		}
	}' "$sweep" >"$2"
}

line_chart() { # data file, output, title, y label, columns
	gnuplot <<GP
set terminal svg size 900,480 dynamic font "sans,12" background rgb "white"
set output "$2"
set title "$3"
set xlabel "run length L (pages; gaps are L pages too)"
set ylabel "$4"
set logscale xy 4
set format y "%g"
set grid xtics ytics
set key outside right top vertical
plot for [i=2:$5] "$1" using 1:i with linespoints lw 2 title columnheader(i)
GP
}

chart "$tmp/add.dat" "$img/bench-add.svg" \
	"Add: ns per block (median; log scale; lower is better)" \
	"ns per block" $((nimpl + 1))
chart "$tmp/walk.dat" "$img/bench-walk.svg" \
	"Walk to reserved ranges: ns per block (median; log scale)" \
	"ns per block" $((nimpl + 2))
chart "$tmp/bytes.dat" "$img/bench-bytes.svg" \
	"Metadata: bytes per preserved block (log scale)" \
	"bytes per block" $((nimpl + 1))
sweep_pivot 7 "$tmp/frag-bytes.dat"
sweep_pivot 6 "$tmp/frag-walk.dat"
line_chart "$tmp/frag-bytes.dat" "$img/bench-frag-bytes.svg" \
	"Fragmentation: bytes per preserved page" "bytes per page" \
	$((nimpl + 1))
line_chart "$tmp/frag-walk.dat" "$img/bench-frag-walk.svg" \
	"Fragmentation: walk to reserved ranges, ns per preserved page" \
	"ns per page" $((nimpl + 1))
# Size curve: walk ms against blocks, log-log, with the real kernel's
# kho_mem_retrieve() (issue 11: Linux 7.3.4 under QEMU TCG, scattered).
awk -F, 'NR > 1 { print > ("'"$tmp"'/curve-" $1 "-" $3 ".dat") }' "$curve"
cat >"$tmp/curve-real.dat" <<REAL
x,5000,real,250
x,10000,real,750
x,20000,real,3200
x,40000,real,13000
x,80000,real,50500
x,160000,real,199000
REAL
gnuplot <<GP
set terminal svg size 900,520 dynamic font "sans,12" background rgb "white"
set output "$img/bench-curve.svg"
set title "Walk to reserved memory: ms against preserved order-0 blocks (log-log)"
set xlabel "blocks"
set ylabel "ms"
set logscale xy 10
set format y "%g"
set grid xtics ytics
set key outside right top vertical
set datafile separator ","
plot "$tmp/curve-scattered-kernel-memblock.dat" using 2:4 with linespoints lw 2 title "kernel-memblock, scattered", \
     "$tmp/curve-scattered-kernel-memblock-fix.dat" using 2:4 with linespoints lw 2 title "kernel-memblock-fix, scattered", \
     "$tmp/curve-scattered-kernel-like.dat" using 2:4 with linespoints lw 2 title "kernel-like, scattered", \
     "$tmp/curve-scattered-libkho.dat" using 2:4 with linespoints lw 2 title "libkho, scattered", \
     "$tmp/curve-adjacent-kernel-memblock.dat" using 2:4 with linespoints dt 2 title "kernel-memblock, adjacent", \
     "$tmp/curve-adjacent-kernel-like.dat" using 2:4 with linespoints dt 2 title "kernel-like, adjacent", \
     "$tmp/curve-adjacent-libkho.dat" using 2:4 with linespoints dt 2 title "libkho, adjacent", \
     "$tmp/curve-real.dat" using 2:4 with points pt 7 ps 1.2 title "Linux 7.3.4 (QEMU TCG), scattered"
GP
echo "run.sh: charts in $img: bench-add.svg bench-walk.svg bench-bytes.svg" \
	"bench-frag-bytes.svg bench-frag-walk.svg bench-curve.svg"

# The measured tables of docs/benchmarks.md, between its two markers.
doc=$top/docs/benchmarks.md
sh "$top/bench/tables.sh" "$out" >"$out/tables.md"
if grep -q '^<!-- bench-tables:begin' "$doc" 2>/dev/null &&
   grep -q '^<!-- bench-tables:end' "$doc"; then
	awk -v tables="$out/tables.md" '
	/^<!-- bench-tables:begin/ { print; while ((getline l < tables) > 0) print l; skip = 1; next }
	/^<!-- bench-tables:end/ { skip = 0 }
	!skip' "$doc" >"$tmp/doc.md" && cp "$tmp/doc.md" "$doc"
	echo "run.sh: tables of $doc updated"
else
	echo "run.sh: tables in $out/tables.md ($doc has no markers)"
fi
