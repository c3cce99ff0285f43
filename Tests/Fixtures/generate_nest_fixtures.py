#!/usr/bin/env python3
"""Generate the NEST reference data that the Swift tests compare against.

Run once with PyPI's NEST (python3 -m venv v && v/bin/pip install nest-simulator microcircuit):
    v/bin/python Tests/Fixtures/generate_nest_fixtures.py [--only neurons|derived|rates|delays]

Writes, next to this script:
  single_neuron.json  V_m after every 0.1 ms step and spike times of one iaf_psc_exp neuron
                      (the microcircuit's neuron parameters) in three scenarios: DC drive,
                      known input spikes with given weights and delays, and a delayed
                      dc_generator pulse.
  derived_parameters.json  the reference's derived quantities (neuron and synapse numbers,
                      mean weights, DC amplitudes, thalamic synapses) for a few scalings.
  network_rates.json  per-population mean firing rates of the reference microcircuit
                      (PyPI `microcircuit`) for several seeds, DC and Poisson background,
                      at the small scale used by the network test.
  delays.json         how many of the reference network's recurrent synapses have each
                      delay in steps, by excitatory and inhibitory source, as NEST builds
                      them (normal draws, redrawn below half a step, rounded to steps).
"""
import argparse
import json
import os
import shutil
import sys
import tempfile

import nest
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
RESOLUTION = 0.1
NEURON = dict(E_L=-65.0, V_th=-50.0, V_reset=-65.0, C_m=250.0, tau_m=10.0,
              tau_syn_ex=0.5, tau_syn_in=0.5, t_ref=2.0)


def single_neuron(name, t_sim, I_e, V0, inputs=(), dc=None):
    nest.ResetKernel()
    nest.resolution = RESOLUTION
    neuron = nest.Create("iaf_psc_exp", params=dict(NEURON, I_e=I_e, V_m=V0))
    for spikes in inputs:
        gen = nest.Create("spike_generator", params={"spike_times": spikes["times"]})
        nest.Connect(gen, neuron, syn_spec={"weight": spikes["weight"], "delay": spikes["delay"]})
    if dc is not None:
        gen = nest.Create("dc_generator", params={"amplitude": dc["amplitude"], "start": dc["start"],
                                                  "stop": dc["stop"]})
        nest.Connect(gen, neuron, syn_spec={"delay": dc["delay"]})
    voltmeter = nest.Create("voltmeter", params={"interval": RESOLUTION})
    recorder = nest.Create("spike_recorder")
    nest.Connect(voltmeter, neuron)
    nest.Connect(neuron, recorder)
    nest.Simulate(t_sim)
    times = voltmeter.get("events")["times"]
    assert np.allclose(np.diff(times), RESOLUTION) and abs(times[0] - RESOLUTION) < 1e-9
    return {
        "name": name, "t_sim_ms": t_sim, "I_e_pA": I_e, "V0_mV": V0,
        "inputs": list(inputs), "dc": dc,
        "V_m_mV": [float(v) for v in voltmeter.get("events")["V_m"]],
        "spike_times_ms": [float(t) for t in recorder.get("events")["times"]],
    }


def neurons():
    cases = [
        single_neuron("dc_drive", 200.0, I_e=400.0, V0=-65.0),
        single_neuron("spike_input", 150.0, I_e=300.0, V0=-60.0, inputs=[
            {"times": [5.0, 5.1, 20.0, 20.3, 47.5, 80.0, 80.1, 80.2, 80.5, 81.0], "weight": 1200.0, "delay": 1.5},
            {"times": [10.0, 30.0, 30.1, 60.0, 82.0, 83.0], "weight": -400.25, "delay": 0.8},
            {"times": [15.0, 40.0, 90.0, 90.1, 90.2, 90.3, 91.7, 92.0], "weight": 2500.5, "delay": 0.1},
            {"times": [33.3, 70.0, 110.0], "weight": -2000.0, "delay": 2.3},
        ]),
        single_neuron("dc_pulse", 200.0, I_e=0.0, V0=-65.0,
                      dc={"amplitude": 450.0, "start": 50.0, "stop": 120.0, "delay": 1.0}),
    ]
    document = {"generator": os.path.basename(__file__), "nest_version": nest.__version__,
                "resolution_ms": RESOLUTION, "neuron": NEURON, "cases": cases}
    with open(os.path.join(HERE, "single_neuron.json"), "w") as f:
        json.dump(document, f, indent=1)


DERIVED_CASES = [(0.1, 0.1, "dc"), (0.1, 0.1, "poisson"), (1.0, 0.5, "dc"), (0.5, 1.0, "poisson"), (1.0, 1.0, "dc")]


def derived():
    from microcircuit.network import Network
    from microcircuit.network_params import default_net_dict
    from microcircuit.sim_params import default_sim_dict
    from microcircuit.stimulus_params import default_stim_dict
    cases = []
    for n_scaling, k_scaling, bg in DERIVED_CASES:
        data = tempfile.mkdtemp() + "/"
        net = Network(dict(default_sim_dict, data_path=data),
                      dict(default_net_dict, N_scaling=n_scaling, K_scaling=k_scaling, bg_input_type=bg),
                      dict(default_stim_dict, thalamic_input=True))
        shutil.rmtree(data)
        cases.append({
            "n_scaling": n_scaling, "k_scaling": k_scaling, "bg_input_type": bg,
            "neurons": [int(x) for x in net.num_neurons],
            "synapses": net.num_synapses.astype(int).tolist(),
            "mean_weights_pA": net.weight_matrix_mean.tolist(),
            "external_weight_pA": float(net.weight_ext),
            "k_ext_scaled": [int(x) for x in net.ext_indegrees],
            "I_e_pA": [float(x) for x in net.DC_amp],
            "thalamic_synapses": [int(x) for x in net.num_th_synapses],
            "thalamic_weight_pA": float(net.weight_th),
        })
    document = {"generator": os.path.basename(__file__), "nest_version": nest.__version__, "cases": cases}
    with open(os.path.join(HERE, "derived_parameters.json"), "w") as f:
        json.dump(document, f, indent=1)


RATE_SCALE = 0.1
RATE_T_PRESIM = 200.0
RATE_T_SIM = 1000.0
RATE_SEEDS = [1, 2, 3, 4, 5]


def network_rates():
    from microcircuit.network import Network
    from microcircuit.network_params import default_net_dict
    from microcircuit.sim_params import default_sim_dict
    from microcircuit.stimulus_params import default_stim_dict
    results = {}
    for bg in ["poisson", "dc"]:
        runs = []
        for seed in RATE_SEEDS:
            data = tempfile.mkdtemp() + "/"
            sim = dict(default_sim_dict, t_presim=RATE_T_PRESIM, t_sim=RATE_T_SIM, rng_seed=seed,
                       data_path=data, local_num_threads=2, print_time=False, store_metadata=False)
            net = dict(default_net_dict, N_scaling=RATE_SCALE, K_scaling=RATE_SCALE, bg_input_type=bg)
            network = Network(sim, net, dict(default_stim_dict))
            network.create()
            network.connect()
            network.simulate(RATE_T_PRESIM)
            network.simulate(RATE_T_SIM)
            ids = np.loadtxt(data + "population_nodeids.dat", dtype=int, ndmin=2)
            senders, times = [], []
            for fn in sorted(os.listdir(data)):
                if fn.startswith("spike_recorder"):
                    d = np.loadtxt(data + fn, skiprows=3, ndmin=2)
                    if d.size:
                        senders.append(d[:, 0]); times.append(d[:, 1])
            senders = np.concatenate(senders); times = np.concatenate(times)
            window = (times >= RATE_T_PRESIM) & (times <= RATE_T_PRESIM + RATE_T_SIM)
            rates = []
            for first, last in ids:
                counts = np.histogram(senders[window], bins=np.arange(first, last + 2))[0]
                rates.append(float(np.mean(counts) * 1000.0 / RATE_T_SIM))
            runs.append({"seed": seed, "rates_hz": rates})
            shutil.rmtree(data)
            print(bg, seed, np.round(rates, 3), file=sys.stderr)
        results[bg] = runs
    document = {"generator": os.path.basename(__file__), "nest_version": nest.__version__,
                "n_scaling": RATE_SCALE, "k_scaling": RATE_SCALE, "t_presim_ms": RATE_T_PRESIM,
                "t_sim_ms": RATE_T_SIM, "window": "[t_presim, t_presim + t_sim], silent neurons included",
                "populations": ["L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I"],
                "runs": results}
    with open(os.path.join(HERE, "network_rates.json"), "w") as f:
        json.dump(document, f, indent=1)


DELAY_SCALE = 0.1
DELAY_SEED = 7


def delays():
    """The reference's own connect() at a small scale, then NEST's delays read back, so that
    the test compares with what NEST builds rather than with a reading of its code."""
    from microcircuit.network import Network
    from microcircuit.network_params import default_net_dict
    from microcircuit.sim_params import default_sim_dict
    from microcircuit.stimulus_params import default_stim_dict
    data = tempfile.mkdtemp() + "/"
    network = Network(dict(default_sim_dict, data_path=data, rng_seed=DELAY_SEED, local_num_threads=2,
                           print_time=False, store_metadata=False),
                      dict(default_net_dict, N_scaling=DELAY_SCALE, K_scaling=DELAY_SCALE, bg_input_type="poisson"),
                      dict(default_stim_dict))
    network.create()
    network.connect()
    counts = {"excitatory": {}, "inhibitory": {}}
    neurons = network.pops[0]
    for population in network.pops[1:]:
        neurons = neurons + population
    for j, source in enumerate(network.pops):
        # Targets: the neurons only, not the spike recorders that every neuron also feeds.
        steps = np.rint(np.array(nest.GetConnections(source=source, target=neurons).get("delay")) / RESOLUTION).astype(int)
        histogram = counts["excitatory" if j % 2 == 0 else "inhibitory"]
        for step, count in zip(*np.unique(steps, return_counts=True)):
            histogram[str(step)] = histogram.get(str(step), 0) + int(count)
    shutil.rmtree(data)
    document = {"generator": os.path.basename(__file__), "nest_version": nest.__version__,
                "n_scaling": DELAY_SCALE, "k_scaling": DELAY_SCALE, "resolution_ms": RESOLUTION,
                "seed": DELAY_SEED, "synapses_by_delay_steps": counts}
    with open(os.path.join(HERE, "delays.json"), "w") as f:
        json.dump(document, f, indent=1)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", choices=["neurons", "derived", "rates", "delays"])
    args = parser.parse_args()
    if args.only in (None, "neurons"):
        neurons()
    if args.only in (None, "derived"):
        derived()
    if args.only in (None, "rates"):
        network_rates()
    if args.only in (None, "delays"):
        delays()
