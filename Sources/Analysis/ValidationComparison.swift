import Foundation
import MicrocircuitModel

/// Compares runs with reference runs, per population and statistic, by the reference
/// repository's protocol (Dasbach et al. 2021): Kolmogorov-Smirnov distances between
/// realizations.
///
/// The rule, in two steps, both calibrated on the reference alone:
/// 1. A row (population and statistic) lies inside when the mean KS distance between our
///    runs and the reference runs is at most the largest KS distance between two reference
///    runs. If both simulators run the same model, a distance between one of ours and one of
///    theirs is just another distance between two realizations; averaging over the cross
///    pairs shrinks its noise, and the largest pairwise reference distance bounds what seeds
///    alone produce. A distribution empty on one side only (e.g. no neuron with 3 spikes) is
///    outside; empty on both sides is inside.
/// 2. With 24 rows some fall outside by chance even for the same model, so the comparison
///    passes when no more rows are outside than for the most atypical reference run judged
///    the same way against the other reference runs (leave one out). A model difference shows
///    as more rows outside than NEST's own seeds ever produce.
public struct ValidationComparison: Sendable {
    public enum Statistic: String, CaseIterable, Sendable {
        case rates, cvs, correlations

        func distribution(_ p: SpikeStatistics.PopulationStatistics) -> Distribution {
            switch self {
            case .rates: return p.rates
            case .cvs: return p.cvs
            case .correlations: return p.correlations
            }
        }
    }

    public struct Row: Sendable {
        public var population: String
        public var statistic: Statistic
        /// Mean KS and EMD over all (ours, reference) pairs.
        public var ks: Double
        public var emd: Double
        /// KS distances between reference runs: their mean and their maximum (the bound).
        public var referenceKSMean: Double
        public var referenceKSMax: Double
        public var referenceEMDMax: Double
        public var passes: Bool
    }

    public let rows: [Row]
    /// Rows outside for each reference run judged against the other reference runs.
    public let referenceOutside: [Int]
    /// Why the runs and the references may not compare like with like: windows of other
    /// lengths (every statistic depends on the window's length: a rate's spread, the ISIs a
    /// CV sees, the counts a correlation bins), or populations of other sizes (another scale).
    public let caveats: [String]
    public var outside: Int { rows.filter { !$0.passes }.count }
    public var allowedOutside: Int { referenceOutside.max() ?? 0 }
    public var passes: Bool { outside <= allowedOutside }

    public init(runs: [SpikeStatistics], references: [SpikeStatistics]) throws {
        guard !runs.isEmpty else { throw OutputError(description: "compare needs at least one run") }
        guard references.count >= 3 else {
            throw OutputError(description: "compare needs at least three reference runs to know their seed-to-seed spread")
        }
        let names = references[0].populations.map(\.name)
        for stats in runs + references where stats.populations.map(\.name) != names {
            throw OutputError(description: "runs and references have different populations")
        }
        caveats = Self.caveats(runs: runs, references: references, names: names)
        rows = Self.rows(runs: runs, references: references, names: names)
        referenceOutside = references.indices.map { i in
            var others = references
            let left = others.remove(at: i)
            return Self.rows(runs: [left], references: others, names: names).filter { !$0.passes }.count
        }
    }

    /// Ways in which the runs and the references differ that make their comparison say
    /// little (see `caveats`).
    static func caveats(runs: [SpikeStatistics], references: [SpikeStatistics], names: [String]) -> [String] {
        func length(_ s: SpikeStatistics) -> Double { s.options.window.upperBound - s.options.window.lowerBound }
        func lengths(_ stats: [SpikeStatistics]) -> String { Set(stats.map(length)).sorted().map { String(format: "%g", $0) }.joined(separator: "/") }
        func sizes(_ stats: [SpikeStatistics], _ p: Int) -> String { Set(stats.map { $0.populations[p].neurons }).sorted().map(String.init).joined(separator: "/") }
        var caveats: [String] = []
        let all = (runs + references).map(length)
        if let shortest = all.min(), let longest = all.max(), longest - shortest > 1e-9 * longest {
            caveats.append("the runs' windows last \(lengths(runs)) ms and the references' \(lengths(references)) ms: every statistic depends on the window's length, so compare windows of one length (--begin, --end)")
        }
        if let p = names.indices.first(where: { p in Set((runs + references).map { $0.populations[p].neurons }).count > 1 }) {
            caveats.append("the populations' sizes differ (\(names[p]): \(sizes(runs, p)) neurons in the runs, \(sizes(references, p)) in the references): runs of another scale compare with references of another network")
        }
        return caveats
    }

    static func rows(runs: [SpikeStatistics], references: [SpikeStatistics], names: [String]) -> [Row] {
        var rows: [Row] = []
        for (p, name) in names.enumerated() {
            for statistic in Statistic.allCases {
                let ours = runs.map { statistic.distribution($0.populations[p]) }
                let theirs = references.map { statistic.distribution($0.populations[p]) }
                var crossKS: [Double] = [], crossEMD: [Double] = [], refKS: [Double] = [], refEMD: [Double] = []
                for a in ours { for b in theirs { crossKS.append(a.ksDistance(to: b)); crossEMD.append(a.earthMoversDistance(to: b)) } }
                for i in theirs.indices { for j in theirs.indices where j > i {
                    refKS.append(theirs[i].ksDistance(to: theirs[j]))
                    refEMD.append(theirs[i].earthMoversDistance(to: theirs[j]))
                } }
                let oursEmpty = ours.allSatisfy { $0.count == 0 }, theirsEmpty = theirs.allSatisfy { $0.count == 0 }
                let ks = Self.mean(crossKS), bound = refKS.filter { !$0.isNaN }.max() ?? .nan
                let passes = oursEmpty && theirsEmpty ? true
                    : oursEmpty != theirsEmpty || ks.isNaN ? false
                    : ks <= bound
                rows.append(Row(population: name, statistic: statistic, ks: ks, emd: Self.mean(crossEMD),
                                referenceKSMean: Self.mean(refKS), referenceKSMax: bound,
                                referenceEMDMax: refEMD.filter { !$0.isNaN }.max() ?? .nan, passes: passes))
            }
        }
        return rows
    }

    static func mean(_ values: [Double]) -> Double {
        let finite = values.filter { !$0.isNaN }
        return finite.isEmpty ? .nan : finite.reduce(0, +) / Double(finite.count)
    }

    /// One line per population and statistic.
    public var table: String {
        func f(_ x: Double) -> String { x.isNaN ? "     -" : String(format: "%6.3f", x) }
        var lines = ["population statistic     KS  ref KS mean  ref KS max     EMD  result"]
        for r in rows {
            lines.append(r.population.padding(toLength: 11, withPad: " ", startingAt: 0)
                + r.statistic.rawValue.padding(toLength: 13, withPad: " ", startingAt: 0)
                + "\(f(r.ks))       \(f(r.referenceKSMean))      \(f(r.referenceKSMax))  \(String(format: "%6.3g", r.emd))  \(r.passes ? "ok" : "OUTSIDE")")
        }
        lines.append("\(outside) of \(rows.count) rows outside; reference runs judged against the others: \(referenceOutside.map(String.init).joined(separator: ", ")) outside (at most \(allowedOutside))")
        lines.append(passes ? "PASS: within the reference's seed-to-seed spread" : "FAIL: more rows outside than any reference run")
        return lines.joined(separator: "\n")
    }
}
