#!/usr/bin/env bash
# Kernel variants waiting for a GPU: each NAME.patch here is one change to
# kernels/deliver_and_update.cl, kept as a patch so that it stays small and fails loudly
# (Tests/kernels.sh applies and compiles every one) once the kernel moves on. This script
# writes OUT/NAME/, a copy of kernels/ with NAME.patch applied, for Benchmarks/gpu/run.sh
# --variants "NAME=OUT/NAME" (make gpu-bundle puts them in .gpu-bundle/variants/).
# Usage: Benchmarks/gpu/variants/make.sh OUT
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=$1
for patch in "$here"/*.patch; do
  [ -e "$patch" ] || continue
  name=$(basename "$patch" .patch)
  # Applied outside any repository, where git apply works on plain files as patch(1) does.
  work=$(mktemp -d)
  cp "$here"/../../../kernels/*.cl "$work"/
  if ! (cd "$work" && git apply -p2 "$patch"); then
    echo "variant $name: $patch no longer applies to kernels/"
    rm -rf "$work"
    exit 1
  fi
  mkdir -p "$out/$name"
  cp "$work"/*.cl "$out/$name"/
  rm -rf "$work"
done
