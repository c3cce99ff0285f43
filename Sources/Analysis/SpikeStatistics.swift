import Foundation
import MicrocircuitModel

/// The validation statistics of one run, per population, over one window: single-neuron
/// rates (silent neurons included), ISI CVs (neurons with at least 3 spikes in the window),
/// pairwise Pearson correlations of spike counts in 2 ms bins over a seeded subsample of
/// neurons (pairs with a silent member have no correlation and are left out), and the PSTH.
public struct SpikeStatistics: Sendable {
    public struct PopulationStatistics: Sendable {
        public var name: String
        public var neurons: Int
        /// Neurons without a spike in the window (exact; the lowest rate bin also holds rates
        /// below its width).
        public var silent: Int
        public var rates: Distribution
        public var cvs: Distribution
        public var correlations: Distribution
        /// Population rate (spikes per neuron per second) in consecutive bins of the window.
        public var psth: [Double]
    }

    public struct Options: Sendable {
        public var window: ClosedRange<Double>
        public var correlationNeurons = 200
        public var correlationBin = 2.0
        public var psthBin = 5.0
        public var seed: UInt32 = 1

        public init(window: ClosedRange<Double>) { self.window = window }
    }

    public var options: Options
    public var populations: [PopulationStatistics]

    public init(options: Options, populations: [PopulationStatistics]) {
        self.options = options
        self.populations = populations
    }

    public init(_ data: SpikeData, options: Options) {
        self.options = options
        populations = data.populations.enumerated().map { index, p in
            SpikeStatistics.analyse(p, index: index, options: options)
        }
    }

    static func analyse(_ p: SpikeData.PopulationSpikes, index: Int, options o: Options) -> PopulationStatistics {
        let duration = o.window.upperBound - o.window.lowerBound
        var trains = [[Double]](repeating: [], count: p.neurons)
        for (neuron, time) in zip(p.neuron, p.time) where o.window.contains(time) {
            trains[Int(neuron)].append(time)
        }
        let rates = Distribution(trains.map { Double($0.count) * 1000 / duration }, grid: .rate)
        var cvs = Distribution(grid: .cv)
        for train in trains where train.count >= 3 {
            let intervals = zip(train.dropFirst(), train).map { $0 - $1 }
            let mean = intervals.reduce(0, +) / Double(intervals.count)
            let variance = intervals.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(intervals.count)
            cvs.add(variance.squareRoot() / mean)
        }
        let sample = subsample(p.neurons, count: o.correlationNeurons, seed: o.seed, population: index)
        let correlations = Distribution(
            pairwiseCorrelations(sample.map { trains[$0] }, window: o.window, bin: o.correlationBin), grid: .correlation)
        let psthBins = max(1, Int((duration / o.psthBin).rounded(.up)))
        var psth = [Double](repeating: 0, count: psthBins)
        for train in trains {
            for t in train { psth[min(psthBins - 1, Int((t - o.window.lowerBound) / o.psthBin))] += 1 }
        }
        psth = psth.map { $0 * 1000 / (o.psthBin * Double(max(1, p.neurons))) }
        return PopulationStatistics(name: p.name, neurons: p.neurons, silent: trains.filter(\.isEmpty).count,
                                    rates: rates, cvs: cvs, correlations: correlations, psth: psth)
    }

    /// `count` distinct neurons of 0..<n (all if n <= count), drawn by a Philox-keyed
    /// Fisher-Yates shuffle so the same seed picks the same neurons everywhere.
    static func subsample(_ n: Int, count: Int, seed: UInt32, population: Int) -> [Int] {
        var order = Array(0..<n)
        guard n > count else { return order }
        for i in 0..<count {
            let block = Philox.block((UInt32(i), UInt32(population), 0, 0), (seed, 0xC0FFEE))
            let j = i + RandomDraw.index(block.0, block.1, below: n - i)
            order.swapAt(i, j)
        }
        return Array(order[0..<count]).sorted()
    }

    /// Pearson correlation of spike counts for every pair of trains, in bins of `bin` ms from
    /// the window's start (the last bin closes at the window's end).
    static func pairwiseCorrelations(_ trains: [[Double]], window: ClosedRange<Double>, bin: Double) -> [Double] {
        let bins = max(1, Int(((window.upperBound - window.lowerBound) / bin).rounded(.up)))
        let centred: [[Double]?] = trains.map { train in
            var counts = [Double](repeating: 0, count: bins)
            for t in train { counts[min(bins - 1, Int((t - window.lowerBound) / bin))] += 1 }
            let mean = counts.reduce(0, +) / Double(bins)
            let c = counts.map { $0 - mean }
            let norm = c.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return norm > 0 ? c.map { $0 / norm } : nil
        }
        var result: [Double] = []
        for i in centred.indices {
            guard let a = centred[i] else { continue }
            for j in (i + 1)..<centred.count {
                guard let b = centred[j] else { continue }
                var dot = 0.0
                for k in 0..<bins { dot += a[k] * b[k] }
                result.append(dot)
            }
        }
        return result
    }
}
