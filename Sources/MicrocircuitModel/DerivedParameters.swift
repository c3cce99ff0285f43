import Foundation

/// Everything the simulation needs that follows from `ModelParameters`: scaled sizes,
/// synapse counts, weights, currents, propagators and step counts. Computed once on the host
/// in double precision; backends only read it.
public struct DerivedParameters: Sendable {
    public let parameters: ModelParameters
    public let resolution: Double

    /// Neurons per population after N-scaling, and the global id of each population's first
    /// neuron (ids run 0..<totalNeurons in population order).
    public let neuronCounts: PerPopulation<Int>
    public let firstNeuron: PerPopulation<Int>
    public let totalNeurons: Int

    /// Full-scale synapse counts `[target][source]` (unrounded), and the scaled, rounded counts.
    public let fullSynapseCounts: PopulationMatrix<Double>
    public let synapseCounts: PopulationMatrix<Int>
    public let totalSynapses: Int

    /// PSC amplitude per mV of PSP amplitude (pA/mV).
    public let pscOverPsp: Double
    /// Mean synaptic weights `[target][source]` (pA), K-scaling applied.
    public let meanWeights: PopulationMatrix<Double>
    /// Weight of each external Poisson input (pA), K-scaling applied.
    public let externalWeight: Double
    /// External in-degrees after K-scaling.
    public let externalIndegrees: PerPopulation<Int>
    /// Constant input current I_e per population (pA): the DC background and the K-scaling
    /// compensation.
    public internal(set) var dcAmplitudes: PerPopulation<Double>
    /// Populations whose down-scaled DC is below rheobase (the reference warns about these).
    public let belowRheobase: [Population]
    public let rheobase: Double

    /// Thalamic synapse counts per target population and their mean weight (pA).
    public let thalamicSynapseCounts: PerPopulation<Int>
    public let thalamicWeight: Double

    public let propagators: Propagators
    public let schedule: StepSchedule

    /// Each population's per-step background Poisson count (zero with DC drive).
    public let backgroundPoisson: PerPopulation<PoissonRate>
    /// Each thalamic neuron's per-step count while the volley is on.
    public let thalamicPoisson: PoissonRate
    /// Amplitude of the DC transient per population (pA).
    public internal(set) var dcTransientAmplitudes: PerPopulation<Double>

    /// Threshold and reset relative to E_L (mV), as the neuron state is kept.
    public let thresholdRelative: Double
    public let resetRelative: Double

    public var thalamicNeurons: Int { parameters.stimulus.thalamicInput ? parameters.stimulus.thalamicNeurons : 0 }
    /// The most spikes a thalamic neuron emits in one step: the largest count its Poisson
    /// draw gives, or 0 without the volley.
    public var largestThalamicCount: UInt32 { schedule.thalamicSpikeSteps.isEmpty ? 0 : thalamicPoisson.largestCount }
    /// Every synapse of the network: recurrent ones, and thalamic ones when that input is on.
    public var synapsesIncludingThalamic: Int { totalSynapses + (thalamicNeurons > 0 ? thalamicSynapseCounts.reduce(0, +) : 0) }

    /// Validates `parameters` and derives everything from them.
    public init(_ parameters: ModelParameters) throws {
        try parameters.validate()
        self.parameters = parameters
        let net = parameters.network
        let neuron = parameters.neuron
        let stim = parameters.stimulus
        let h = parameters.simulation.resolution
        resolution = h

        neuronCounts = net.fullNeuronCounts.map { Int((Double($0) * net.nScaling).rounded(.toNearestOrEven)) }
        var offsets: [Int] = []
        var running = 0
        for count in neuronCounts { offsets.append(running); running += count }
        firstNeuron = offsets
        totalNeurons = running

        let fullCounts = net.fullNeuronCounts.map(Double.init)
        fullSynapseCounts = (0..<Population.count).map { target in
            (0..<Population.count).map { source in
                DerivedParameters.synapseCount(
                    probability: net.connectionProbabilities[target][source],
                    sourceSize: fullCounts[source], targetSize: fullCounts[target])
            }
        }
        synapseCounts = fullSynapseCounts.map { row in
            row.map { Int(($0 * net.nScaling * net.kScaling).rounded(.toNearestOrEven)) }
        }
        totalSynapses = synapseCounts.joined().reduce(0, +)
        externalIndegrees = net.externalIndegrees.map { Int((Double($0) * net.kScaling).rounded(.toNearestOrEven)) }

        let pscOverPsp = DerivedParameters.pscOverPsp(cM: neuron.cM, tauM: neuron.tauM, tauSyn: neuron.tauSyn)
        self.pscOverPsp = pscOverPsp
        let fullWeights: PopulationMatrix<Double> = (0..<Population.count).map { target in
            (0..<Population.count).map { source in
                var psp = Population(rawValue: source)!.isExcitatory ? net.pspExcitatoryMean : net.g * net.pspExcitatoryMean
                if target == Population.l23e.rawValue && source == Population.l4e.rawValue { psp *= net.pspL4EToL23EFactor }
                return psp * pscOverPsp
            }
        }
        let fullExternalWeight = net.pspExcitatoryMean * pscOverPsp
        let weightScale = 1 / net.kScaling.squareRoot()
        meanWeights = fullWeights.map { $0.map { $0 * weightScale } }
        externalWeight = fullExternalWeight * weightScale

        var dc: [Double] = (0..<Population.count).map { i in
            net.backgroundInput == .dc
                ? net.backgroundRate * Double(net.externalIndegrees[i]) * fullExternalWeight * neuron.tauSyn * 0.001 : 0
        }
        if net.kScaling != 1 {
            let compensation = 0.001 * neuron.tauSyn * (1 - net.kScaling.squareRoot())
            for i in 0..<Population.count {
                var recurrent = 0.0
                for j in 0..<Population.count {
                    recurrent += fullWeights[i][j] * (fullSynapseCounts[i][j] / fullCounts[i]) * net.fullMeanRates[j]
                }
                dc[i] += compensation * recurrent
                if net.backgroundInput == .poisson {
                    dc[i] += compensation * fullExternalWeight * Double(net.externalIndegrees[i]) * net.backgroundRate
                }
            }
        }
        dcAmplitudes = dc
        let rheobase = neuron.cM * (neuron.vTh - neuron.eL) / neuron.tauM
        self.rheobase = rheobase
        belowRheobase = net.kScaling != 1 && net.backgroundInput == .dc
            ? Population.allCases.filter { dc[$0.rawValue] < rheobase } : []

        thalamicSynapseCounts = (0..<Population.count).map { target in
            let k = DerivedParameters.synapseCount(
                probability: stim.thalamicConnectionProbabilities[target],
                sourceSize: Double(stim.thalamicNeurons), targetSize: fullCounts[target])
            return stim.thalamicInput ? Int((k * net.kScaling).rounded(.toNearestOrEven)) : 0
        }
        thalamicWeight = stim.pspThalamic * pscOverPsp * weightScale

        propagators = Propagators(resolution: h, neuron: neuron)
        schedule = StepSchedule(parameters)
        backgroundPoisson = externalIndegrees.map { k in
            PoissonRate(lambda: net.backgroundInput == .poisson ? net.backgroundRate * Double(k) * h * 1e-3 : 0)
        }
        thalamicPoisson = PoissonRate(lambda: stim.thalamicRate * h * 1e-3)
        dcTransientAmplitudes = net.externalIndegrees.map { stim.dcTransient ? stim.dcTransientAmplitude * Double($0) : 0 }
        thresholdRelative = neuron.vTh - neuron.eL
        resetRelative = neuron.vReset - neuron.eL

        let largest = (fullWeights.joined().map(abs) + [fullExternalWeight, stim.pspThalamic * pscOverPsp]).max()! * weightScale
        let spread = 1 + 10 * max(net.weightRelativeStd, 0)
        // Written so that a weight that is not a number is refused too. The down-scaling is
        // named only where the full-scale weights fit.
        guard largest * spread < FixedPointWeight.maximumMagnitude else {
            let beyond = "pA, beyond the \(Int(FixedPointWeight.maximumMagnitude)) pA that the fixed-point weights hold"
            if largest / weightScale * spread < FixedPointWeight.maximumMagnitude {
                throw ParameterError(parameter: "network.k_scaling", message: "makes synaptic weights up to ~\(String(format: "%.4g", largest)) \(beyond)")
            }
            throw ParameterError(
                parameter: "network.psp_exc_mean",
                message: "with g, psp_l4e_to_l23e_factor, psp_th, weight_rel_std and the neuron's C_m, tau_m and tau_syn makes synaptic weights up to ~\(String(format: "%.4g", largest)) \(beyond)")
        }
        for population in Population.allCases {
            if !dc[population.rawValue].isFinite {
                throw ParameterError(parameter: "network.bg_rate", message: "with k_ext and psp_exc_mean gives \(population.name) a DC input that is not a finite number of pA")
            }
            if !(dc[population.rawValue] + dcTransientAmplitudes[population.rawValue]).isFinite {
                throw ParameterError(parameter: "stimulus.dc_transient_amp", message: "with k_ext gives \(population.name) a DC transient that is not a finite number of pA")
            }
        }
    }

    /// The reference's synapse count for a pair: ln(1 - p) / ln((N_pre N_post - 1) / (N_pre N_post)).
    public static func synapseCount(probability p: Double, sourceSize: Double, targetSize: Double) -> Double {
        let product = sourceSize * targetSize
        guard p > 0 && product >= 1 else { return 0 }
        return log(1 - p) / log((product - 1) / product)
    }

    /// PSC amplitude that gives a PSP amplitude of 1 mV for exponential currents.
    public static func pscOverPsp(cM: Double, tauM: Double, tauSyn: Double) -> Double {
        let ratio = tauM / tauSyn
        let a = tauM * tauSyn / (cM * (tauSyn - tauM))
        let b = pow(ratio, tauM / (tauSyn - tauM)) - pow(ratio, tauSyn / (tauSyn - tauM))
        return 1 / (a * b)
    }

    /// Wall-clock seconds per biological second of the simulation phase (t_sim).
    public func realTimeFactor(simulationSeconds: Double) -> Double {
        simulationSeconds / (parameters.simulation.tSim * 1e-3)
    }

    /// Spikes a run is allowed for when its memory and disk needs are estimated: three times
    /// the full-scale mean rates (at least 1/s) over the whole run.
    public var recordedSpikesBound: Int { recordedSpikesBound(steps: schedule.total) }

    /// Steps a run advances at most between two progress reports (`SimulationDriver`), so
    /// the most steps of recordings it holds when it writes them out as it goes.
    public static let maximumChunkSteps = 64_000

    /// `recordedSpikesBound` for `steps` steps.
    public func recordedSpikesBound(steps: Int) -> Int {
        let seconds = Double(steps) * resolution * 1e-3
        var spikes = 0.0
        for p in 0..<Population.count {
            spikes += Double(neuronCounts[p]) * max(1, 3 * parameters.network.fullMeanRates[p]) * seconds
        }
        return Int(spikes)
    }

    /// Samples the voltmeter takes in the whole run, each of every neuron; 0 when it is off.
    var voltmeterSamples: Int {
        parameters.simulation.recordVoltage ? schedule.voltageSamples(in: 0..<schedule.total).count : 0
    }

    /// Potentials the voltmeter records (every neuron, every rec_V_int), 0 when it is off.
    public var recordedVoltageSamples: Int { totalNeurons * voltmeterSamples }

    /// Voltmeter samples (each of every neuron) that a chunk of a run takes when the run
    /// writes them out as it goes: at most 64 MiB of them (~100 at full scale), at least one;
    /// 0 when the voltmeter is off. The OpenCL backend's recording buffers hold no more either.
    public var voltageSamplesHeld: Int {
        voltmeterSamples == 0 ? 0 : max(1, min(voltmeterSamples, (64 << 20) / (MemoryLayout<Double>.size * totalNeurons)))
    }

    /// The population index of every neuron, for per-neuron lookups of per-population values.
    public var populationIndices: [UInt8] {
        var indices = [UInt8](repeating: 0, count: totalNeurons)
        for p in 0..<Population.count {
            for i in firstNeuron[p]..<(firstNeuron[p] + neuronCounts[p]) { indices[i] = UInt8(p) }
        }
        return indices
    }

    /// The population that neuron `id` belongs to.
    public func population(ofNeuron id: Int) -> Population {
        var p = Population.count - 1
        while firstNeuron[p] > id { p -= 1 }
        return Population(rawValue: p)!
    }
}

/// Exact-integration propagators of `iaf_psc_exp` over one step (Rotter & Diesmann 1999).
public struct Propagators: Sendable, Equatable {
    /// Membrane decay exp(-h/tau_m).
    public let p22: Double
    /// Synaptic current decay exp(-h/tau_syn).
    public let p11: Double
    /// Synaptic current to membrane potential (mV/pA).
    public let p21: Double
    /// Constant current to membrane potential (mV/pA).
    public let p20: Double

    public init(resolution h: Double, neuron: NeuronParameters) {
        p22 = exp(-h / neuron.tauM)
        p11 = exp(-h / neuron.tauSyn)
        p21 = neuron.tauSyn * neuron.tauM / (neuron.cM * (neuron.tauM - neuron.tauSyn))
            * (exp(-h / neuron.tauM) - exp(-h / neuron.tauSyn))
        p20 = -expm1(-h / neuron.tauM) * neuron.tauM / neuron.cM
    }
}

/// When things happen, in steps of the resolution. Step n covers ((n) h, (n+1) h]; a spike
/// emitted in step n has time stamp (n+1) h and reaches its target's input of step n + d.
public struct StepSchedule: Sendable, Equatable {
    public let presimulation: Int
    public let simulation: Int
    public var total: Int { presimulation + simulation }
    public let refractory: Int
    /// First step whose input contains background Poisson spikes: the generators start at
    /// step 1 and their spikes take `delay_poisson` to arrive.
    public let firstBackgroundStep: Int
    /// Steps in which thalamic (parrot) neurons emit spikes: the generator is active in steps
    /// start+1 ... stop and its spikes reach the parrots after the generator delay.
    public let thalamicSpikeSteps: Range<Int>
    /// Steps whose membrane update includes the DC transient: the current flows during
    /// [start + delay, stop + delay).
    public let dcTransientSteps: Range<Int>
    /// Voltmeter interval in steps; V_m is sampled after steps n with (n+1) % interval == 0.
    public let voltageInterval: Int

    init(_ p: ModelParameters) {
        let h = p.simulation.resolution
        presimulation = steps(p.simulation.tPresim, h)
        simulation = steps(p.simulation.tSim, h)
        refractory = steps(p.neuron.tRef, h)
        firstBackgroundStep = max(1, Int((p.network.delayPoisson / h).rounded())) + 1
        let thStart = steps(p.stimulus.thalamicStart, h)
        let thStop = steps(p.stimulus.thalamicStart + p.stimulus.thalamicDuration, h)
        let thDelay = steps(p.stimulus.thalamicGeneratorDelay, h)
        thalamicSpikeSteps = p.stimulus.thalamicInput ? (thStart + 1 + thDelay)..<(thStop + 1 + thDelay) : 0..<0
        let dcStart = steps(p.stimulus.dcTransientStart + p.stimulus.dcTransientDelay, h)
        let dcStop = steps(p.stimulus.dcTransientStart + p.stimulus.dcTransientDuration + p.stimulus.dcTransientDelay, h)
        dcTransientSteps = p.stimulus.dcTransient ? dcStart..<dcStop : 0..<0
        voltageInterval = steps(p.simulation.voltageInterval, h)
    }

    /// The voltmeter's samples taken within `steps`, by number: sample m (from 1) is taken
    /// after step `voltageSampleStep(m)`.
    public func voltageSamples(in steps: Range<Int>) -> Range<Int> {
        (steps.lowerBound / voltageInterval + 1)..<(steps.upperBound / voltageInterval + 1)
    }

    /// The step after which sample `m` is taken, the last of its interval.
    public func voltageSampleStep(_ m: Int) -> Int { m * voltageInterval - 1 }

    /// Steps from `step` on that take at most `samples` voltmeter samples: all up to the
    /// step that takes the next one.
    public func stepsTaking(atMost samples: Int, from step: Int) -> Int {
        voltageSampleStep(voltageSamples(in: step..<step).lowerBound + samples) - step
    }
}

/// Synaptic weights as integers of 2^-11 pA, so that input sums are exact and do not depend
/// on the order in which spikes arrive (the CPU-GPU identity rests on this). The unit is as
/// coarse as a full-scale network's input of one step needs, so that each neuron's largest
/// possible one (its synapses' weights added up, ~0.6e6 pA at full scale) stays below 2^31
/// units: a GPU then sums input in 32-bit words, whose ring fits its L2 cache (see
/// `OpenCLBackend.ringBits`). Rounding moves a weight by at most 2^-12 pA (2.4e-4 pA, a
/// 3e-6 part of the model's 87.8 pA).
public enum FixedPointWeight {
    public static let unitsPerPicoampere = 2048.0
    public static let picoamperePerUnit = 1.0 / 2048.0
    public static let maximumMagnitude = Double(Int32.max) / 2048.0

    /// The nearest fixed-point value, halves away from zero (add a signed half, truncate: one
    /// instruction, where `rounded()` is a libm call); callers guarantee |pA| < maximumMagnitude.
    @inline(__always)
    public static func quantize(_ picoampere: Double) -> Int32 {
        let units = picoampere * unitsPerPicoampere
        return Int32(units + (units < 0 ? -0.5 : 0.5))
    }
}
