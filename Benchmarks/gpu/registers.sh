#!/usr/bin/env bash
# What the step kernels need of an NVIDIA GPU's multiprocessor, estimated without a GPU:
# registers, stack and local memory per work-item from clang's OpenCL C for NVIDIA's target
# (nvptx64-nvidia-nvcl, linked with libclc's builtins) assembled by ptxas for sm_90 (H100,
# H200), and from those how many work-groups of each layout one multiprocessor holds, and so
# whether a full-scale step's work-groups are all resident at once, as --steps-per-launch
# needs. NVIDIA's own OpenCL compiler is another front end, so its register counts may differ;
# the margin is what this tells.
#
# Needs clang with the NVPTX target and libclc (Debian: apt-get install clang-16 libclc-16)
# and ptxas (the CUDA toolkit's, or PyPI's: python3 -m venv v && v/bin/pip install
# nvidia-cuda-nvcc-cu12, then v/lib/python3*/site-packages/nvidia/cuda_nvcc/bin/ptxas).
# The kernels are compiled as on NVIDIA's devices: cl_nv_pragma_unroll defined, so with their
# inline PTX (clang's OpenCL C spells asm __asm__), and the local arrays sized for the layout.
# --kernels DIR: another folder of kernel sources, such as a variant of
# Benchmarks/gpu/variants/ (its make.sh writes them). --ring-bits 64: the ring's words as
# where a network's input of one step could overflow 32 bits (the model's take 32).
# Usage: Benchmarks/gpu/registers.sh [--clang CLANG] [--ptxas PTXAS] [--libclc BC] [--kernels DIR] [--ring-bits 32|64]
set -u
CLANG=$(command -v clang-16 || true)
PTXAS=$(command -v ptxas || true)
LIBCLC=/usr/lib/clc/nvptx64--nvidiacl.bc
KERNELS=kernels
RING_BITS=32
while [ $# -gt 0 ]; do
  case $1 in
    --clang) CLANG=$2; shift ;;
    --ptxas) PTXAS=$2; shift ;;
    --libclc) LIBCLC=$2; shift ;;
    --kernels) KERNELS=$(realpath "$2"); shift ;;
    --ring-bits) RING_BITS=$2; shift ;;
    *) echo "unknown argument $1"; exit 2 ;;
  esac
  shift
done
for tool in "$CLANG" "$PTXAS" "$LIBCLC"; do
  [ -n "$tool" ] && [ -e "$tool" ] || { echo "registers: missing clang-16, ptxas or libclc (see the header of $0)"; exit 2; }
done
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
files=$(sed -n 's/.*static let files = \[\(.*\)\]/\1/p' Sources/OpenCLBackend/Kernels.swift | tr -d '",')
for f in $files; do echo "#line 1 \"$KERNELS/$f\""; cat "$KERNELS/$f"; done >"$work/all.cl"
# libclc has no 64-bit atomics for NVPTX; NVIDIA's OpenCL has them (cl_khr_int64_base_atomics).
cat >"$work/atomics.cl" <<'EOF'
#pragma OPENCL EXTENSION cl_khr_int64_base_atomics : enable
long __attribute__((overloadable)) atom_add(volatile __global long *p, long v) { return __sync_fetch_and_add(p, v); }
ulong __attribute__((overloadable)) atom_add(volatile __global ulong *p, ulong v) { return __sync_fetch_and_add(p, v); }
EOF
common=(-x cl -cl-std=CL1.2 -target nvptx64-nvidia-nvcl -march=sm_90 -O3 -Xclang -finclude-default-header
        -Xclang -cl-ext=+cl_khr_fp64,+cl_khr_int64_base_atomics)
"$CLANG" "${common[@]}" -emit-llvm -c -o "$work/atomics.bc" "$work/atomics.cl" || exit 1

# sm_90: 65,536 registers (allocated per warp in units of 256), 2,048 work-items, 32
# work-groups and 228 KB of shared memory (1 KB of it reserved per work-group) per
# multiprocessor; 132 multiprocessors on an H100 SXM and an H200.
echo "layout  kernel              registers  stack_B  spills_B  local_B  groups/SM  resident(132 SMs)  full-scale groups"
for shape in 256x1 512x1 640x1 704x1 1024x1 256x2 256x4 128x4 64x8; do
  width=${shape%x*}
  per_item=${shape#*x}
  "$CLANG" "${common[@]}" -Dcl_nv_pragma_unroll=1 -Dasm=__asm__ -DMAX_GROUP_SIZE=${width}u \
    -DNEURONS_PER_ITEM=${per_item}u -DDELIVERY_BY_ONE_ITEM=0 -DPREFETCH_BY_BUILTIN=0 -DRING_BITS=$RING_BITS \
    -Xclang -mlink-builtin-bitcode -Xclang "$LIBCLC" -Xclang -mlink-builtin-bitcode -Xclang "$work/atomics.bc" \
    -S -o "$work/step.ptx" "$work/all.cl" 2>"$work/clang.log" || { cat "$work/clang.log"; exit 1; }
  "$PTXAS" -arch=sm_90 -v -o "$work/step.cubin" "$work/step.ptx" 2>"$work/ptxas.log" || { cat "$work/ptxas.log"; exit 1; }
  for kernel in deliver_and_update run_steps; do
    awk -v kernel=$kernel -v width=$width -v per_item=$per_item '
      $0 ~ "Compiling entry function .?" kernel "[^a-z_]" { on = 1; next }
      on && /Compile time/ { on = 0 }
      on && /stack frame/ { stack = $1; spills = $5 + $9 }
      on && /Used [0-9]+ registers/ {
        for (i = 1; i <= NF; i++) {
          if ($(i + 1) == "registers,") registers = $i
          if ($(i + 1) == "bytes" && $(i + 2) == "smem") local_bytes = $i
        }
      }
      END {
        warps = int((width + 31) / 32)
        per_warp = int((registers * 32 + 255) / 256) * 256
        by_registers = int(65536 / (per_warp * warps))
        by_items = int(2048 / (warps * 32))
        by_local = int(233472 / (local_bytes + 1024))
        groups = by_registers; if (by_items < groups) groups = by_items
        if (by_local < groups) groups = by_local; if (groups > 32) groups = 32
        printf "%-7s %-19s %9d %8d %9d %8d %10d %18d %18d\n", width "x" per_item, kernel, registers, stack, spills,
               local_bytes, groups, groups * 132, int((77169 + width * per_item - 1) / (width * per_item))
      }' "$work/ptxas.log"
  done
done
