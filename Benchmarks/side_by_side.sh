#!/usr/bin/env bash
# NEST 3.10 (PyPI) and this project's backends on the same machine, same thread count, same
# model (Poisson background), printing the ratios of simulation RTF, construction time and
# peak memory. Needs a venv with NEST: python3 -m venv v && v/bin/pip install nest-simulator microcircuit
#
# Usage: Benchmarks/side_by_side.sh [--python v/bin/python] [--threads N] [--scales "0.1 1.0"] [--t-sim MS]
# NEST refuses more than 134M connections per thread, so at full scale it gets at least 4
# threads even when --threads is smaller (the table says so).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=python3
THREADS=$(nproc)
SCALES="0.1 1.0"
T_SIM=1000
while [ $# -gt 0 ]; do
  case $1 in
    --python) PYTHON=$2; shift ;;
    --threads) THREADS=$2; shift ;;
    --scales) SCALES=$2; shift ;;
    --t-sim) T_SIM=$2; shift ;;
    *) echo "unknown argument $1"; exit 2 ;;
  esac
  shift
done
if ! "$PYTHON" -c "import nest, microcircuit" >/dev/null 2>&1; then
  echo "error: $PYTHON cannot import nest and microcircuit; make a venv with them:" >&2
  echo "  python3 -m venv v && v/bin/pip install nest-simulator microcircuit, then pass --python v/bin/python" >&2
  exit 2
fi
swift build -c release >/dev/null
BIN=.build/release/microcircuit
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(uname -sr)"
echo " scale  simulator        threads  construct_s      RTF  peak_GiB"
for scale in $SCALES; do
  nest_threads=$THREADS
  if awk "BEGIN {exit !($scale > 0.5 && $THREADS < 4)}"; then nest_threads=4; fi
  if ! "$PYTHON" Benchmarks/nest/run_nest.py --scale "$scale" --bg poisson --threads "$nest_threads" --t-sim "$T_SIM" \
       >"$WORK/nest-$scale.out" 2>"$WORK/nest-$scale.err"; then
    echo "error: NEST at scale $scale failed; its last words:" >&2
    tail -n 5 "$WORK/nest-$scale.err" >&2
    exit 1
  fi
  tail -n 1 "$WORK/nest-$scale.out" >"$WORK/nest-$scale.json"
  if ! "$BIN" bench --backend cpu --scale "$scale" --bg poisson --threads "$THREADS" --t-sim "$T_SIM" \
       --json "$WORK/ours-$scale.json" >/dev/null 2>"$WORK/ours-$scale.err"; then
    echo "error: microcircuit bench at scale $scale failed:" >&2
    tail -n 5 "$WORK/ours-$scale.err" >&2
    exit 1
  fi
  python3 - "$WORK/nest-$scale.json" "$WORK/ours-$scale.json" "$scale" "$nest_threads" "$THREADS" <<'PY'
import json, sys
nest = json.load(open(sys.argv[1]))
ours = json.load(open(sys.argv[2]))["results"][0]
scale, nt, ot = sys.argv[3], sys.argv[4], sys.argv[5]
print(f"{scale:>6}  NEST 3.10        {nt:>7}  {nest['construction_s']:>11.2f} {nest['real_time_factor']:>8.3f} {nest['peak_memory_bytes'] / 2**30:>9.2f}")
print(f"{scale:>6}  microcircuit cpu {ot:>7}  {ours['construction_s']:>11.2f} {ours['real_time_factor']:>8.3f} {ours['peak_host_memory_bytes'] / 2**30:>9.2f}")
print(f"{scale:>6}  ratio NEST/ours           {nest['construction_s'] / ours['construction_s']:>11.1f} {nest['real_time_factor'] / ours['real_time_factor']:>8.1f} {nest['peak_memory_bytes'] / ours['peak_host_memory_bytes']:>9.1f}")
PY
done
