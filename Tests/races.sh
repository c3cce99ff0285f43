#!/usr/bin/env bash
# The kernels under Oclgrind, which simulates every work-item of a work-group as a thread of
# its own and reports data races, out-of-bounds accesses and barriers not reached by the whole
# work-group. PoCL, which runs the test suite's kernels, executes a work-group's work-items one
# after another between barriers, so such errors pass there and in the identity tests, while a
# GPU would turn them into wrong spikes now and then. Oclgrind's device says it is a GPU, so
# the backend takes the GPU's layout (256 work-items per group, every one delivering with
# atomic adds) and builds the synapse table on the device.
# Usage: Tests/races.sh path/to/microcircuit path/to/the.xctest
set -u
BIN=$(realpath "${1:-.build/release/microcircuit}")
XCTEST=${2:-.build/release/microcircuitPackageTests.xctest}
if ! command -v oclgrind >/dev/null; then echo "races: oclgrind not installed, skipped"; exit 0; fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
passed=0
failed=0

# check NAME EXPECTED COMMAND...: the command under Oclgrind exits 0, prints EXPECTED, and
# Oclgrind reports nothing (each of its reports names the kernel).
check() {
  local name=$1 expected=$2; shift 2
  oclgrind --data-races "$@" >"$WORK/out" 2>&1
  local status=$?
  if [ $status -ne 0 ] || ! grep -q -- "$expected" "$WORK/out" || grep -q "Kernel: " "$WORK/out"; then
    failed=$((failed + 1))
    echo "FAIL: $name (exit $status):"
    grep -v '^\s*$' "$WORK/out" | head -40
  else
    passed=$((passed + 1))
  fi
}

# The whole model for 200 steps, one per launch, with the thalamic volley and the DC transient
# moved into them, and the voltmeter's samples written by the kernels (every 10 steps).
echo '{"stimulus": {"th_start": 5, "th_duration": 5, "dc_transient_start": 3, "dc_transient_dur": 10}}' >"$WORK/early.json"
check "verify, scale 0.01, all stimuli, table built on the device" "identical potentials: 20 samples" \
  "$BIN" verify --config "$WORK/early.json" --construct device --steps-per-launch 1 --scale 0.01 --bg poisson --thalamic \
  --dc-transient --t-presim 0 --t-sim 20 --record-voltage --quiet
# The same with 100 steps per launch (run_steps). Oclgrind runs one work-group at a time, so
# a barrier across work-groups would never complete: one work-group of 1,024 neurons.
check "verify, run_steps, scale 0.01, all stimuli" "identical potentials: 20 samples" \
  "$BIN" verify --config "$WORK/early.json" --steps-per-launch 100 --work-group 256x4 --scale 0.01 --bg poisson \
  --thalamic --dc-transient --t-presim 0 --t-sim 20 --record-voltage --quiet
# 200 spikes in one step, gathered by work-groups of 64 in several chunks.
check "exact delivery test" "Executed 1 test, with 0 failures" \
  "$XCTEST" MicrocircuitTests.OpenCLBackendTests/testDeliveryIsExactOnEveryBackend
# The table built on the device at three scalings (up to 750,000 synapses): rows longer than
# a work-group, so each work-item sorts several pairs per stage (~2 minutes).
check "device-built table test" "Executed 1 test, with 0 failures" \
  "$XCTEST" MicrocircuitTests.DeviceConstructionTests/testDeviceBuiltTableEqualsHostTable

echo "races: $passed passed, $failed failed"
[ $failed -eq 0 ]
