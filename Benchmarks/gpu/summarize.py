#!/usr/bin/env python3
"""One Markdown table from the bench JSON files that Benchmarks/gpu/run.sh leaves in its output
folder, one row per backend and repetition, for pasting into the README.

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


def rows(path):
    document = json.load(open(path))
    name = os.path.basename(path)[len("bench-"):-len(".json")]
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


def main():
    if len(sys.argv) != 2 or not os.path.isdir(sys.argv[1]):
        sys.exit("usage: summarize.py DIR (a folder with run.sh's bench-*.json files)")
    paths = sorted(glob.glob(os.path.join(sys.argv[1], "bench-*.json")), key=os.path.getmtime)
    if not paths:
        sys.exit(f"no bench-*.json in {sys.argv[1]}")
    print("| " + " | ".join(COLUMNS) + " |")
    print("|" + "---|" * len(COLUMNS))
    for path in paths:
        for row in rows(path):
            print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
