#!/usr/bin/env bash
# Every GPU check and benchmark of a session, in one go, on a machine with an NVIDIA driver
# and no Swift: lists the OpenCL devices; verifies CPU-OpenCL identity (synapses built on the
# device) at a small scale with all stimuli and at full scale for a short run, with the GPU's
# default of 1000 steps per launch (one kernel runs a batch of steps with a barrier across
# work-groups between them) and with one step per launch; and times the OpenCL backend with
# `microcircuit bench` (Poisson background) at scales 0.1 and 1.0 with recording on, at 1.0
# also with one step per launch, with recording off and with the synapses built on the host,
# and the CPU backend at 0.1 for a same-machine ratio; a full-scale run with the voltmeter,
# to see its files' writing next to the simulation. Then, for tuning, where a full-scale
# step's time goes (`--time-kernels`: device time, idle time between launches, host enqueue
# time) for other work-group shapes, one and 1000 steps per launch; and, given folders of
# other kernel sources (`--variants "NAME=DIR ..."`, read through MICROCIRCUIT_KERNELS), each
# one verified and timed the same way beside the binary's own; and, phase by phase, where
# the cycles of a full-scale step go in each work-group (probe.py: a timing probe of the
# kernels). What the driver's compiler made of the kernels (on NVIDIA's devices, PTX) goes to
# program.bin, and of each variant's to program-variant-NAME.bin. Also runs here on PoCL as a
# dry run: `run.sh --dry-run`.
#
# Every command runs under a time limit (LIMIT seconds, default 120), so that one that hangs
# (a barrier across work-groups that never completes, a driver fault) costs the run its own
# result and not every one after it: the device machine is lent for minutes, once.
#
# Usage, from a bundle made by `make gpu-bundle` (binary, libOpenCL.so.1, this script and
# summarize.py, which turns the bench JSON files into one Markdown table, here or afterwards):
#   .gpu-bundle/run.sh [--dry-run] [--out DIR] [--binary PATH] [--variants "NAME=DIR ..."]
#                      [--variant-shapes "SHAPE ..."] [--only-variants] [--probe] [--probe-variants "NAME ..."]
# (--variants: each NAME=DIR, or NAME=DIR,ARG,... with arguments for its verify and bench runs,
# such as base64=DIR,--ring-bits,64 for the binary's kernels with 64-bit ring words;
# --binary: the microcircuit to run instead of the bundle's or this checkout's release build;
# --variant-shapes: the work-group shapes each variant is verified and timed at, the first
# with the whole set of stimuli, the others for 200 ms; --only-variants: the devices and the
# variants only, for a short call that compares kernels. List the binary's own kernels among
# the variants, first and last, to compare against them in the same call. --probe: with
# --only-variants, the probe of where a step's cycles go too, which the full run includes;
# --probe-variants: the same probe of the named variants' kernels, after the binary's own.)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-/tmp/microcircuit-gpu}
LIMIT=${LIMIT:-120}
BIN=
DRY=0
VARIANTS=
ONLY_VARIANTS=0
PROBE=0
PROBED_VARIANTS=
SHAPES_OF_VARIANTS=
while [ $# -gt 0 ]; do
  case $1 in
    --dry-run) DRY=1 ;;
    --out) OUT=$2; shift ;;
    --binary) BIN=$(realpath "$2"); shift ;;
    --variants) VARIANTS=$2; shift ;;
    --variant-shapes) SHAPES_OF_VARIANTS=$2; shift ;;
    --only-variants) ONLY_VARIANTS=1 ;;
    --probe) PROBE=1 ;;
    --probe-variants) PROBED_VARIANTS=$2; shift ;;
    *) echo "unknown argument $1"; exit 2 ;;
  esac
  shift
done
mkdir -p "$OUT"
if [ -z "$BIN" ] && [ -f "$HERE/microcircuit.gz" ]; then
  BIN=$(mktemp -d)/microcircuit
  gzip -dc "$HERE/microcircuit.gz" >"$BIN" && chmod +x "$BIN"
fi
BIN=${BIN:-$HERE/../../.build/release/microcircuit}
LOG="$OUT/gpu-run.log"
exec > >(tee "$LOG") 2>&1

echo "== machine"
date -u
uname -srm
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader

if [ $DRY -eq 0 ]; then
  echo "== OpenCL libraries"
  ldconfig -p | grep -i opencl || echo "(ldconfig knows no OpenCL library)"
  driver=""
  for dir in /usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib/nvidia; do
    if [ -e "$dir/libnvidia-opencl.so.1" ]; then driver="$dir/libnvidia-opencl.so.1"; break; fi
  done
  if [ -z "$driver" ]; then
    echo "libnvidia-opencl.so.1 not found; what the driver folders hold:"
    ls -la /usr/local/nvidia /usr/local/nvidia/lib64 2>&1 | head -80
    find / -xdev -name 'libnvidia-opencl*' 2>/dev/null | head
    exit 3
  fi
  echo "driver OpenCL library: $driver"
  mkdir -p "$OUT/icd"
  echo "$driver" >"$OUT/icd/nvidia.icd"
  export OCL_ICD_VENDORS="$OUT/icd"
  [ -e "$HERE/lib/libOpenCL.so.1" ] && export LD_LIBRARY_PATH="$HERE/lib:${LD_LIBRARY_PATH:-}"
  SMALL=0.1
  FULL=1.0
  VERIFY_SCALE=0.05
  T_SIM=10000
  T_SHORT=1000
  T_VERIFY_FULL=200
  # The whole model at full scale: the thalamic volley (700-710 ms) and the DC transient
  # (650-750 ms) fall within 500 + 500 ms.
  FULL_MODEL="--thalamic --dc-transient --t-presim 500 --t-sim 500"
  T_VOLTMETER=200
  SHAPES="256x1 128x1"
  # Wider work-groups (512x1 to 1024x1, fewer arrivals at the barrier) are refused on an
  # H200: NVIDIA's compiler allows these kernels at most 256 work-items (seventeenth session).
  PERSISTENT_SHAPES="256x1 256x2 128x1 128x4 64x8"
  VARIANT_SHAPES="256x1 128x1"
  PROBE_SHAPE=256x1
  NO_CLOCK=
else
  SMALL=0.02
  FULL=0.05
  VERIFY_SCALE=0.02
  T_SIM=200
  T_SHORT=100
  T_VERIFY_FULL=20
  FULL_MODEL="--t-presim 0 --t-sim 20"
  T_VOLTMETER=50
  SHAPES="64x4 32x1"
  # PoCL runs one work-group per core at once: shapes of few work-groups.
  PERSISTENT_SHAPES="64x32"
  VARIANT_SHAPES="64x32"
  PROBE_SHAPE=64x32
  # PoCL takes no PTX: the probe only has to build and run.
  NO_CLOCK=--no-clock
fi
VARIANT_SHAPES=${SHAPES_OF_VARIANTS:-$VARIANT_SHAPES}

# limited COMMAND...: runs it under the time limit; says so when the limit stopped it.
limited() {
  timeout --kill-after=10 "$LIMIT" "$@"
  local status=$?
  [ $status -eq 124 ] || [ $status -eq 137 ] && echo "timed out after $LIMIT s: $*"
  return $status
}

echo "== devices"
limited "$BIN" devices || exit 4

# bench NAME ARGS...: one bench, its table rows prefixed with NAME, its JSON in $OUT/bench-NAME.json.
bench() {
  local name=$1; shift
  limited "$BIN" bench --bg poisson "$@" --json "$OUT/bench-$name.json" 2>&1 | grep -v '^bench:' | sed "s/^/$name  /"
  local status=${PIPESTATUS[0]}
  [ "$status" -eq 0 ] || echo "$name: bench failed (exit status $status)"
}
verified=0 verified_full=0 verified_potentials=0 verified_one_step=0 verified_shape=0 verified_full_one_step=0 verified_wide_ring=0
if [ $ONLY_VARIANTS -eq 0 ]; then
  echo "== verify (CPU vs OpenCL, synapses built on the device; scale $VERIFY_SCALE, Poisson, thalamic and DC transient)"
  MICROCIRCUIT_PROGRAM_BINARY="$OUT/program.bin" limited "$BIN" verify --construct device --scale $VERIFY_SCALE --bg poisson \
    --thalamic --dc-transient --t-presim 500 --t-sim 500 --quiet
  verified=$?
  # The CPU side costs a few seconds on the GPU machine's cores. The barrier across
  # work-groups at full scale: ~300 work-groups of 256 on the GPU, against ~16 at scale 0.05.
  # Identity here does not prove the barrier's fences (without device-scope fences, before
  # the fourteenth session, every check passed): program.bin's PTX shows them.
  echo "== verify (scale $FULL, $FULL_MODEL, synapses built on the device)"
  limited "$BIN" verify --construct device --scale $FULL --bg poisson $FULL_MODEL --quiet
  verified_full=$?
  # Potentials bit for bit: a last-bit difference in the GPU's arithmetic (a fused multiply-add,
  # say) shows here at once, long before it moves a spike.
  echo "== verify potentials (scale $VERIFY_SCALE, 200 ms, voltmeter every 1 ms)"
  limited "$BIN" verify --construct device --scale $VERIFY_SCALE --bg poisson --thalamic --dc-transient --t-presim 0 --t-sim 200 \
    --record-voltage --quiet
  verified_potentials=$?
  echo "== verify (one step per launch, synapses built on the device)"
  limited "$BIN" verify --construct device --steps-per-launch 1 --scale $VERIFY_SCALE --bg poisson --thalamic --dc-transient \
    --t-presim 500 --t-sim 500 --quiet
  verified_one_step=$?
  shape=${PERSISTENT_SHAPES##* }
  echo "== verify (1000 steps per launch, work-group shape $shape)"
  limited "$BIN" verify --steps-per-launch 1000 --work-group $shape --scale $VERIFY_SCALE --bg poisson --thalamic --dc-transient \
    --t-presim 500 --t-sim 500 --quiet
  verified_shape=$?
  # One step per launch at full scale. The network's activity builds up over the first
  # ~50 ms, so 200 ms.
  echo "== verify (scale $FULL, $T_VERIFY_FULL ms, one step per launch, synapses built on the device)"
  limited "$BIN" verify --construct device --steps-per-launch 1 --scale $FULL --bg poisson --t-presim 0 --t-sim $T_VERIFY_FULL --quiet
  verified_full_one_step=$?

  echo "== timings (Poisson background, t_presim 100 ms)"
  bench "scale-$SMALL" --backend cpu,opencl --construct device --scale $SMALL --t-presim 100 --t-sim $T_SIM
  bench "scale-$FULL" --backend opencl --construct device --scale $FULL --t-presim 100 --t-sim $T_SIM --repeat 2
  bench "scale-$FULL-one-step" --backend opencl --construct device --scale $FULL --t-presim 100 --t-sim $T_SIM --steps-per-launch 1
  bench "scale-$FULL-no-record" --backend opencl --construct device --scale $FULL --t-presim 100 --t-sim $T_SIM --no-record
  bench "scale-$FULL-host-built" --backend opencl --construct host --scale $FULL --t-presim 100 --t-sim 1000
  # The voltmeter's files are formatted on the host's cores while the run goes: how long that
  # takes next to the GPU's simulation (the summary's "writing files" against "simulation").
  echo "== run with the voltmeter (scale $FULL, $T_VOLTMETER ms, every neuron every 1 ms, files on the local disk)"
  voltmeter_run=$(mktemp -d)
  limited "$BIN" run --backend opencl --construct device --scale $FULL --bg poisson --t-presim 0 --t-sim $T_VOLTMETER \
    --record-voltage --output "$voltmeter_run/run" --quiet | grep -E "^(construction|peak memory)"
  du -sh "$voltmeter_run/run"
  rm -rf "$voltmeter_run"
  echo "== where a step's time goes, per work-group shape (scale $FULL, $T_SHORT ms, recording on)"
  for shape in $SHAPES; do
    bench "one-step-$shape" --backend opencl --construct device --scale $FULL --t-presim 100 --t-sim $T_SHORT --work-group $shape \
      --steps-per-launch 1 --time-kernels
  done
  for shape in $PERSISTENT_SHAPES; do
    bench "persistent-1000-$shape" --backend opencl --construct device --scale $FULL --t-presim 100 --t-sim $T_SHORT \
      --steps-per-launch 1000 --work-group $shape --time-kernels
  done
  # The ring's words at 64 bits, as where a network's input of one step could overflow 32
  # (the model's takes 32): what the narrower ring saves, and that it changes no spike.
  shape=${PERSISTENT_SHAPES%% *}
  echo "== verify (scale $FULL, $T_VERIFY_FULL ms, 64-bit ring words)"
  limited "$BIN" verify --construct device --ring-bits 64 --scale $FULL --bg poisson --t-presim 0 --t-sim $T_VERIFY_FULL --quiet
  verified_wide_ring=$?
  bench "persistent-1000-$shape-ring-64" --backend opencl --construct device --scale $FULL --t-presim 100 --t-sim $T_SHORT \
    --steps-per-launch 1000 --work-group $shape --time-kernels --ring-bits 64
fi
# Kernel variants: each verified (a variant must not change a spike), then timed per shape.
verified_variants=0
first_shape=${VARIANT_SHAPES%% *}
for variant in $VARIANTS; do
  name=${variant%%=*}
  spec=${variant#*=}
  folder=$(realpath "${spec%%,*}")
  extra=()
  [[ $spec == *,* ]] && IFS=, read -ra extra <<<"${spec#*,}"
  echo "== kernel variant $name ($folder${extra[*]:+; ${extra[*]}})"
  MICROCIRCUIT_KERNELS=$folder MICROCIRCUIT_PROGRAM_BINARY="$OUT/program-variant-$name.bin" limited "$BIN" verify --construct device \
    --scale $VERIFY_SCALE --bg poisson --thalamic --dc-transient --t-presim 500 --t-sim 500 --work-group $first_shape "${extra[@]}" --quiet \
    || verified_variants=1
  for shape in $VARIANT_SHAPES; do
    # At full scale too, where ~300 work-groups meet at each barrier.
    MICROCIRCUIT_KERNELS=$folder limited "$BIN" verify --construct device --scale $FULL --bg poisson --t-presim 0 --t-sim $T_VERIFY_FULL \
      --work-group $shape "${extra[@]}" --quiet || verified_variants=1
    MICROCIRCUIT_KERNELS=$folder bench "variant-$name-$shape" --backend opencl --construct device --scale $FULL --t-presim 100 \
      --t-sim $T_SHORT --steps-per-launch 1000 --work-group $shape --time-kernels "${extra[@]}"
  done
done
# probe LABEL [KERNELS]: where a step's cycles go with those kernel sources (by default the
# binary's own: the bundle's copy, or the checkout's).
probe() {
  echo "== probe of $1: where a step's cycles go (Benchmarks/gpu/probe.py; scale $FULL, work-group $PROBE_SHAPE, 100 + 100 ms)"
  local probe_folder
  probe_folder=$(mktemp -d)
  python3 "$HERE/probe.py" make "$probe_folder/kernels" ${2:+--kernels "$2"} $NO_CLOCK \
    && MICROCIRCUIT_KERNELS="$probe_folder/kernels" limited "$BIN" run --backend opencl --construct device --scale $FULL --bg poisson \
      --t-presim 100 --t-sim 100 --record-voltage --steps-per-launch 1000 --work-group $PROBE_SHAPE --output "$probe_folder/run" \
      >"$probe_folder/run.log" 2>&1 \
    && python3 "$HERE/probe.py" parse "$probe_folder/run" --neurons-per-group $((${PROBE_SHAPE%x*} * ${PROBE_SHAPE#*x}))
  # A probe that fails (it is a timing aid) is reported, and does not fail the checks.
  [ $? -eq 0 ] || { echo "probe failed:"; tail -5 "$probe_folder/run.log" 2>/dev/null; }
  rm -rf "$probe_folder"
}
if [ $PROBE -eq 1 ] || [ $ONLY_VARIANTS -eq 0 ]; then
  probe "the binary's kernels"
fi
for name in $PROBED_VARIANTS; do
  folder=
  for variant in $VARIANTS; do [ "${variant%%=*}" = "$name" ] && folder=${variant#*=} && folder=${folder%%,*}; done
  if [ -n "$folder" ]; then probe "variant $name" "$folder"; else echo "probe of variant $name: not among --variants"; fi
done
if command -v python3 >/dev/null; then
  echo "== summary (Benchmarks/gpu/summarize.py $OUT)"
  python3 "$HERE/summarize.py" "$OUT"
fi
[ $verified -eq 0 ] && [ $verified_full -eq 0 ] && [ $verified_potentials -eq 0 ] && [ $verified_one_step -eq 0 ] && [ $verified_shape -eq 0 ] \
  && [ $verified_full_one_step -eq 0 ] && [ $verified_wide_ring -eq 0 ] && [ $verified_variants -eq 0 ]
