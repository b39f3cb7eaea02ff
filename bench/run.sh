#!/usr/bin/env bash
# Runs the whole benchmark suite and prints a Markdown report (also written to
# target/bench/report.md). See bench/README.md for what is measured and the
# environment variables that size each part.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
OUT="$ROOT/target/bench"
mkdir -p "$OUT"
rm -f "$OUT"/*.jsonl "$OUT"/*-jmh.json "$OUT"/*.log

# 10,000 idle connections need 10,000 descriptors in each of two JVMs.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $(( ${BENCH_IDLE_CONNS:-10000} + 1000 )) ]; then
  echo "bench: warning: only $(ulimit -n) file descriptors; lower BENCH_IDLE_CONNS" >&2
fi

# The scale scenario's node holds BENCH_SCALE_CONNS descriptors plus a few hundred of its own.
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $(( ${BENCH_SCALE_CONNS:-19000} + 500 )) ]; then
  echo "bench: warning: only $(ulimit -n) file descriptors; lower BENCH_SCALE_CONNS" >&2
fi

# The js-libp2p peer (Java<->js and js<->js); without node the js rows are left out.
if [ "${BENCH_JS:-1}" != 0 ] && [ ! -d interop/js/node_modules/libp2p ]; then
  if command -v npm >/dev/null 2>&1; then
    bash interop/js/install.sh >&2 || echo "bench: js peer install failed; js rows skipped" >&2
  else
    echo "bench: no npm; js rows skipped" >&2
  fi
fi

# Build: main and test classes (bench/ compiles with the tests), and the classpath.
MVN_FLAGS=(-B -q -Dinterop.skipInstall=true)
[ "${BENCH_MVN_OFFLINE:-0}" = 1 ] && MVN_FLAGS+=(-o)
mvn "${MVN_FLAGS[@]}" test-compile >&2
# The cluster scenario starts node JVMs from the fat jar: build it when that scenario runs.
if [ -z "${BENCH_ONLY:-}" ] || [[ ",${BENCH_ONLY// /}," == *,cluster,* ]]; then
  mvn "${MVN_FLAGS[@]}" package -DskipTests >&2
fi
mvn "${MVN_FLAGS[@]}" dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$OUT/classpath.txt" >/dev/null
CP="$ROOT/target/test-classes:$ROOT/target/classes:$(cat "$OUT/classpath.txt")"

# The JDKs: the default `java`, plus the newest JDK 21+ installed beside it (the directory that
# holds the default JDK; BENCH_JDK_ROOT overrides it), or BENCH_JAVA21 pointing at a java binary.
java_major() {
  "$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}' | cut -d. -f1
}
JAVAS=("$(command -v java)")
NEW_JAVA="${BENCH_JAVA21:-}"
if [ -z "$NEW_JAVA" ]; then
  best=0
  JDK_ROOT="${BENCH_JDK_ROOT:-$(dirname "$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")}"
  for j in "$JDK_ROOT"/*/bin/java; do
    [ -x "$j" ] || continue
    v="$(java_major "$j" || echo 0)"
    if [ "${v:-0}" -ge 21 ] && [ "$v" -gt "$best" ]; then best="$v"; NEW_JAVA="$j"; fi
  done
fi
if [ -n "$NEW_JAVA" ] && [ "$(readlink -f "$NEW_JAVA")" != "$(readlink -f "${JAVAS[0]}")" ]; then
  JAVAS+=("$NEW_JAVA")
fi

JMH_ARGS=(-f 1 -wi "${BENCH_JMH_WARMUPS:-2}" -w "${BENCH_JMH_TIME:-1}s" -i "${BENCH_JMH_ITERATIONS:-3}" -r "${BENCH_JMH_TIME:-1}s" -foe true)
REPORT_ARGS=()
first=1
for j in "${JAVAS[@]}"; do
  label="jdk$(java_major "$j")"
  echo "bench: === $label ($j) ===" >&2
  # js<->js ping and establishments do not depend on the JDK: measure them once (js<->js perf
  # runs in every JDK's rounds, beside the Java figures it is compared with).
  BENCH_JSJS=$first "$j" -cp "$CP" ${BENCH_JVM_ARGS:-} dev.vertxp2p.bench.BenchMain "$OUT/$label.jsonl" \
    2> >(tee "$OUT/$label.log" >&2) || echo "bench: some $label scenarios failed (see $OUT/$label.log)" >&2
  if [ "${BENCH_JMH:-1}" != 0 ]; then
    "$j" -cp "$CP" org.openjdk.jmh.Main "${JMH_ARGS[@]}" -rf json -rff "$OUT/$label-jmh.json" \
      ${BENCH_JMH_FILTER:-} >"$OUT/$label-jmh.log" 2>&1 || echo "bench: JMH failed on $label (see $OUT/$label-jmh.log)" >&2
  fi
  REPORT_ARGS+=("$label=$OUT/$label.jsonl,$OUT/$label-jmh.json")
  first=0
done

"${JAVAS[0]}" -cp "$CP" dev.vertxp2p.bench.Report \
  "Benchmark $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cpus" "${REPORT_ARGS[@]}" | tee "$OUT/report.md"
