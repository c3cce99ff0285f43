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
            let path = url.appendingPathComponent(file)
            let data: Data
            do {
                // Mapped, not read: a long run's files can be gigabytes.
                data = try Data(contentsOf: path, options: .alwaysMapped)
            } catch {
                throw OutputError(description: "cannot read '\(file)' in '\(folder)': \(error.localizedDescription)")
            }
            try data.withUnsafeBytes { bytes in
                try Self.forEachSpikeLine(bytes) { lineNumber, line in
                    guard let (sender, time) = Self.spikeFields(line), ranges[p].contains(sender) else {
                        throw OutputError(description: "malformed spike line \(lineNumber) in \(folder)/\(file): '\(String(decoding: line, as: UTF8.self))'")
                    }
                    populations[p].neuron.append(Int32(sender - ranges[p].lowerBound))
                    populations[p].time.append(time)
                }
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

    /// Calls `body` with the number and bytes of each non-empty line after the three header
    /// lines (a carriage return before the newline is dropped), without copying the file.
    static func forEachSpikeLine(_ bytes: UnsafeRawBufferPointer, _ body: (Int, UnsafeRawBufferPointer) throws -> Void) rethrows {
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
            lineNumber += 1
            var last = end
            if last > start && bytes[last - 1] == UInt8(ascii: "\r") { last -= 1 }
            if lineNumber > 3 && last > start {
                try body(lineNumber, UnsafeRawBufferPointer(rebasing: bytes[start..<last]))
            }
            start = end + 1
        }
    }

    /// Sender and finite time of a `sender<TAB>time[<TAB>...]` line.
    static func spikeFields(_ line: UnsafeRawBufferPointer) -> (Int, Double)? {
        guard let tab = line.firstIndex(of: UInt8(ascii: "\t")), tab > 0, tab <= 18 else { return nil }
        var sender = 0
        for byte in line[..<tab] {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            sender = 10 * sender + Int(byte - UInt8(ascii: "0"))
        }
        let timeEnd = line[(tab + 1)...].firstIndex(of: UInt8(ascii: "\t")) ?? line.count
        guard let time = Double(String(decoding: UnsafeRawBufferPointer(rebasing: line[(tab + 1)..<timeEnd]), as: UTF8.self)), time.isFinite else { return nil }
        return (sender, time)
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
