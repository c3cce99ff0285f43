import Foundation

/// Philox4x32-10 (Salmon et al. 2011, Random123): a counter-based generator. Every random
/// number in a simulation is `philox(counter, key)` for a counter that names the item it is
/// for (a synapse, a neuron and step, ...), so no draw depends on thread count or order.
/// `kernels/philox.cl` implements the same function.
public enum Philox {
    public typealias Counter = (UInt32, UInt32, UInt32, UInt32)
    public typealias Key = (UInt32, UInt32)

    @inlinable @inline(__always)
    public static func block(_ counter: Counter, _ key: Key) -> Counter {
        var c = counter
        var k0 = key.0
        var k1 = key.1
        for round in 0..<10 {
            if round > 0 {
                k0 &+= 0x9E37_79B9
                k1 &+= 0xBB67_AE85
            }
            let p0 = UInt64(0xD251_1F53) &* UInt64(c.0)
            let p1 = UInt64(0xCD9E_8D57) &* UInt64(c.2)
            c = (
                UInt32(truncatingIfNeeded: p1 >> 32) ^ c.1 ^ k0,
                UInt32(truncatingIfNeeded: p1),
                UInt32(truncatingIfNeeded: p0 >> 32) ^ c.3 ^ k1,
                UInt32(truncatingIfNeeded: p0)
            )
        }
        return c
    }
}

/// The independent random streams of a simulation. The stream is the second key word; the
/// seed is the first.
public enum RandomStream: UInt32, Sendable {
    case connectionEndpoints = 1
    case synapseParameters = 2
    case weightRedraw = 3
    case delayRedraw = 4
    case initialPotential = 5
    case backgroundPoisson = 6
    case thalamicPoisson = 7

    @inlinable @inline(__always)
    public func key(seed: UInt32) -> Philox.Key { (seed, rawValue) }
}

/// Conversions from Philox output words to distributions. Each is a pure function of its
/// words, so the same words give the same value on every backend.
public enum RandomDraw {
    /// Uniform integer in [0, n) from 64 random bits (bias below n / 2^64).
    @inlinable @inline(__always)
    public static func index(_ hi: UInt32, _ lo: UInt32, below n: Int) -> Int {
        let bits = UInt64(hi) << 32 | UInt64(lo)
        return Int(bits.multipliedFullWidth(by: UInt64(n)).high)
    }

    /// Uniform double in (0, 1) from 32 bits: exact in double, so kernels reproduce it.
    @inlinable @inline(__always)
    public static func openUnit(_ word: UInt32) -> Double {
        (Double(word) + 0.5) * 0x1p-32
    }

    /// Two independent standard normal values (`Ziggurat`) from the blocks of `counter`:
    /// usually just its first block; rare draws continue with the blocks whose counter has
    /// the retry number in the top byte of its last word (callers keep that word below 2^24).
    @inlinable @inline(__always)
    public static func normalPair(_ counter: Philox.Counter, _ key: Philox.Key) -> (Double, Double) {
        var words = Ziggurat.Words(counter, key)
        let first = Ziggurat.draw(&words)
        return (first, Ziggurat.draw(&words))
    }

    /// The Philox block that holds the Poisson words of items 4g ... 4g+3 in `step`: one
    /// block serves four neurons (or thalamic neurons), each taking word `item % 4`.
    @inlinable @inline(__always)
    public static func poissonBlock(group: Int, step: Int, key: Philox.Key) -> Philox.Counter {
        Philox.block((UInt32(truncatingIfNeeded: group), UInt32(truncatingIfNeeded: step), 0, 0), key)
    }

    @inlinable @inline(__always)
    public static func word(_ block: Philox.Counter, _ lane: Int) -> UInt32 {
        switch lane & 3 {
        case 0: return block.0
        case 1: return block.1
        case 2: return block.2
        default: return block.3
        }
    }

    /// A Poisson count by inversion of the CDF with one uniform: the smallest k with
    /// u <= P(X <= k), read from the rate's precomputed table (counts capped at its end).
    @inlinable @inline(__always)
    public static func poisson(_ word: UInt32, _ rate: PoissonRate) -> UInt32 {
        rate.cdf.withUnsafeBufferPointer { poisson(word, cdf: $0.baseAddress!) }
    }

    /// The same, on a table of `PoissonRate.tableSize` entries (no array access per draw).
    /// The table rises monotonically, so the count is the number of its entries below u
    /// (up to the last entry); the first `PoissonRate.countedWithoutBranches` are counted
    /// without a branch (a search loop mispredicts about once per draw), and the search goes
    /// on only if they are all below u. (The comparison's byte, 0 or 1, is added: with
    /// `? 1 : 0` the CPU backend ran at RTF 0.39 instead of 0.27 at scale 0.1.)
    @inlinable @inline(__always)
    public static func poisson(_ word: UInt32, cdf: UnsafePointer<Double>) -> UInt32 {
        let u = openUnit(word)
        var k = 0
        for entry in 0..<PoissonRate.countedWithoutBranches { k &+= Int(unsafeBitCast(u > cdf[entry], to: UInt8.self)) }
        if k == PoissonRate.countedWithoutBranches {
            while k < PoissonRate.tableSize - 1 && u > cdf[k] { k += 1 }
        }
        return UInt32(k)
    }
}

/// A per-step Poisson count: its mean and its cumulative distribution P(X <= k) for
/// k < tableSize, computed once on the host (terms p_k = p_(k-1) * lambda / k, summed in
/// order) and handed to every backend, so all invert the same table.
public struct PoissonRate: Sendable, Equatable {
    public static let tableSize = 256
    /// Entries that every draw compares with u (`RandomDraw.poisson`): counts of at least
    /// 8 have probability 0.003 at the model's largest mean, 2.3 (L6E).
    public static let countedWithoutBranches = 8
    public let lambda: Double

    /// The largest count any draw gives: the draw's for the largest word (it rises with the
    /// word).
    public var largestCount: UInt32 { RandomDraw.poisson(.max, self) }
    public let cdf: [Double]

    public init(lambda: Double) {
        self.lambda = lambda
        var term = exp(-lambda)
        var cumulative = term
        var table = [cumulative]
        for k in 1..<PoissonRate.tableSize {
            term = term * lambda / Double(k)
            cumulative += term
            table.append(cumulative)
        }
        cdf = table
    }
}
