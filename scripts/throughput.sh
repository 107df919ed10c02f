#!/bin/bash
# Measures the scale targets end to end: wall time of `stratex run` on the flagship with 2 threads
# and with 1, interleaved so that both see the same moods of a shared machine.
#
#   scripts/throughput.sh [ROUNDS] [RUNS] [BINARY]
#       ROUNDS  rounds of four runs each: 2 threads, 1 thread, 2 threads, 2 threads (default 6)
#       RUNS    runs per command (default 200000)
#       BINARY  the stratex binary to time (default target/release/stratex; build it first with
#               `cargo build --release`)
#
# Prints one line per command (UTC time, threads, wall, user and system seconds) and then:
# the 2-thread wall times' range and median with the runs per second it gives and how many met
# 20,000 runs/s; the 1-thread median; the 1-thread time over each neighbouring 2-thread time
# (median, and how many pairs reach 1.8x); and the cores busy with 2 threads ((user + system)
# / wall). Every command writes all its files (runs.csv, timeseries.csv, summary.json, ...) to a
# scratch directory that is removed at the end. Run nothing else meanwhile.
set -euo pipefail

ROUNDS="${1:-6}"
RUNS="${2:-200000}"
repo="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${3:-$repo/target/release/stratex}"
TARGET_RATE=20000

case "$ROUNDS$RUNS" in
    *[!0-9]*) echo "error: ROUNDS and RUNS must be whole numbers (got '$ROUNDS' and '$RUNS')" >&2; exit 2 ;;
esac
if [ "$ROUNDS" -lt 1 ] || [ "$RUNS" -lt 1 ]; then
    echo "error: ROUNDS and RUNS must be at least 1" >&2
    exit 2
fi
if [ ! -x "$BIN" ]; then
    echo "error: no stratex binary at $BIN (run 'cargo build --release' first, or pass one)" >&2
    exit 2
fi
if [ ! -x /usr/bin/time ]; then
    echo "error: /usr/bin/time is missing (Debian: apt-get install time)" >&2
    exit 2
fi

scratch="$(mktemp -d /tmp/stratex-throughput.XXXXXX)"
times="$scratch/times"
trap 'rm -rf "$scratch"' EXIT

echo "# $("$BIN" --version), $RUNS runs of scenarios/nk_russia.ron, $ROUNDS rounds, $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "# time(UTC) threads wall_s user_s sys_s"
for _ in $(seq 1 "$ROUNDS"); do
    for threads in 2 1 2 2; do
        started="$(date -u +%H:%M:%S)"
        /usr/bin/time -o "$scratch/one" -f "%e %U %S" \
            "$BIN" run "$repo/scenarios/nk_russia.ron" --runs "$RUNS" --threads "$threads" -q \
            --out "$scratch/out" >/dev/null
        echo "$started $threads $(cat "$scratch/one")" | tee -a "$times"
        rm -rf "$scratch/out"
    done
done

awk -v runs="$RUNS" -v rate="$TARGET_RATE" '
    function median(a, n,    i, j, t, b) {
        for (i = 1; i <= n; i++) b[i] = a[i]
        for (i = 2; i <= n; i++) for (j = i; j > 1 && b[j - 1] > b[j]; j--) { t = b[j]; b[j] = b[j - 1]; b[j - 1] = t }
        return n % 2 ? b[(n + 1) / 2] : (b[n / 2] + b[n / 2 + 1]) / 2
    }
    # /usr/bin/time reports to the hundredth: a tiny job can show 0.00 s of wall time.
    { k++; th[k] = $2; wall[k] = ($3 > 0 ? $3 : 0.01); busy[k] = ($4 + $5) / wall[k] }
    END {
        limit = runs / rate
        for (i = 1; i <= k; i++) {
            if (th[i] == 2) {
                n2++; two[n2] = wall[i]; b[n2] = busy[i]; met += (wall[i] <= limit)
                if (n2 == 1 || wall[i] < lo) lo = wall[i]
                if (n2 == 1 || wall[i] > hi) hi = wall[i]
            } else {
                n1++; one[n1] = wall[i]
                for (j = i - 1; j <= i + 1; j += 2)
                    if (j >= 1 && j <= k && th[j] == 2) { np++; r[np] = wall[i] / wall[j]; fast += (r[np] >= 1.8) }
            }
        }
        m2 = median(two, n2)
        printf "2 threads: %.2f to %.2f s, median %.2f s = %d runs/s; %d of %d at or under %.2f s (%d runs/s)\n", lo, hi, m2, runs / m2, met, n2, limit, rate
        printf "1 thread: median %.2f s over %d\n", median(one, n1), n1
        printf "1 thread over 2 threads: median %.2fx; %d of %d pairs at or above 1.8x\n", median(r, np), fast, np
        printf "cores busy with 2 threads: median %.2f\n", median(b, n2)
    }' "$times"
