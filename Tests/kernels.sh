#!/usr/bin/env bash
# The kernels as NVIDIA's OpenCL compiler will see them, checked here where there is no GPU:
# clang's OpenCL C 1.2 front end for NVIDIA's target (nvptx64-nvidia-nvcl) and for SPIR, with
# every warning an error, for each layout the backend builds (StepLayout.buildOptions) and
# both ways of prefetching (Kernels.deviceOptions).
# PoCL, which CI runs the kernels on, accepts code that a strict compiler refuses or warns
# about. Each compile must also define every function the kernels call, other than OpenCL's
# builtins: a plain `inline` function of OpenCL C (C99's rules) is only an inline definition,
# which leaves an unresolved symbol wherever the compiler does not inline the call (ptxas
# fails on it; PoCL happens to accept it). The kernel variants waiting for a GPU
# (Benchmarks/gpu/variants/*.patch, alone and in the combinations its make.sh lists) must
# still apply to the kernels, and compile the same way. For NVIDIA's target the kernels take
# NVIDIA's branches, as its driver's compiler does (cl_nv_pragma_unroll defined; clang's
# OpenCL C spells asm __asm__), so their inline PTX is compiled too. Usage:
# Tests/kernels.sh [clang]
set -u
CLANG=${1:-$(command -v clang || true)}
if [ -z "$CLANG" ]; then echo "kernels: no clang found, skipped"; exit 0; fi
cd "$(dirname "$0")/.."
# The files in the order the backend compiles them (Kernels.files).
files=$(sed -n 's/.*static let files = \[\(.*\)\]/\1/p' Sources/OpenCLBackend/Kernels.swift | tr -d '",')
[ -n "$files" ] || { echo "kernels: no file list in Kernels.swift"; exit 1; }
source=$(mktemp --suffix .cl)
variants=$(mktemp -d)
trap 'rm -rf "$source" "$source.ll" "$source.log" "$variants"' EXIT
passed=0
failed=0
# check FOLDER: the kernels in FOLDER, for both targets and every layout.
check() {
  local folder=$1 target options
  for f in $files; do echo "#line 1 \"$folder/$f\""; cat "$folder/$f"; done >"$source"
  for target in nvptx64-nvidia-nvcl spir64; do
    local vendor=()
    [ $target = nvptx64-nvidia-nvcl ] && vendor=(-Dcl_nv_pragma_unroll=1 -Dasm=__asm__)
    # Both ring widths in both deliveries.
    for options in "1u 0 0 32" "4u 1 1 32" "12u 0 0 64" "64u 1 0 64"; do
      set -- $options
      if "$CLANG" -x cl -cl-std=CL1.2 -target $target -Xclang -finclude-default-header "${vendor[@]}" \
          -Xclang -cl-ext=+cl_khr_fp64,+cl_khr_int64_base_atomics \
          -DNEURONS_PER_ITEM=$1 -DDELIVERY_BY_ONE_ITEM=$2 -DPREFETCH_BY_BUILTIN=$3 -DRING_BITS=$4 \
          -Werror -Wall -Wextra -Wconversion -Wno-sign-conversion -emit-llvm -S -o "$source.ll" "$source" 2>"$source.log"; then
        # Declared, not defined: anything but a builtin (mangled, _Z...) or an LLVM intrinsic.
        undefined=$(sed -n 's/^declare .* @\([A-Za-z0-9_.]*\)(.*/\1/p' "$source.ll" | grep -v -e '^_Z' -e '^llvm\.' | sort -u | tr '\n' ' ')
        if [ -z "$undefined" ]; then
          passed=$((passed + 1))
        else
          failed=$((failed + 1))
          echo "FAIL: $folder, $target, NEURONS_PER_ITEM=$1 RING_BITS=$4: called but not defined (make them static inline): $undefined"
        fi
      else
        failed=$((failed + 1))
        echo "FAIL: $folder, $target, NEURONS_PER_ITEM=$1 DELIVERY_BY_ONE_ITEM=$2 PREFETCH_BY_BUILTIN=$3 RING_BITS=$4:"
        head -30 "$source.log"
      fi
      rm -f "$source.log" "$source.ll"
    done
  done
}
check kernels
if bash Benchmarks/gpu/variants/make.sh "$variants"; then
  for folder in "$variants"/*/; do
    [ -d "$folder" ] && check "${folder%/}"
  done
else
  failed=$((failed + 1))
fi
echo "kernels: $passed passed, $failed failed"
[ $failed -eq 0 ]
