#!/usr/bin/env python3
"""Run the reference PyNEST microcircuit (PyPI `microcircuit` 1.0 on NEST 3.10) and print its
timings, peak memory and per-population rates as one JSON line, for side-by-side comparison
with `microcircuit run`.

    python3 -m venv v && v/bin/pip install nest-simulator microcircuit
    v/bin/python Benchmarks/nest/run_nest.py --scale 0.1 --bg poisson --threads 2 --t-sim 1000
"""
import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time

import numpy as np


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--bg", choices=["dc", "poisson"], default="poisson")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=55)
    parser.add_argument("--t-presim", type=float, default=500.0)
    parser.add_argument("--t-sim", type=float, default=1000.0)
    args = parser.parse_args()

    import nest
    from microcircuit.network import Network
    from microcircuit.network_params import default_net_dict
    from microcircuit.sim_params import default_sim_dict
    from microcircuit.stimulus_params import default_stim_dict

    data = tempfile.mkdtemp() + "/"
    sim = dict(default_sim_dict, t_presim=args.t_presim, t_sim=args.t_sim, rng_seed=args.seed,
               data_path=data, local_num_threads=args.threads, print_time=False, store_metadata=False)
    net = dict(default_net_dict, N_scaling=args.scale, K_scaling=args.scale, bg_input_type=args.bg)
    start = time.time()
    network = Network(sim, net, dict(default_stim_dict))
    network.create()
    network.connect()
    constructed = time.time()
    network.simulate(args.t_presim)
    presimulated = time.time()
    network.simulate(args.t_sim)
    simulated = time.time()

    ids = np.loadtxt(data + "population_nodeids.dat", dtype=int, ndmin=2)
    senders, times = [np.zeros(0)], [np.zeros(0)]
    for fn in sorted(os.listdir(data)):
        if fn.startswith("spike_recorder"):
            d = np.loadtxt(data + fn, skiprows=3, ndmin=2)
            if d.size:
                senders.append(d[:, 0])
                times.append(d[:, 1])
    senders, times = np.concatenate(senders), np.concatenate(times)
    window = (times >= args.t_presim) & (times <= args.t_presim + args.t_sim)
    rates = []
    for first, last in ids:
        counts = np.histogram(senders[window], bins=np.arange(first, last + 2))[0]
        rates.append(float(np.mean(counts) * 1000.0 / args.t_sim))
    shutil.rmtree(data)
    print(json.dumps({
        "simulator": "NEST " + nest.__version__, "scale": args.scale, "bg_input_type": args.bg,
        "threads": args.threads, "seed": args.seed, "t_presim_ms": args.t_presim, "t_sim_ms": args.t_sim,
        "construction_s": constructed - start, "presimulation_s": presimulated - constructed,
        "simulation_s": simulated - presimulated,
        "real_time_factor": (simulated - presimulated) / (args.t_sim * 1e-3),
        "peak_memory_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "spikes_total": int(len(times)), "rates_hz": rates,
    }))


if __name__ == "__main__":
    sys.exit(main())
