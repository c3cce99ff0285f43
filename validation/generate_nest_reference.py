#!/usr/bin/env python3
"""Reference statistics from NEST for `microcircuit compare` and the validation tests.

Runs the reference PyNEST microcircuit (PyPI `microcircuit` 1.0, NEST 3.10) for several
seeds, analyses each run's spike files with `microcircuit analyze` (the same code that
analyses our runs, so both sides are binned and sampled identically), and stores only the
compact per-run statistics, not spikes:

    python3 -m venv v && v/bin/pip install nest-simulator microcircuit
    swift build -c release
    v/bin/python validation/generate_nest_reference.py --bg poisson
    v/bin/python validation/generate_nest_reference.py --bg dc

writes validation/reference/nest_<bg>_scale0.1.json. The full-scale reference (NEST refuses
more than 134M connections per thread, so 4 threads; ~6.5 minutes and ~15 GB a run on 2 cores):

    v/bin/python validation/generate_nest_reference.py --bg poisson --scale 1.0 --threads 4 \
        --seeds 1 2 3 4 5 6 7 8
    v/bin/python validation/generate_nest_reference.py --bg dc --scale 1.0 --threads 4 \
        --seeds 1 2 3 4 5 6

(`--append` adds seeds to an existing file of the same parameters; NEST's runs do not depend
on how the seeds are split between calls.)
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bg", choices=["poisson", "dc"], default="poisson")
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(1, 11)))
    parser.add_argument("--t-presim", type=float, default=500.0)
    parser.add_argument("--t-sim", type=float, default=5000.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--microcircuit", default=os.path.join(ROOT, ".build/release/microcircuit"))
    parser.add_argument("--append", action="store_true",
                        help="keep the runs already in the output file (same parameters) and add these seeds")
    args = parser.parse_args()
    parameters = {"n_scaling": args.scale, "k_scaling": args.scale, "bg_input_type": args.bg,
                  "t_presim_ms": args.t_presim, "t_sim_ms": args.t_sim, "threads": args.threads}
    path = os.path.join(HERE, "reference", "nest_%s_scale%s.json" % (args.bg, args.scale))
    runs = []
    if args.append:
        with open(path) as f:
            existing = json.load(f)
        if existing["parameters"] != parameters:
            sys.exit(f"{path} holds runs with other parameters: {existing['parameters']}")
        runs = [run for run in existing["runs"] if run["seed"] not in args.seeds]

    import nest
    from microcircuit.network import Network
    from microcircuit.network_params import default_net_dict
    from microcircuit.sim_params import default_sim_dict
    from microcircuit.stimulus_params import default_stim_dict

    for seed in args.seeds:
        data = tempfile.mkdtemp() + "/"
        sim = dict(default_sim_dict, t_presim=args.t_presim, t_sim=args.t_sim, rng_seed=seed, data_path=data,
                   local_num_threads=args.threads, print_time=False, store_metadata=False)
        net = dict(default_net_dict, N_scaling=args.scale, K_scaling=args.scale, bg_input_type=args.bg)
        network = Network(sim, net, dict(default_stim_dict))
        network.create()
        network.connect()
        network.simulate(args.t_presim)
        network.simulate(args.t_sim)
        out = tempfile.mkdtemp()
        subprocess.run([args.microcircuit, "analyze", data, "--begin", str(args.t_presim),
                        "--end", str(args.t_presim + args.t_sim), "--output", out],
                       check=True, stdout=sys.stderr)
        with open(os.path.join(out, "analysis.json")) as f:
            runs.append({"seed": seed, "statistics": json.load(f)})
        shutil.rmtree(data)
        shutil.rmtree(out)
    document = {
        "generator": "validation/" + os.path.basename(__file__),
        "simulator": "NEST " + nest.__version__ + ", PyPI microcircuit 1.0",
        "parameters": parameters,
        "runs": sorted(runs, key=lambda run: run["seed"]),
    }
    with open(path, "w") as f:
        json.dump(document, f, separators=(",", ":"))
    print("wrote", path, file=sys.stderr)


if __name__ == "__main__":
    main()
