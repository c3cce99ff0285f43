import ArgumentParser
import Connectivity
import MicrocircuitModel

/// The model flags shared by `run`, `config`, `verify` and `bench`. Flags
/// override a `--config` file, which overrides the defaults.
struct ModelOptions: ParsableArguments {
    /// The reference's example, which the help texts quote.
    static let defaults = ModelParameters()

    @Option(name: .customLong("config"), help: "JSON file with parameter overrides (see `microcircuit config --parameters-only`).")
    var configFile: String?

    @Option(parsing: .unconditional, help: "Scale neuron numbers and in-degrees together, in (0, 1] (default \(Self.defaults.network.nScaling), the reference's example).")
    var scale: Double?

    @Option(name: .customLong("n-scaling"), parsing: .unconditional, help: "Scale neuron numbers, in (0, 1] (default \(Self.defaults.network.nScaling)).")
    var nScaling: Double?

    @Option(name: .customLong("k-scaling"), parsing: .unconditional, help: "Scale in-degrees, in (0, 1] (default \(Self.defaults.network.kScaling)).")
    var kScaling: Double?

    @Option(name: .customLong("bg"), help: "Background input: dc or poisson (default \(Self.defaults.network.backgroundInput.rawValue)).")
    var background: String?

    @Option(name: .customLong("v0"), help: "Initial potentials: optimized or original (default \(Self.defaults.network.initialPotential.rawValue)).")
    var initialPotential: String?

    @Option(parsing: .unconditional, help: "Random seed, 0 ... 4294967295 (default \(Self.defaults.simulation.seed)).")
    var seed: Int?

    @Option(name: .customLong("t-presim"), parsing: .unconditional, help: "Warm-up time (ms), excluded from statistics (default \(Self.defaults.simulation.tPresim)).")
    var tPresim: Double?

    @Option(name: .customLong("t-sim"), parsing: .unconditional, help: "Simulated time after warm-up (ms) (default \(Self.defaults.simulation.tSim)).")
    var tSim: Double?

    @Option(parsing: .unconditional, help: "Time step (ms) (default \(Self.defaults.simulation.resolution)).")
    var resolution: Double?

    @Flag(help: "Turn on the thalamic volley (700-710 ms).")
    var thalamic = false

    @Flag(name: .customLong("dc-transient"), help: "Turn on the DC transient (650-750 ms).")
    var dcTransient = false

    @Flag(name: .customLong("record-voltage"), help: "Record V_m of every neuron every rec_V_int ms.")
    var recordVoltage = false

    /// Defaults, then the config file, then the flags; validated and derived.
    func resolve() throws -> DerivedParameters {
        var parameters = ModelParameters()
        do {
            if let configFile { try parameters.apply(configFile: configFile) }
            if let scale {
                guard nScaling == nil && kScaling == nil else {
                    throw ParameterError(parameter: "--scale", message: "sets both scalings; do not combine it with --n-scaling or --k-scaling")
                }
                parameters.network.nScaling = scale
                parameters.network.kScaling = scale
            }
            if let nScaling { parameters.network.nScaling = nScaling }
            if let kScaling { parameters.network.kScaling = kScaling }
            if let background {
                guard let choice = BackgroundInput(rawValue: background) else {
                    throw ParameterError(parameter: "--bg", message: "must be dc or poisson, got '\(background)'")
                }
                parameters.network.backgroundInput = choice
            }
            if let initialPotential {
                guard let choice = InitialPotential(rawValue: initialPotential) else {
                    throw ParameterError(parameter: "--v0", message: "must be optimized or original, got '\(initialPotential)'")
                }
                parameters.network.initialPotential = choice
            }
            if let seed {
                guard let narrowed = UInt32(exactly: seed) else {
                    throw ParameterError(parameter: "--seed", message: "must be in [0, \(UInt32.max)], got \(seed)")
                }
                parameters.simulation.seed = narrowed
            }
            if let tPresim { parameters.simulation.tPresim = tPresim }
            if let tSim { parameters.simulation.tSim = tSim }
            if let resolution { parameters.simulation.resolution = resolution }
            if thalamic { parameters.stimulus.thalamicInput = true }
            if dcTransient { parameters.stimulus.dcTransient = true }
            if recordVoltage { parameters.simulation.recordVoltage = true }
            return try DerivedParameters(parameters)
        } catch var error as ParameterError {
            if let flag = flagsSet[error.parameter] { error.parameter = "\(flag) (\(error.parameter))" }
            throw CommandFailure(message: error.description, status: 2)
        }
    }

    /// Config keys that a flag on this command line set, with that flag, so errors name what
    /// the user typed.
    private var flagsSet: [String: String] {
        var flags: [String: String] = [:]
        if scale != nil { flags["network.n_scaling"] = "--scale"; flags["network.k_scaling"] = "--scale" }
        if nScaling != nil { flags["network.n_scaling"] = "--n-scaling" }
        if kScaling != nil { flags["network.k_scaling"] = "--k-scaling" }
        if tPresim != nil { flags["simulation.t_presim"] = "--t-presim" }
        if tSim != nil { flags["simulation.t_sim"] = "--t-sim" }
        if resolution != nil { flags["simulation.sim_resolution"] = "--resolution" }
        return flags
    }
}

/// The reference's warning for down-scaled DC drive below rheobase, and one for each
/// stimulus switched on that would start only after the run has ended.
func modelWarnings(_ derived: DerivedParameters) -> [String] {
    let rheobase = derived.belowRheobase.map { population in
        "warning: population \(population.name) is sub-threshold with down-scaled DC input ("
            + String(format: "%.1f pA < rheobase %.1f pA", derived.dcAmplitudes[population.rawValue], derived.rheobase)
            + ") and may not fire"
    }
    let schedule = derived.schedule, stimulus = derived.parameters.stimulus
    let late = [("the thalamic volley (th_start %.1f ms)", stimulus.thalamicStart, schedule.thalamicSpikeSteps),
                ("the DC transient (dc_transient_start %.1f ms)", stimulus.dcTransientStart, schedule.dcTransientSteps)]
        .filter { _, _, steps in !steps.isEmpty && steps.lowerBound >= schedule.total }
        .map { name, start, _ in
            "warning: " + String(format: name, start) + String(format: " starts after the run ends at %.1f ms and has no effect", Double(schedule.total) * derived.resolution)
        }
    return rheobase + late
}

/// Refuses a run whose estimated host memory exceeds what is available, before allocating.
@discardableResult
func checkMemory(_ derived: DerivedParameters, synapsesOnHost: Bool = true, runs: Int = 1) throws -> MemoryEstimate {
    let estimate = MemoryEstimate(derived, synapsesOnHost: synapsesOnHost, runs: runs)
    try failing { try estimate.check(available: MemoryEstimate.availableBytes()) }
    return estimate
}
