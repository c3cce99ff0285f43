#!/usr/bin/env bash
# The kernels as NVIDIA's OpenCL compiler will see them, checked here where there is no GPU:
# clang's OpenCL C 1.2 front end for NVIDIA's target (nvptx64-nvidia-nvcl) and for SPIR, with
# every warning an error, for each layout the backend builds (StepLayout.buildOptions) and
# both ways of prefetching (Kernels.deviceOptions).
# PoCL, which CI runs the kernels on, accepts code that a strict compiler refuses or warns
# about. Usage: Tests/kernels.sh [clang]
set -u
CLANG=${1:-$(command -v clang || true)}
if [ -z "$CLANG" ]; then echo "kernels: no clang found, skipped"; exit 0; fi
cd "$(dirname "$0")/.."
# The files in the order the backend compiles them (Kernels.files).
files=$(sed -n 's/.*static let files = \[\(.*\)\]/\1/p' Sources/OpenCLBackend/Kernels.swift | tr -d '",')
[ -n "$files" ] || { echo "kernels: no file list in Kernels.swift"; exit 1; }
source=$(mktemp --suffix .cl)
trap 'rm -f "$source"' EXIT
for f in $files; do echo "#line 1 \"kernels/$f\""; cat "kernels/$f"; done >"$source"
passed=0
failed=0
for target in nvptx64-nvidia-nvcl spir64; do
  for options in "1u 0 0" "4u 1 1" "12u 0 0" "64u 1 0"; do
    set -- $options
    if "$CLANG" -x cl -cl-std=CL1.2 -target $target -Xclang -finclude-default-header \
        -Xclang -cl-ext=+cl_khr_fp64,+cl_khr_int64_base_atomics \
        -DNEURONS_PER_ITEM=$1 -DDELIVERY_BY_ONE_ITEM=$2 -DPREFETCH_BY_BUILTIN=$3 \
        -Werror -Wall -Wextra -Wconversion -Wno-sign-conversion -emit-llvm -S -o /dev/null "$source" 2>"$source.log"; then
      passed=$((passed + 1))
    else
      failed=$((failed + 1))
      echo "FAIL: $target, NEURONS_PER_ITEM=$1 DELIVERY_BY_ONE_ITEM=$2 PREFETCH_BY_BUILTIN=$3:"
      head -30 "$source.log"
    fi
    rm -f "$source.log"
  done
done
echo "kernels: $passed passed, $failed failed"
[ $failed -eq 0 ]
