import Foundation
import MicrocircuitModel

/// Phase timings of a run (wall-clock seconds).
public struct PhaseTimings: Sendable {
    public var construction = 0.0
    /// Backend set-up: state allocation, and for OpenCL the program build and the upload.
    public var upload = 0.0
    public var presimulation = 0.0
    public var simulation = 0.0
    /// Waiting for the recordings' files to be written, during the run and after it.
    public var output = 0.0

    public init() {}
}

/// The contents of `summary.json`: what ran, on what, how fast, and the per-population
/// statistics over [t_presim, t_presim + t_sim].
public struct RunSummary: Sendable {
    public var version: String
    public var backend: String
    public var device: String
    /// "host" or "device": where the synapse table was built.
    public var synapsesBuiltOn: String
    public var derived: DerivedParameters
    public var synapses: Int
    public var spikesTotal: Int
    public var timings: PhaseTimings
    public var peakMemoryBytes: Int?
    public var populations: [PopulationStatistics]
    /// The simulation phase (ms) asked for, when the run was stopped before its end and kept
    /// what it had simulated: `derived` then holds the part simulated.
    public var requestedSimulation: Double?

    public init(version: String, backend: String, device: String, synapsesBuiltOn: String, derived: DerivedParameters, synapses: Int,
                spikesTotal: Int, timings: PhaseTimings, peakMemoryBytes: Int?, populations: [PopulationStatistics],
                requestedSimulation: Double? = nil) {
        self.version = version
        self.backend = backend
        self.device = device
        self.synapsesBuiltOn = synapsesBuiltOn
        self.derived = derived
        self.synapses = synapses
        self.spikesTotal = spikesTotal
        self.timings = timings
        self.peakMemoryBytes = peakMemoryBytes
        self.populations = populations
        self.requestedSimulation = requestedSimulation
    }

    /// Wall-clock time per biological time of the simulation phase.
    public var realTimeFactor: Double {
        derived.realTimeFactor(simulationSeconds: timings.simulation)
    }

    public var json: JSONValue {
        let p = derived.parameters
        return .object([
            ("microcircuit_version", .string(version)),
            ("backend", .string(backend)),
            ("device", .string(device)),
            ("synapses_built_on", .string(synapsesBuiltOn)),
            ("seed", .number(Double(p.simulation.seed))),
            ("n_scaling", .number(p.network.nScaling)),
            ("k_scaling", .number(p.network.kScaling)),
            ("bg_input_type", .string(p.network.backgroundInput.rawValue)),
            ("t_presim_ms", .number(p.simulation.tPresim)),
            ("t_sim_ms", .number(p.simulation.tSim)),
            ("interrupted", .bool(requestedSimulation != nil)),
            ("t_sim_requested_ms", .number(requestedSimulation ?? p.simulation.tSim)),
            ("resolution_ms", .number(p.simulation.resolution)),
            ("neurons", .number(Double(derived.totalNeurons))),
            ("synapses", .number(Double(synapses))),
            ("spikes_total", .number(Double(spikesTotal))),
            ("real_time_factor", .number(realTimeFactor)),
            ("timing_s", .object([
                ("construction", .number(timings.construction)),
                ("upload", .number(timings.upload)),
                ("presimulation", .number(timings.presimulation)),
                ("simulation", .number(timings.simulation)),
                ("output", .number(timings.output)),
            ])),
            ("peak_memory_bytes", peakMemoryBytes.map { .number(Double($0)) } ?? .null),
            ("rate_window_ms", .array([.number(p.simulation.tPresim), .number(p.simulation.tPresim + p.simulation.tSim)])),
            ("populations", .array(populations.map { s in
                .object([
                    ("name", .string(s.population.name)),
                    ("neurons", .number(Double(s.neurons))),
                    ("rate_mean_hz", .number(s.rateMean)),
                    ("rate_std_hz", .number(s.rateStd)),
                    ("silent_fraction", .number(s.silentFraction)),
                ])
            })),
            ("parameters", p.configuration),
        ])
    }
}

/// Peak resident memory of this process (VmHWM), if the system reports it.
public func peakResidentMemory() -> Int? {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
    for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let fields = line.split(separator: " ")
        if fields.count >= 2, let kib = Int(fields[1]) { return kib * 1024 }
    }
    return nil
}
