/// Background drive of every neuron: independent Poisson trains, or their mean as a current.
public enum BackgroundInput: String, CaseIterable, Sendable {
    case dc, poisson
}

/// How initial membrane potentials are drawn: per-population fits ("optimized") or one
/// wide normal distribution ("original").
public enum InitialPotential: String, CaseIterable, Sendable {
    case optimized, original
}

/// Network structure and drive. Units: ms, mV, pA, spikes/s. Tables are per population in
/// `Population` order; matrices are `[target][source]`.
public struct NetworkParameters: Equatable, Sendable {
    /// Scales neuron numbers (and, with `kScaling`, synapse numbers).
    public var nScaling = 0.2
    /// Scales in-degrees; weights are divided by its square root and DC compensates the mean.
    public var kScaling = 0.2
    public var fullNeuronCounts: PerPopulation<Int> = [20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948]
    /// Full-scale rates (spikes/s) from a NEST run, used only for the K-scaling compensation.
    public var fullMeanRates: PerPopulation<Double> = [0.903, 2.965, 4.414, 5.876, 7.569, 8.633, 1.105, 7.829]
    public var connectionProbabilities: PopulationMatrix<Double> = [
        [0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0.0, 0.0076, 0.0],
        [0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0, 0.0042, 0.0],
        [0.0077, 0.0059, 0.0497, 0.135, 0.0067, 0.0003, 0.0453, 0.0],
        [0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0, 0.1057, 0.0],
        [0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0],
        [0.0548, 0.0269, 0.0257, 0.0022, 0.06, 0.3158, 0.0086, 0.0],
        [0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252],
        [0.0364, 0.001, 0.0034, 0.0005, 0.0277, 0.008, 0.0658, 0.1443],
    ]
    /// Mean excitatory PSP amplitude (mV).
    public var pspExcitatoryMean = 0.15
    /// Factor on the mean PSP of L4E -> L23E synapses (the model's one exception).
    public var pspL4EToL23EFactor = 2.0
    /// Relative inhibitory strength g (inhibitory mean weight = g * excitatory).
    public var g = -4.0
    public var weightRelativeStd = 0.1
    public var delayExcitatoryMean = 1.5
    public var delayInhibitoryMean = 0.75
    public var delayRelativeStd = 0.5
    public var backgroundInput = BackgroundInput.dc
    /// External in-degrees at full scale.
    public var externalIndegrees: PerPopulation<Int> = [1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100]
    /// Rate of each external Poisson source (spikes/s).
    public var backgroundRate = 8.0
    public var delayPoisson = 1.5
    public var initialPotential = InitialPotential.optimized
    public var v0OptimizedMean: PerPopulation<Double> = [-68.28, -63.16, -63.33, -63.45, -63.11, -61.66, -66.72, -61.43]
    public var v0OptimizedStd: PerPopulation<Double> = [5.36, 4.57, 4.74, 4.94, 4.94, 4.55, 5.46, 4.48]
    public var v0OriginalMean = -58.0
    public var v0OriginalStd = 10.0

    public init() {}
}

/// `iaf_psc_exp` parameters (absolute potentials in mV, C_m in pF, times in ms).
public struct NeuronParameters: Equatable, Sendable {
    public var eL = -65.0
    public var vTh = -50.0
    public var vReset = -65.0
    public var cM = 250.0
    public var tauM = 10.0
    public var tauSyn = 0.5
    public var tRef = 2.0

    public init() {}
}

/// The optional stimuli: a thalamic Poisson volley and a DC transient (both off by default).
public struct StimulusParameters: Equatable, Sendable {
    public var thalamicInput = false
    public var thalamicStart = 700.0
    public var thalamicDuration = 10.0
    public var thalamicRate = 120.0
    /// Number of thalamic neurons; not scaled with N_scaling (as in the reference).
    public var thalamicNeurons = 902
    public var thalamicConnectionProbabilities: PerPopulation<Double> = [0.0, 0.0, 0.0983, 0.0619, 0.0, 0.0, 0.0512, 0.0196]
    public var pspThalamic = 0.15
    public var thalamicDelayMean = 1.5
    public var thalamicDelayRelativeStd = 0.5
    /// Delay from the thalamic generator to the thalamic (parrot) neurons: NEST's default 1 ms.
    public var thalamicGeneratorDelay = 1.0
    public var dcTransient = false
    public var dcTransientStart = 650.0
    public var dcTransientDuration = 100.0
    /// Per-population amplitude is this times the full-scale K_ext (pA).
    public var dcTransientAmplitude = 0.3
    /// Delay of the DC generator's connection: NEST's default 1 ms.
    public var dcTransientDelay = 1.0

    public init() {}
}

/// Times (ms), resolution, seed and recording.
public struct SimulationParameters: Equatable, Sendable {
    public var tPresim = 500.0
    public var tSim = 1000.0
    public var resolution = 0.1
    public var seed: UInt32 = 55
    public var recordVoltage = false
    /// Voltmeter sampling interval (ms).
    public var voltageInterval = 1.0

    public init() {}
}

/// The complete, user-facing parameter set. Defaults mirror the reference's own runnable
/// example (`microcircuit run`): scale 0.2, DC background, 500 ms + 1000 ms, seed 55.
public struct ModelParameters: Equatable, Sendable {
    public var network = NetworkParameters()
    public var neuron = NeuronParameters()
    public var stimulus = StimulusParameters()
    public var simulation = SimulationParameters()

    public init() {}
}
