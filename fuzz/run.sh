#!/usr/bin/env bash
# Fuzzes every @FuzzTest in dev.vertxp2p.fuzz for a fixed budget each and prints executions per
# target. Jazzer fuzzes one test per JVM, so this runs one Maven/surefire invocation per target.
#
#   fuzz/run.sh [seconds-per-target] [Class#method ...]
#
# Findings are written by Jazzer into src/test/resources/dev/vertxp2p/fuzz/<Class>Inputs/<method>/
# (crash-*, timeout-*), so the next `mvn test` replays them; the generated corpus goes to
# .cifuzz-corpus/ (ignored by git). Logs: target/fuzz/<Class>.<method>.log.
set -uo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET="${1:-60}"
shift || true
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
  TARGETS=(
    MultiaddrFuzzTest#parseText MultiaddrFuzzTest#fromBytes
    KeysFuzzTest#unmarshalPublicKey KeysFuzzTest#unmarshalPrivateKey
    PeerIdFuzzTest#parse PeerIdFuzzTest#fromBytes
    ProtobufFuzzTest#noiseHandshakePayload ProtobufFuzzTest#identifyMessage
    IdentifyFuzzTest#raw IdentifyFuzzTest#structured
    UpgradeFuzzTest#responder UpgradeFuzzTest#initiator UpgradeFuzzTest#muxerNegotiation
    MultistreamFuzzTest#responder MultistreamFuzzTest#initiator MultistreamFuzzTest#structured
    NoiseFuzzTest#responder NoiseFuzzTest#responderAfterMessage1 NoiseFuzzTest#initiator
    NoiseFuzzTest#forgedIdentity NoiseFuzzTest#claimedIdentity NoiseFuzzTest#session
    YamuxFuzzTest#raw YamuxFuzzTest#structured
    MplexFuzzTest#raw MplexFuzzTest#structured
  )
fi

# libFuzzer flags reach Jazzer as jazzer.internal.arg.N (arg 0 stands for argv[0]); they come after
# Jazzer's own, so they win: the time budget, a per-input timeout (a hang is a finding) and an RSS
# limit (an allocation a peer can trigger is a finding).
TIMEOUT="${FUZZ_TIMEOUT:-10}"
RSS_MB="${FUZZ_RSS_LIMIT_MB:-2560}"
HOOKS="${FUZZ_HOOKS:-true}"
# Coverage instrumentation needs the agent, which Jazzer installs only with hooks on; limit both to
# our code and the protobuf runtime our codecs sit on, so start-up stays short.
INSTRUMENT="${FUZZ_INSTRUMENT:-dev.vertxp2p.**,com.google.protobuf.**}"

mvn -B -q -o test-compile -Dinterop.skipInstall=true || exit 1
mkdir -p target/fuzz
printf '%-45s %12s %8s %s\n' target executions exec/s result > target/fuzz/summary.txt
status=0
for t in "${TARGETS[@]}"; do
  log="target/fuzz/${t/\#/.}.log"
  JAZZER_FUZZ=1 mvn -B -o surefire:test -Dinterop.skipInstall=true \
    -Dsurefire.failIfNoSpecifiedTests=false -Dtest="dev.vertxp2p.fuzz.$t" \
    -DtrimStackTrace=false -DargLine="-Xmx1g -Xss4m" \
    -Djazzer.hooks="$HOOKS" -Djazzer.instrument="$INSTRUMENT" \
    -Djazzer.internal.arg.0=fuzz \
    -Djazzer.internal.arg.1=-max_total_time="$SECONDS_PER_TARGET" \
    -Djazzer.internal.arg.2=-timeout="$TIMEOUT" \
    -Djazzer.internal.arg.3=-rss_limit_mb="$RSS_MB" \
    -Djazzer.internal.arg.4=-print_final_stats=1 \
    > "$log" 2>&1
  rc=$?
  # libFuzzer's final line "#N DONE ..." and -print_final_stats' "stat::number_of_executed_units".
  execs=$(grep -ao 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$')
  if [ -z "$execs" ]; then
    execs=$(grep -aoE '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 | grep -oE '[0-9]+')
  fi
  speed=$(grep -aoE 'exec/s: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+')
  if [ $rc -eq 0 ]; then result=ok; else result="FINDING (see $log)"; status=1; fi
  printf '%-45s %12s %8s %s\n' "$t" "${execs:-?}" "${speed:-?}" "$result" | tee -a target/fuzz/summary.txt
done
echo
cat target/fuzz/summary.txt
exit $status
