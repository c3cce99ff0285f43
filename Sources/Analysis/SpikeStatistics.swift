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
    /// Counts are kept per occupied bin only, so memory and time grow with the spikes, not
    /// with the window's length: the correlation is (sum of a_k b_k - n_a n_b / B) over the
    /// square root of the product of (sum of a_k^2 - n^2 / B), for B bins and n spikes.
    static func pairwiseCorrelations(_ trains: [[Double]], window: ClosedRange<Double>, bin: Double) -> [Double] {
        let bins = max(1, ((window.upperBound - window.lowerBound) / bin).rounded(.up))
        struct Counts {
            var bins: [Int] = []
            var counts: [Double] = []
            var spread = 0.0
        }
        let occupied: [Counts?] = trains.map { train in
            var c = Counts()
            // In time order, so that each occupied bin is one entry (the merge below needs it).
            for t in train.sorted() {
                let k = Int(min(bins - 1, ((t - window.lowerBound) / bin).rounded(.down)))
                if c.bins.last == k { c.counts[c.counts.count - 1] += 1 } else { c.bins.append(k); c.counts.append(1) }
            }
            let n = Double(train.count)
            c.spread = c.counts.reduce(0) { $0 + $1 * $1 } - n * n / bins
            return c.spread > 0 ? c : nil
        }
        var result: [Double] = []
        for i in occupied.indices {
            guard let a = occupied[i] else { continue }
            let na = Double(trains[i].count)
            for j in (i + 1)..<occupied.count {
                guard let b = occupied[j] else { continue }
                var products = 0.0
                var x = 0, y = 0
                while x < a.bins.count && y < b.bins.count {
                    if a.bins[x] < b.bins[y] { x += 1 } else if a.bins[x] > b.bins[y] { y += 1 } else {
                        products += a.counts[x] * b.counts[y]
                        x += 1
                        y += 1
                    }
                }
                let r = (products - na * Double(trains[j].count) / bins) / (a.spread * b.spread).squareRoot()
                result.append(min(1, max(-1, r)))
            }
        }
        return result
    }
}
