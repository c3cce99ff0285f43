#!/usr/bin/env bash
# Kernel variants waiting for a GPU: each NAME.patch here is one change to
# kernels/deliver_and_update.cl, kept as a patch so that it stays small and fails loudly
# (Tests/kernels.sh applies and compiles every one) once the kernel moves on. This script
# writes OUT/NAME/, a copy of kernels/ with NAME.patch applied, for Benchmarks/gpu/run.sh
# --variants "NAME=OUT/NAME" (make gpu-bundle puts them in .gpu-bundle/variants/); and for
# each of COMBINATIONS, OUT/A_B/ with A.patch and then B.patch applied, so that one call on
# a GPU times changes alone and together.
# Usage: Benchmarks/gpu/variants/make.sh OUT
set -eu
COMBINATIONS="bsearch_zfirst onecount_nolast lastall_zfirst"
here=$(cd "$(dirname "$0")" && pwd)
out=$1
names=
for patch in "$here"/*.patch; do
  [ -e "$patch" ] && names="$names $(basename "$patch" .patch)"
done
for name in $names $COMBINATIONS; do
  # Applied outside any repository, where git apply works on plain files as patch(1) does.
  work=$(mktemp -d)
  cp "$here"/../../../kernels/*.cl "$work"/
  for part in ${name//_/ }; do
    if ! (cd "$work" && git apply -p2 "$here/$part.patch"); then
      echo "variant $name: $here/$part.patch no longer applies to kernels/"
      rm -rf "$work"
      exit 1
    fi
  done
  mkdir -p "$out/$name"
  cp "$work"/*.cl "$out/$name"/
  rm -rf "$work"
done
