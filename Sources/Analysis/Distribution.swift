import MicrocircuitModel

/// Values binned on a fixed grid, so that runs can be stored compactly and compared exactly
/// at the grid's resolution. Each statistic has its own grid (`Grid`).
public struct Distribution: Equatable, Sendable {
    public struct Grid: Equatable, Sendable {
        public var lower: Double
        public var width: Double
        public var bins: Int

        public init(lower: Double, width: Double, bins: Int) {
            self.lower = lower
            self.width = width
            self.bins = bins
        }

        /// Single-neuron rates: 0.1 /s bins up to 500 /s (rates over a whole number of
        /// seconds fall exactly on the grid).
        public static let rate = Grid(lower: 0, width: 0.1, bins: 5000)
        /// ISI coefficients of variation: 0.01 bins up to 10.
        public static let cv = Grid(lower: 0, width: 0.01, bins: 1000)
        /// Pairwise correlation coefficients: 0.002 bins over [-1, 1].
        public static let correlation = Grid(lower: -1, width: 0.002, bins: 1000)

        /// The bin of x; values outside the grid go to its first or last bin. The small
        /// offset keeps values that lie on an edge in the bin they start.
        @inline(__always)
        public func bin(_ x: Double) -> Int {
            min(bins - 1, max(0, Int(((x - lower) / width + 1e-9).rounded(.down))))
        }
    }

    public var grid: Grid
    public var counts: [Int]
    /// Exact sum and sum of squares of the values (the bins lose them).
    public var sum = 0.0
    public var sumOfSquares = 0.0

    public init(grid: Grid) {
        self.grid = grid
        counts = [Int](repeating: 0, count: grid.bins)
    }

    public init(_ values: [Double], grid: Grid) {
        self.init(grid: grid)
        for x in values { add(x) }
    }

    public mutating func add(_ x: Double) {
        counts[grid.bin(x)] += 1
        sum += x
        sumOfSquares += x * x
    }

    public var count: Int { counts.reduce(0, +) }
    public var mean: Double { count == 0 ? .nan : sum / Double(count) }
    /// Standard deviation over the values (ddof 0, as numpy's default).
    public var standardDeviation: Double {
        count == 0 ? .nan : max(0, sumOfSquares / Double(count) - mean * mean).squareRoot()
    }

    /// Pools several distributions on the same grid.
    public static func pooled(_ parts: [Distribution]) -> Distribution {
        var total = Distribution(grid: parts[0].grid)
        for part in parts {
            precondition(part.grid == total.grid)
            for i in part.counts.indices { total.counts[i] += part.counts[i] }
            total.sum += part.sum
            total.sumOfSquares += part.sumOfSquares
        }
        return total
    }

    /// Empirical cumulative distribution at each bin's upper edge.
    var cumulative: [Double] {
        let n = Double(count)
        var running = 0
        return counts.map { running += $0; return Double(running) / n }
    }

    /// Kolmogorov-Smirnov distance: the largest gap between the two empirical CDFs (at bin
    /// resolution). NaN when either is empty.
    public func ksDistance(to other: Distribution) -> Double {
        precondition(grid == other.grid)
        guard count > 0 && other.count > 0 else { return .nan }
        return zip(cumulative, other.cumulative).map { abs($0 - $1) }.max()!
    }

    /// Earth mover's (1-Wasserstein) distance, in the statistic's unit: the area between the
    /// two CDFs.
    public func earthMoversDistance(to other: Distribution) -> Double {
        precondition(grid == other.grid)
        guard count > 0 && other.count > 0 else { return .nan }
        return zip(cumulative, other.cumulative).map { abs($0 - $1) }.reduce(0, +) * grid.width
    }

    /// Sparse JSON: the grid, [bin, count] pairs for non-empty bins, and the exact moments.
    public var json: JSONValue {
        .object([
            ("lower", .number(grid.lower)), ("width", .number(grid.width)), ("bins", .number(Double(grid.bins))),
            ("n", .number(Double(count))), ("mean", .number(mean)), ("std", .number(standardDeviation)),
            ("sum", .number(sum)), ("sum_of_squares", .number(sumOfSquares)),
            ("counts", .array(counts.enumerated().filter { $0.1 > 0 }.map { .array([.number(Double($0.0)), .number(Double($0.1))]) })),
        ])
    }

    /// The largest grid a statistics file may ask for (the grids above have at most 5,000).
    static let mostBins = 1_000_000

    public init(json: JSONValue) throws {
        guard let lower = json["lower"]?.finiteNumber, let width = json["width"]?.finiteNumber, width > 0,
              let bins = json["bins"]?.wholeNumber, (1...Self.mostBins).contains(bins),
              case let .array(pairs)? = json["counts"] else {
            throw OutputError(description: "malformed distribution in a statistics file (a finite lower end, a positive width, 1 to \(Self.mostBins) bins and counts)")
        }
        self.init(grid: Grid(lower: lower, width: width, bins: bins))
        for pair in pairs {
            guard case let .array(entry) = pair, entry.count == 2, let bin = entry[0].wholeNumber, let n = entry[1].wholeNumber,
                  counts.indices.contains(bin), n >= 0 else {
                throw OutputError(description: "malformed distribution counts in a statistics file")
            }
            counts[bin] = n
        }
        if let s = json["sum"]?.finiteNumber { sum = s }
        if let s = json["sum_of_squares"]?.finiteNumber { sumOfSquares = s }
    }
}
