#!/usr/bin/env bash
# Builds the Go interop peer: build.sh <output binary>
# Needs Debian's golang-go, golang-github-hashicorp-yamux-dev and golang-github-flynn-noise-dev;
# those library packages install their sources in the distribution's GOPATH tree (override it
# with GO_LIBS_PATH). The build runs in GOPATH mode, offline: nothing is downloaded.
set -euo pipefail
out="${1:?usage: build.sh <output binary>}"
here="$(cd "$(dirname "$0")" && pwd)"
libs="${GO_LIBS_PATH:-}"
if [ -z "$libs" ]; then
  # the GOPATH tree is wherever the yamux package put its sources
  dir="$(dpkg -L golang-github-hashicorp-yamux-dev 2>/dev/null \
    | grep '/src/github.com/hashicorp/yamux$' | head -1 || true)"
  libs="${dir%/src/github.com/hashicorp/yamux}"
  [ -n "$libs" ] || { echo "golang-github-hashicorp-yamux-dev is not installed" >&2; exit 3; }
fi
for pkg in github.com/hashicorp/yamux github.com/flynn/noise; do
  [ -d "$libs/src/$pkg" ] || { echo "missing Go package $pkg under $libs/src" >&2; exit 3; }
done
command -v go >/dev/null 2>&1 || { echo "no go on the PATH" >&2; exit 3; }
mkdir -p "$(dirname "$out")"
outdir="$(cd "$(dirname "$out")" && pwd)"
out="$outdir/$(basename "$out")"
cd "$here"
GO111MODULE=off GOPATH="$libs" GOCACHE="$outdir/go-build-cache" GOFLAGS= GOPROXY=off \
  go build -o "$out" peer.go
