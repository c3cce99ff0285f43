import MicrocircuitModel
import Simulation

/// Rate statistics of one population over a window, as the reference computes them:
/// single-neuron spike counts in [begin, end] (both ends included) divided by the window
/// length, silent neurons included, standard deviation over neurons (ddof 0).
public struct PopulationStatistics: Equatable, Sendable {
    public var population: Population
    public var neurons: Int
    public var rateMean: Double
    public var rateStd: Double
    public var silentFraction: Double

    /// Statistics of every population for spikes whose time stamps lie in [begin, end] ms.
    public static func compute(
        spikes: SpikeTrains, derived: DerivedParameters, begin: Double, end: Double
    ) -> [PopulationStatistics] {
        let h = derived.resolution
        var counts = [Int](repeating: 0, count: derived.totalNeurons)
        // Time stamp (n + 1) h compared in steps to avoid rounding at the window's edges.
        let firstStep = Int((begin / h).rounded(.up)) - 1
        let lastStep = Int((end / h).rounded(.down)) - 1
        for (step, neuron) in zip(spikes.steps, spikes.neurons) where Int(step) >= firstStep && Int(step) <= lastStep {
            counts[Int(neuron)] += 1
        }
        let seconds = (end - begin) * 1e-3
        return Population.allCases.map { population in
            let first = derived.firstNeuron[population.rawValue]
            let n = derived.neuronCounts[population.rawValue]
            let rates = counts[first..<(first + n)].map { Double($0) / seconds }
            let mean = rates.reduce(0, +) / Double(n)
            let variance = rates.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)
            let silent = Double(rates.filter { $0 == 0 }.count) / Double(n)
            return PopulationStatistics(
                population: population, neurons: n, rateMean: mean, rateStd: variance.squareRoot(), silentFraction: silent)
        }
    }
}
