import Foundation
import MicrocircuitModel
import Simulation

/// Spikes by population, read from an output folder in the reference's layout (ours or
/// NEST's) or taken from a run in memory. Neurons are numbered from 0 within each population.
public struct SpikeData: Sendable {
    public struct PopulationSpikes: Sendable {
        public var name: String
        public var neurons: Int
        /// Neuron (0 ..< neurons) and time (ms) of each spike, sorted by time.
        public var neuron: [Int32] = []
        public var time: [Double] = []

        public init(name: String, neurons: Int) {
            self.name = name
            self.neurons = neurons
        }
    }

    public var populations: [PopulationSpikes]
    /// The simulation phase, when the folder says (our summary.json or the reference's
    /// sim_dict.json): the default analysis window.
    public var window: ClosedRange<Double>?

    public init(populations: [PopulationSpikes], window: ClosedRange<Double>?) {
        self.populations = populations
        self.window = window
    }

    /// From a run in memory.
    public init(_ spikes: SpikeTrains, derived: DerivedParameters) {
        populations = Population.allCases.map {
            PopulationSpikes(name: $0.name, neurons: derived.neuronCounts[$0.rawValue])
        }
        for (step, id) in zip(spikes.steps, spikes.neurons) {
            let p = derived.population(ofNeuron: Int(id)).rawValue
            populations[p].neuron.append(Int32(Int(id) - derived.firstNeuron[p]))
            populations[p].time.append(Double(Int(step) + 1) * derived.resolution)
        }
        let sim = derived.parameters.simulation
        window = sim.tPresim...(sim.tPresim + sim.tSim)
    }

    /// Reads `population_nodeids.dat` and every `spike_recorder-*.dat` of `folder`. The n-th
    /// recorder (by id) belongs to the n-th population, as in the reference.
    public init(folder: String) throws {
        let url = URL(fileURLWithPath: folder)
        func text(_ name: String) throws -> String {
            guard let data = FileManager.default.contents(atPath: url.appendingPathComponent(name).path) else {
                throw OutputError(description: "cannot read '\(name)' in '\(folder)' (not a microcircuit output folder?)")
            }
            return String(decoding: data, as: UTF8.self)
        }
        var ranges: [ClosedRange<Int>] = []
        for line in try text(NESTFormat.populationNodeIDsFileName).split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count == 2, let first = Int(fields[0]), let last = Int(fields[1]), first <= last else {
                throw OutputError(description: "malformed line '\(line)' in \(folder)/\(NESTFormat.populationNodeIDsFileName)")
            }
            ranges.append(first...last)
        }
        let names = ranges.count == Population.count ? Population.names : ranges.indices.map { "P\($0)" }
        populations = zip(names, ranges).map { PopulationSpikes(name: $0, neurons: $1.count) }
        let files = try FileManager.default.contentsOfDirectory(atPath: folder)
            .filter { $0.hasPrefix("spike_recorder-") && $0.hasSuffix(".dat") }
        let recorders = Set(files.compactMap { Int($0.split(separator: "-")[1]) }).sorted()
        guard recorders.count == ranges.count else {
            throw OutputError(description: "'\(folder)' has \(recorders.count) spike recorders for \(ranges.count) populations")
        }
        for file in files {
            guard let recorder = Int(file.split(separator: "-")[1]), let p = recorders.firstIndex(of: recorder) else { continue }
            var lineNumber = 0
            for line in try text(file).split(separator: "\n") {
                lineNumber += 1
                if lineNumber <= 3 { continue }
                let fields = line.split(separator: "\t")
                guard fields.count >= 2, let sender = Int(fields[0]), let time = Double(fields[1]), time.isFinite, ranges[p].contains(sender) else {
                    throw OutputError(description: "malformed spike line \(lineNumber) in \(folder)/\(file): '\(line)'")
                }
                populations[p].neuron.append(Int32(sender - ranges[p].lowerBound))
                populations[p].time.append(time)
            }
        }
        for p in populations.indices {
            let order = populations[p].time.indices.sorted {
                (populations[p].time[$0], populations[p].neuron[$0]) < (populations[p].time[$1], populations[p].neuron[$1])
            }
            populations[p].time = order.map { populations[p].time[$0] }
            populations[p].neuron = order.map { populations[p].neuron[$0] }
        }
        window = SpikeData.simulationWindow(folder: url)
    }

    static func simulationWindow(folder: URL) -> ClosedRange<Double>? {
        for (file, presim, sim) in [("summary.json", "t_presim_ms", "t_sim_ms"), ("sim_dict.json", "t_presim", "t_sim")] {
            guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(file).path),
                  let json = try? JSONValue.parse(data),
                  let a = json[presim]?.finiteNumber, let b = json[sim]?.finiteNumber, a >= 0, b > 0 else { continue }
            return a...(a + b)
        }
        return nil
    }
}
