#!/usr/bin/env bash
# Before/after in one sitting: runs bench/run.sh alternately in two checkouts, N times each (the
# machine's speed drifts over minutes, so the two sides must interleave), then compares the cost
# rows: CPU per byte (perf), CPU per establishment (conn), heap per idle connection (idle).
#
#   bench/ab.sh BEFORE_DIR AFTER_DIR [N]     (N defaults to 5)
#
# Each run measures on the default JDK and the newest JDK 21+ beside it, as bench/run.sh does.
# BENCH_* variables pass through; by default only the scenarios compared run (BENCH_ONLY).
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: bench/ab.sh BEFORE_DIR AFTER_DIR [N]" >&2; exit 2; }
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BEFORE="$(cd "$1" && pwd)"
AFTER="$(cd "$2" && pwd)"
N="${3:-5}"
OUT="$ROOT/target/ab"
rm -rf "$OUT"
mkdir -p "$OUT"
export BENCH_ONLY="${BENCH_ONLY:-perf,conn,idle}" BENCH_JS="${BENCH_JS:-0}" BENCH_GO="${BENCH_GO:-0}"
export BENCH_JMH="${BENCH_JMH:-0}" BENCH_ROUNDS="${BENCH_ROUNDS:-1}"
for i in $(seq 1 "$N"); do
  for side in before after; do
    dir="$BEFORE"; [ "$side" = after ] && dir="$AFTER"
    echo "ab: round $i/$N, $side ($dir)" >&2
    (cd "$dir" && bash bench/run.sh >"$OUT/$side-$i.report.md" 2>"$OUT/$side-$i.log") \
      || echo "ab: $side round $i failed (see $OUT/$side-$i.log)" >&2
    for f in "$dir"/target/bench/jdk*.jsonl; do
      [ -f "$f" ] && cp "$f" "$OUT/$side-$i-$(basename "$f")"
    done
  done
done
CP="$AFTER/target/test-classes:$AFTER/target/classes:$(cat "$AFTER/target/bench/classpath.txt")"
java -cp "$CP" dev.vertxp2p.bench.AbReport "$OUT" | tee "$OUT/ab.md"
