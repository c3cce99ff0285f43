#!/usr/bin/env python3
"""One Markdown table from the bench JSON files that Benchmarks/gpu/run.sh leaves in its output
folder, one row per backend and repetition, for pasting into the README; then whether the
runs at the largest scale meet the throughput issue's two GPU targets.

Usage: Benchmarks/gpu/summarize.py DIR   (DIR holds bench-*.json; standard library only)
"""
import glob
import json
import os
import sys

COLUMNS = ["run", "backend", "device", "scale", "t_sim ms", "record", "built", "launch", "work-group",
           "construct s", "compile s", "upload s", "RTF", "events/s", "spikes",
           "kernel us/step", "idle us/step", "batch gap us/step", "enqueue us/step", "barrier us", "registers"]


def number(value, digits):
    return "-" if value is None else f"{value:.{digits}f}"


def per_step(times, key):
    if not times or not times.get("steps") or times.get(key) is None:
        return None
    return times[key] * 1e6 / times["steps"]


def registers(result):
    """The step kernel's registers where the compiler reported them (NVIDIA): run_steps with
    more than one step per launch, else deliver_and_update."""
    resources = result.get("kernel_resources") or {}
    kernel = "run_steps" if (result.get("steps_per_launch") or 1) > 1 else "deliver_and_update"
    return f"{resources[kernel]['registers']:g}" if kernel in resources else "-"


def rows(name, document):
    simulation = document["parameters"]["simulation"]
    scale = document["parameters"]["network"]["n_scaling"]
    for result in document["results"]:
        times = result.get("kernel_times")
        barrier = times.get("barrier_s") if times else None
        yield [name, result["backend"], result["device"].split(" (")[0], f"{scale:g}", f"{simulation['t_sim']:g}",
               "on" if document["recording"] else "off", result["construction_site"],
               "-" if result.get("steps_per_launch") is None else f"{result['steps_per_launch']:g}",
               result.get("work_group") or "-",
               number(result["construction_s"], 3), number(result.get("compile_s"), 3), number(result.get("upload_s"), 3),
               number(result["real_time_factor"], 4), f"{result['synaptic_events_per_s']:.3g}", f"{result['spikes_total']:.0f}",
               number(per_step(times, "busy_s"), 2), number(per_step(times, "idle_s"), 2),
               number(per_step(times, "batch_gap_s"), 2),
               number(per_step(times, "enqueue_s"), 2), number(None if barrier is None else barrier * 1e6, 2),
               registers(result)]


def verdicts(documents):
    """The throughput issue's two GPU targets, read off the runs at the largest scale present:
    RTF at most 0.05 with recording on over at least 10 s of model time (the reference's recipe
    for performance figures), and construction plus upload under 2 s (program build apart)."""
    largest = max(document["parameters"]["network"]["n_scaling"] for _, document in documents)
    runs = [(name, document, result) for name, document in documents for result in document["results"]
            if document["parameters"]["network"]["n_scaling"] == largest and result["backend"] == "opencl"]
    if not runs:
        return [f"No OpenCL run at scale {largest:g}."]
    scope = "" if largest == 1 else f" (the targets are for scale 1; these runs are at scale {largest:g})"
    lines = [f"Scale {largest:g}{scope}:"]
    long_recorded = [run for run in runs if run[1]["recording"] and run[1]["parameters"]["simulation"]["t_sim"] >= 10000]
    if long_recorded:
        name, document, result = min(long_recorded, key=lambda run: run[2]["real_time_factor"])
        rtf = result["real_time_factor"]
        lines.append(f"- fastest RTF with recording on over >= 10 s: {rtf:.4f} ({name}, "
                     f"{result.get('steps_per_launch') or 1} steps per launch, work-group {result.get('work_group') or '-'}); "
                     f"target <= 0.05 {'met' if rtf <= 0.05 else 'not met'}")
    else:
        lines.append("- no run with recording on over >= 10 s of model time")
    name, document, result = min(runs, key=lambda run: run[2]["construction_s"] + (run[2].get("upload_s") or 0))
    total = result["construction_s"] + (result.get("upload_s") or 0)
    lines.append(f"- fastest construction plus upload: {total:.3f} s ({name}, synapses built on the "
                 f"{result['construction_site']}; program build {number(result.get('compile_s'), 3)} s apart); "
                 f"target < 2 s {'met' if total < 2 else 'not met'}")
    return lines


def main():
    if len(sys.argv) != 2 or not os.path.isdir(sys.argv[1]):
        sys.exit("usage: summarize.py DIR (a folder with run.sh's bench-*.json files)")
    paths = sorted(glob.glob(os.path.join(sys.argv[1], "bench-*.json")), key=os.path.getmtime)
    if not paths:
        sys.exit(f"no bench-*.json in {sys.argv[1]}")
    documents = [(os.path.basename(path)[len("bench-"):-len(".json")], json.load(open(path))) for path in paths]
    print("| " + " | ".join(COLUMNS) + " |")
    print("|" + "---|" * len(COLUMNS))
    for name, document in documents:
        for row in rows(name, document):
            print("| " + " | ".join(row) + " |")
    print()
    print("\n".join(verdicts(documents)))


if __name__ == "__main__":
    main()
