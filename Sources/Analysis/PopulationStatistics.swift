import MicrocircuitModel
import Simulation

/// Each neuron's spikes with time stamps in [begin, end] ms (both ends included), counted
/// chunk by chunk as a run goes.
public struct WindowSpikeCounts: Sendable {
    public private(set) var counts: [Int]
    private let begin: Double
    private var end: Double
    private let resolution: Double

    public init(derived: DerivedParameters, begin: Double, end: Double) {
        counts = [Int](repeating: 0, count: derived.totalNeurons)
        self.begin = begin
        self.end = end
        resolution = derived.resolution
    }

    /// The window's length in seconds.
    public var seconds: Double { (end - begin) * 1e-3 }

    /// Ends the window earlier, at `end` ms, where a stopped run ended: the counts so far
    /// are then the whole window's.
    public mutating func end(at end: Double) {
        self.end = end
    }

    public mutating func add(_ spikes: SpikeTrains) {
        // Time stamp (n + 1) h compared in steps to avoid rounding at the window's edges.
        let firstStep = Int((begin / resolution).rounded(.up)) - 1
        let lastStep = Int((end / resolution).rounded(.down)) - 1
        for (step, neuron) in zip(spikes.steps, spikes.neurons) where Int(step) >= firstStep && Int(step) <= lastStep {
            counts[Int(neuron)] += 1
        }
    }
}

/// Rate statistics of one population over a window, as the reference computes them:
/// single-neuron spike counts in [begin, end] (both ends included) divided by the window
/// length, silent neurons included, standard deviation over neurons (ddof 0).
public struct PopulationStatistics: Equatable, Sendable {
    public var population: Population
    public var neurons: Int
    public var rateMean: Double
    public var rateStd: Double
    public var silentFraction: Double

    /// Statistics of every population from the spikes counted in a window.
    public static func compute(_ window: WindowSpikeCounts, derived: DerivedParameters) -> [PopulationStatistics] {
        Population.allCases.map { population in
            let first = derived.firstNeuron[population.rawValue]
            let n = derived.neuronCounts[population.rawValue]
            let rates = window.counts[first..<(first + n)].map { Double($0) / window.seconds }
            let mean = rates.reduce(0, +) / Double(n)
            let variance = rates.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)
            let silent = Double(rates.filter { $0 == 0 }.count) / Double(n)
            return PopulationStatistics(
                population: population, neurons: n, rateMean: mean, rateStd: variance.squareRoot(), silentFraction: silent)
        }
    }
}
