extension ModelParameters {
    /// Checks every parameter against its allowed range; the first violation is thrown with
    /// the parameter's config name and the range.
    public func validate() throws {
        let h = simulation.resolution
        try require(h > 0 && h <= 1, "simulation.sim_resolution", "must be in (0, 1] ms, got \(h)")
        try require(network.nScaling > 0 && network.nScaling <= 1, "network.n_scaling", "must be in (0, 1], got \(network.nScaling)")
        try require(network.kScaling > 0 && network.kScaling <= 1, "network.k_scaling", "must be in (0, 1], got \(network.kScaling)")
        for population in Population.allCases {
            let i = population.rawValue
            let name = population.name
            try require(network.fullNeuronCounts[i] >= 1, "network.full_num_neurons.\(name)", "must be at least 1, got \(network.fullNeuronCounts[i])")
            let scaled = (Double(network.fullNeuronCounts[i]) * network.nScaling).rounded(.toNearestOrEven)
            try require(scaled >= 1, "network.n_scaling", "leaves population \(name) with no neurons (\(network.fullNeuronCounts[i]) x \(network.nScaling) rounds to 0)")
            try require(network.externalIndegrees[i] >= 0, "network.k_ext.\(name)", "must be at least 0, got \(network.externalIndegrees[i])")
            // A neuron spikes at most once per step; the rates also size the spike memory estimate.
            try require(network.fullMeanRates[i] >= 0 && network.fullMeanRates[i] <= 1000 / h, "network.full_mean_rates.\(name)",
                        "must be in [0, \(1000 / h)] spikes/s (at most one spike per step), got \(network.fullMeanRates[i])")
            try require(network.v0OptimizedStd[i] >= 0, "network.v0_optimized_std.\(name)", "must be at least 0 mV")
            for source in Population.allCases {
                let p = network.connectionProbabilities[i][source.rawValue]
                try require(p >= 0 && p < 1, "network.conn_probs.\(name).\(source.name)", "must be in [0, 1), got \(p)")
            }
            let pth = stimulus.thalamicConnectionProbabilities[i]
            try require(pth >= 0 && pth < 1, "stimulus.conn_probs_th.\(name)", "must be in [0, 1), got \(pth)")
        }
        let total = network.fullNeuronCounts.reduce(0, +)
        try require(total <= 1 << 24, "network.full_num_neurons", "the total must be at most 2^24 neurons, got \(total)")
        try require(network.pspExcitatoryMean >= 0, "network.psp_exc_mean", "must be at least 0 mV")
        try require(network.pspL4EToL23EFactor >= 0, "network.psp_l4e_to_l23e_factor", "must be at least 0")
        try require(network.g <= 0, "network.g", "must be at most 0 (inhibition), got \(network.g)")
        try require(network.weightRelativeStd >= 0, "network.weight_rel_std", "must be at least 0")
        try require(network.delayExcitatoryMean >= h / 2, "network.delay_exc_mean", "must be at least half a resolution step (\(h / 2) ms)")
        try require(network.delayInhibitoryMean >= h / 2, "network.delay_inh_mean", "must be at least half a resolution step (\(h / 2) ms)")
        try require(network.delayRelativeStd >= 0, "network.delay_rel_std", "must be at least 0")
        try require(network.backgroundRate >= 0, "network.bg_rate", "must be at least 0 spikes/s")
        try require(network.delayPoisson >= h / 2, "network.delay_poisson", "must be at least half a resolution step (\(h / 2) ms)")
        try requireFewerThanMostSteps(network.delayPoisson, "network.delay_poisson")
        try require(network.v0OriginalStd >= 0, "network.v0_original_std", "must be at least 0 mV")

        try require(neuron.cM > 0, "neuron.C_m", "must be positive (pF)")
        try require(neuron.tauM > 0, "neuron.tau_m", "must be positive (ms)")
        try require(neuron.tauSyn > 0, "neuron.tau_syn", "must be positive (ms)")
        try require(neuron.tauSyn != neuron.tauM, "neuron.tau_syn", "must differ from tau_m (the exact propagator is singular there)")
        try require(neuron.vReset < neuron.vTh, "neuron.V_reset", "must be below V_th")
        try requireGridTime(neuron.tRef, "neuron.t_ref", allowZero: true)

        try require(stimulus.thalamicNeurons >= 0 && stimulus.thalamicNeurons <= 1 << 24, "stimulus.num_th_neurons",
                    "must be in [0, 2^24], got \(stimulus.thalamicNeurons)")
        try require(stimulus.thalamicRate >= 0, "stimulus.th_rate", "must be at least 0 spikes/s")
        let thalamicLambda = stimulus.thalamicRate * h * 1e-3
        try require(
            !stimulus.thalamicInput || thalamicLambda <= Self.mostSpikesPerStep, "stimulus.th_rate",
            "gives \(thalamicLambda) expected spikes per step for each thalamic neuron; at most \(Self.mostSpikesPerStep) are supported")
        try requireGridTime(stimulus.thalamicStart, "stimulus.th_start", allowZero: true)
        try requireGridTime(stimulus.thalamicDuration, "stimulus.th_duration", allowZero: true)
        try requireGridTime(stimulus.thalamicGeneratorDelay, "stimulus.th_generator_delay", allowZero: false)
        try require(stimulus.pspThalamic >= 0, "stimulus.psp_th", "must be at least 0 mV")
        try require(stimulus.thalamicDelayMean >= h / 2, "stimulus.delay_th_mean", "must be at least half a resolution step (\(h / 2) ms)")
        try require(stimulus.thalamicDelayRelativeStd >= 0, "stimulus.delay_th_rel_std", "must be at least 0")
        try requireGridTime(stimulus.dcTransientStart, "stimulus.dc_transient_start", allowZero: true)
        try requireGridTime(stimulus.dcTransientDuration, "stimulus.dc_transient_dur", allowZero: true)
        try requireGridTime(stimulus.dcTransientDelay, "stimulus.dc_transient_delay", allowZero: false)

        try requireGridTime(simulation.tPresim, "simulation.t_presim", allowZero: true)
        try requireGridTime(simulation.tSim, "simulation.t_sim", allowZero: false)
        try requireGridTime(simulation.voltageInterval, "simulation.rec_V_int", allowZero: false)
        let steps = (simulation.tPresim + simulation.tSim) / h
        try require(steps < Double(UInt32.max), "simulation.t_sim", "t_presim + t_sim must be fewer than 2^32 steps")

        for population in Population.allCases {
            let k = (Double(network.externalIndegrees[population.rawValue]) * network.kScaling).rounded(.toNearestOrEven)
            let lambda = network.backgroundRate * k * h * 1e-3
            try require(
                network.backgroundInput == .dc || lambda <= Self.mostSpikesPerStep, "network.bg_rate",
                "gives \(lambda) expected background spikes per step for \(population.name); at most \(Self.mostSpikesPerStep) are supported")
        }
    }

    /// The largest mean of a per-step Poisson count (background or thalamic): its table of
    /// `PoissonRate.tableSize` entries must hold all but a negligible tail.
    static let mostSpikesPerStep = 64.0
    /// Any one time or delay, in steps (step numbers and refractory counts are 32-bit).
    static let mostSteps = Double(Int32.max)

    private func require(_ condition: Bool, _ parameter: String, _ message: @autoclosure () -> String) throws {
        if !condition { throw ParameterError(parameter: parameter, message: message()) }
    }

    private func requireFewerThanMostSteps(_ t: Double, _ parameter: String) throws {
        let h = simulation.resolution
        try require(t / h < Self.mostSteps, parameter, "must be fewer than 2^31 steps of \(h) ms, got \(t) ms")
    }

    private func requireGridTime(_ t: Double, _ parameter: String, allowZero: Bool) throws {
        let h = simulation.resolution
        try require(t.isFinite && (allowZero ? t >= 0 : t > 0), parameter, "must be \(allowZero ? "at least 0" : "positive") ms, got \(t)")
        try require(isOnGrid(t, h), parameter, "must be a multiple of the resolution \(h) ms, got \(t)")
        try requireFewerThanMostSteps(t, parameter)
        try require(allowZero || steps(t, h) >= 1, parameter, "must be at least one step (\(h) ms), got \(t)")
    }
}

/// Whether `t` is a whole number of steps of `h`, up to rounding error in the decimal input.
func isOnGrid(_ t: Double, _ h: Double) -> Bool {
    let q = t / h
    return abs(q - q.rounded()) <= 1e-9 * max(1, q)
}

/// `t` in whole steps of `h` (after `isOnGrid` has accepted it).
public func steps(_ t: Double, _ h: Double) -> Int { Int((t / h).rounded()) }
