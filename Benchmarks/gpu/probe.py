#!/usr/bin/env python3
"""Where a step's cycles go on a GPU, phase by phase: a timing probe of the step kernels.

`probe.py make DIR [--kernels SRC] [--no-clock]` writes into DIR a copy of kernels/ (or of
SRC, such as a variant's folder that Benchmarks/gpu/variants/make.sh wrote) whose run_steps reads
NVIDIA's per-multiprocessor cycle counter (%clock64, through inline PTX) in work-item 0 of
every work-group at the boundaries of a step's phases, and adds up the cycles of each phase
over the launch. At the launch's end each work-group writes its averages (cycles per step)
over the launch's last voltmeter sample of its own first 10 neurons (a phase each, then the
spike count), so that they come back through `run --record-voltage` and no buffer or
argument changes. `--no-clock` leaves the counter out (it reads 0), for devices that take no
PTX: the probe then only has to build and run, which is how CI keeps it from rotting as the
kernel changes.

`probe.py parse OUTPUT_FOLDER --neurons-per-group N` reads those samples back from a run's
voltmeter files and prints the phases per work-group and their spread.

The phases, in a step of run_steps on a GPU: update (from the step's start until the update
is done: its loads, with the spike list's, and its arithmetic), scan (laying the first chunk
of rows end to end, with the wait for the slowest work-item), search (until the row of the
work-item's first synapse is found), loads (until that synapse's table entries have
arrived), adds (the rest of the delivery), list (writing the spike's list entry and record),
arrive (the arrival at the grid barrier: a work-group barrier, which waits for the slowest
work-item, and the release), overlap (what the work-group does before its wait: the
prefetch of its spikes' rows and the next step's begin_step; the issue of their loads, not
their arrival) and wait (until all have arrived).
The probe costs the step ~0.3 us on an H200 (6.64 against 6.37 us per step, measured
before the search had a phase of its own).

Run on the GPU by Benchmarks/gpu/run.sh; measured results are in docs/performance.md
(thirteenth and fourteenth sessions, with the barrier of then: fence and barrier phases).
"""
import argparse
import os
import shutil
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# Beside this script in a bundle (make gpu-bundle), or the checkout's.
KERNELS = next(folder for folder in (os.path.join(HERE, "kernels"), os.path.join(HERE, "..", "..", "kernels"))
               if os.path.isdir(folder))
PHASES = ["update", "scan", "search", "loads", "adds", "list", "arrive", "overlap", "wait"]
# Each phase's slot in the probe's array, and after them the spike count.
SLOT = {name: k for k, name in enumerate(PHASES)}
SPIKES = len(PHASES)
SLOTS = len(PHASES) + 1

CLOCKS = {
    True: '''static inline ulong probe_clock(void) { ulong t; asm volatile("mov.u64 %0, %%clock64;" : "=l"(t) :: "memory"); return t; }
// The counter read once x is ready: after the loads that x depends on have arrived.
static inline ulong probe_clock_after(ulong x) { ulong t; asm volatile("mov.u64 %0, %%clock64;" : "=l"(t) : "l"(x) : "memory"); return t; }
''',
    False: '''static inline ulong probe_clock(void) { return 0; }
static inline ulong probe_clock_after(ulong x) { return x & 0; }
''',
}

# (anchor in kernels/deliver_and_update.cl, what replaces it: a %-format, so a literal % is
# written %%). Each anchor must occur once.
EDITS = [
    ("// Step n for the calling work-group",
     "%(clock)s#define PROBE_AT(k, now) if (lid == 0u) { ulong now_ = (now); probe[k] += now_ - mark_; mark_ = now_; }\n\n"
     "// Step n for the calling work-group"),
    ("__local ulong *segment_start, __local uint *segment_end, __local uint *multiplicity,\n"
     "                                 step_prelude prelude)\n{\n    uint lid = (uint)get_local_id(0);",
     "__local ulong *segment_start, __local uint *segment_end, __local uint *multiplicity,\n"
     "                                 step_prelude prelude, __local ulong *probe)\n{\n"
     "    uint lid = (uint)get_local_id(0);\n    ulong mark_ = lid == 0u ? probe_clock() : 0;"),
    ("    // Delivery of step n-1's spikes, into slots n and later.",
     "    PROBE_AT(%(update)d, probe_clock())\n    // Delivery of step n-1's spikes, into slots n and later."),
    ("        uint synapses = segment_end[n - 1u];",
     "        if (chunk == 0u) { PROBE_AT(%(scan)d, probe_clock()) }\n        uint synapses = segment_end[n - 1u];"),
    ("                    slot[u] = ring_slot(k, origin_ex, origin_in, slots_ex, slots_in, neuron_count, ring_ex, ring_in, targets, weights, delays);",
     "                    if (u == 0u && chunk == 0u && first_item == group * share + lid) { PROBE_AT(%(search)d, probe_clock_after(k)) }\n"
     "                    slot[u] = ring_slot(k, origin_ex, origin_in, slots_ex, slots_in, neuron_count, ring_ex, ring_in, targets, weights, delays);"),
    ("#pragma unroll\n            for (uint u = 0u; u < SYNAPSES_IN_FLIGHT; u++)\n                if (slot[u] != 0) add_to_ring(slot[u], input[u]);",
     "            if (chunk == 0u && first_item == group * share + lid) { PROBE_AT(%(loads)d, probe_clock_after((ulong)slot[0] ^ (ulong)input[0])) }\n"
     "#pragma unroll\n            for (uint u = 0u; u < SYNAPSES_IN_FLIGHT; u++)\n                if (slot[u] != 0) add_to_ring(slot[u], input[u]);"),
    ("    if (has_pending) write_spike(pending, step, record, record_capacity, list_rows, list_counts, record_steps, record_neurons);\n"
     "    return has_pending",
     "    PROBE_AT(%(adds)d, probe_clock())\n"
     "    if (has_pending) write_spike(pending, step, record, record_capacity, list_rows, list_counts, record_steps, record_neurons);\n"
     "    PROBE_AT(%(list)d, probe_clock())\n    if (lid == 0u) probe[%(spikes)d] += spikes;\n"
     "    return has_pending"),
    ("    __local uint multiplicity[MAX_GROUP_SIZE];\n"
     "    (void)simulate_step(step, STEP_ARGUMENTS, segment_start, segment_end, multiplicity, begin_step(step, BEGIN_STEP_ARGUMENTS));",
     "    __local uint multiplicity[MAX_GROUP_SIZE];\n    __local ulong probe[%(slots)d];\n"
     "    (void)simulate_step(step, STEP_ARGUMENTS, segment_start, segment_end, multiplicity, begin_step(step, BEGIN_STEP_ARGUMENTS), probe);"),
    ("    __local uint own_count[3];\n",
     "    __local uint own_count[3];\n    __local ulong probe[%(slots)d];\n"
     "    if (get_local_id(0) == 0) for (int k = 0; k < %(slots)d; k++) probe[k] = 0;\n"),
    ("        uint step = first_step + s;\n        if (s > 0u) {\n            grid_arrive(grid);\n",
     "        uint step = first_step + s;\n        uint lid = (uint)get_local_id(0);\n        ulong mark_ = lid == 0u ? probe_clock() : 0;\n"
     "        if (s > 0u) {\n            grid_arrive(grid);\n            PROBE_AT(%(arrive)d, probe_clock())\n"),
    ("        if (s > 0u && !grid_wait(grid, s, spin_limit, &counts_complete)) return;\n",
     "        if (s > 0u) { PROBE_AT(%(overlap)d, probe_clock()) }\n"
     "        if (s > 0u && !grid_wait(grid, s, spin_limit, &counts_complete)) return;\n"
     "        if (s > 0u) { PROBE_AT(%(wait)d, probe_clock()) }\n"),
    ("simulate_step(step, STEP_ARGUMENTS, segment_start, segment_end, multiplicity, prelude);",
     "simulate_step(step, STEP_ARGUMENTS, segment_start, segment_end, multiplicity, prelude, probe);"),
    ("        if (row.y != 0u) own_rows[atomic_inc(&own_count[s % 3u])] = row;\n    }\n}",
     """        if (row.y != 0u) own_rows[atomic_inc(&own_count[s %% 3u])] = row;
    }
    barrier(CLK_GLOBAL_MEM_FENCE | CLK_LOCAL_MEM_FENCE);
    uint last_step = first_step + step_count;
    if (get_local_id(0) == 0 && voltage_interval != 0u && last_step %% voltage_interval == 0u) {
        size_t sample = last_step / voltage_interval - voltage_first_sample;
        uint group_first = (uint)get_group_id(0) * (uint)get_local_size(0) * NEURONS_PER_ITEM;
        for (uint k = 0; k < %(slots)du && group_first + k < neuron_count; k++)
            voltage_samples[sample * neuron_count + group_first + k] = (double)probe[k] / (double)step_count;
    }
}"""),
]


def make(folder, clock, kernels=KERNELS):
    os.makedirs(folder, exist_ok=True)
    for name in os.listdir(kernels):
        if name.endswith(".cl"):
            shutil.copy(os.path.join(kernels, name), folder)
    path = os.path.join(folder, "deliver_and_update.cl")
    source = open(path).read()
    for anchor, replacement in EDITS:
        found = source.count(anchor)
        if found != 1:
            sys.exit(f"probe.py: the kernel has {found} copies of this anchor, not one (update EDITS to the kernel):\n{anchor}")
        # %(name)d stands for a slot of the probe's array, %(clock)s for the counter's reading.
        source = source.replace(anchor, replacement % dict(SLOT, spikes=SPIKES, slots=SLOTS, clock=CLOCKS[clock]))
    open(path, "w").write(source)


def parse(folder, per_group):
    """The probe's samples: the last voltmeter sample of each work-group's first SLOTS neurons."""
    last_time, samples = None, {}
    for name in sorted(os.listdir(folder)):
        if not name.startswith("voltmeter-"):
            continue
        for line in open(os.path.join(folder, name)):
            fields = line.split("\t")
            if len(fields) != 3 or not fields[0].isdigit():
                continue
            neuron, time = int(fields[0]) - 1, float(fields[1])
            if neuron % per_group < SLOTS:
                if last_time is None or time > last_time:
                    last_time, samples = time, {}
                if time == last_time:
                    # The voltmeter writes V_m = E_L + the kernel's value.
                    samples.setdefault(neuron // per_group, {})[neuron % per_group] = float(fields[2]) + 65.0
    groups = [g for g in sorted(samples) if len(samples[g]) == SLOTS]
    if not groups:
        sys.exit(f"probe.py: no probe samples in {folder} (was it run with --record-voltage and many steps per launch?)")
    print(f"probe: {len(groups)} work-groups, cycles per step averaged over the launch ending at {last_time} ms, "
          f"{samples[groups[0]][SPIKES]:.1f} spikes per step")
    print("phase     " + "".join(f"{name:>9}" for name in PHASES))
    shown = groups[:2] + groups[len(groups) // 2: len(groups) // 2 + 1] + groups[-2:]
    for g in dict.fromkeys(shown):
        print(f"group {g:<4}" + "".join(f"{samples[g][k]:9.0f}" for k in range(len(PHASES))))
    for label, summary in (("mean", statistics.mean), ("min", min), ("max", max)):
        print(f"{label:<10}" + "".join(f"{summary([samples[g][k] for g in groups]):9.0f}" for k in range(len(PHASES))))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    make_command = commands.add_parser("make", help="write the probe's kernels into a folder")
    make_command.add_argument("folder")
    make_command.add_argument("--kernels", default=KERNELS, help="the kernel sources to probe (default: the checkout's)")
    make_command.add_argument("--no-clock", action="store_true", help="read 0 for the clock (devices without PTX)")
    parse_command = commands.add_parser("parse", help="print the phases from a run's voltmeter files")
    parse_command.add_argument("folder")
    parse_command.add_argument("--neurons-per-group", type=int, required=True)
    arguments = parser.parse_args()
    if arguments.command == "make":
        make(arguments.folder, clock=not arguments.no_clock, kernels=arguments.kernels)
    else:
        parse(arguments.folder, arguments.neurons_per_group)


if __name__ == "__main__":
    main()
