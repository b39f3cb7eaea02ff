#!/usr/bin/env bash
# Regenerates the committed seed corpus (src/test/resources/dev/vertxp2p/fuzz/*Inputs) from
# SeedCorpus.java. Run from anywhere; needs a prior `mvn test-compile`.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -o dependency:build-classpath -Dmdep.outputFile=target/fuzz-classpath.txt \
  -Dinterop.skipInstall=true >/dev/null
java -cp "target/test-classes:target/classes:$(cat target/fuzz-classpath.txt)" \
  dev.vertxp2p.fuzz.SeedCorpus src/test/resources
