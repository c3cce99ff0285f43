import Foundation
@testable import MicrocircuitModel
import XCTest

final class PhiloxTests: XCTestCase {
    /// Random123's known-answer vectors for philox4x32_10.
    func testKnownAnswerVectors() {
        let cases: [(Philox.Counter, Philox.Key, Philox.Counter)] = [
            ((0, 0, 0, 0), (0, 0), (0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8)),
            ((0xffff_ffff, 0xffff_ffff, 0xffff_ffff, 0xffff_ffff), (0xffff_ffff, 0xffff_ffff),
             (0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd)),
            ((0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344), (0xa409_3822, 0x299f_31d0),
             (0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1)),
        ]
        for (counter, key, expected) in cases {
            let result = Philox.block(counter, key)
            XCTAssertEqual([result.0, result.1, result.2, result.3], [expected.0, expected.1, expected.2, expected.3])
        }
    }

    func testUniformIndexCoversRangeEvenly() {
        let n = 7
        var histogram = [Int](repeating: 0, count: n)
        let draws = 70_000
        for i in 0..<draws {
            let b = Philox.block((UInt32(i), 0, 0, 0), (1, 2))
            let index = RandomDraw.index(b.0, b.1, below: n)
            XCTAssert((0..<n).contains(index))
            histogram[index] += 1
        }
        // Each bin ~ Binomial(70000, 1/7): sd ~ 92; allow 5 sd.
        for count in histogram { XCTAssertEqual(Double(count), Double(draws) / Double(n), accuracy: 460) }
    }

    func testNormalPairMoments() {
        let draws = 200_000
        var sum = 0.0, sumSquares = 0.0, product = 0.0
        for i in 0..<draws {
            let (a, b) = RandomDraw.normalPair((UInt32(i), 0, 0, 0), (3, 4))
            sum += a + b
            sumSquares += a * a + b * b
            product += a * b
        }
        let n = Double(2 * draws)
        XCTAssertEqual(sum / n, 0, accuracy: 5 / n.squareRoot())
        XCTAssertEqual(sumSquares / n, 1, accuracy: 5 * 2.squareRoot() / n.squareRoot())
        XCTAssertEqual(product / Double(draws), 0, accuracy: 5 / Double(draws).squareRoot())
    }

    func testPoissonMeanAndVariance() {
        for lambda in [0.012, 1.28, 2.32, 10.0] {
            let draws = 100_000
            var sum = 0.0, sumSquares = 0.0
            for i in 0..<draws {
                let block = RandomDraw.poissonBlock(group: i >> 2, step: 7, key: (5, 6))
                let k = Double(RandomDraw.poisson(RandomDraw.word(block, i), PoissonRate(lambda: lambda)))
                sum += k
                sumSquares += k * k
            }
            let mean = sum / Double(draws)
            let variance = sumSquares / Double(draws) - mean * mean
            XCTAssertEqual(mean, lambda, accuracy: 5 * (lambda / Double(draws)).squareRoot(), "lambda \(lambda)")
            XCTAssertEqual(variance, lambda, accuracy: 0.05 * lambda + 0.001, "lambda \(lambda)")
        }
    }

    /// The draw is, by definition, the smallest k with u <= P(X <= k), capped at the table's
    /// last entry; the branch-free count must agree for every mean, including means whose
    /// counts often pass the entries counted without a branch (10) or the table's end (240).
    func testPoissonCountIsTheInverseOfTheTable() {
        for lambda in [0.012, 2.32, 10.0, 240.0] {
            let rate = PoissonRate(lambda: lambda)
            var capped = 0
            for i in 0..<50_000 {
                let word = RandomDraw.word(RandomDraw.poissonBlock(group: i >> 2, step: 3, key: (8, 9)), i)
                let u = RandomDraw.openUnit(word)
                let expected = min(rate.cdf.firstIndex { u <= $0 } ?? PoissonRate.tableSize, PoissonRate.tableSize - 1)
                if expected == PoissonRate.tableSize - 1 { capped += 1 }
                XCTAssertEqual(Int(RandomDraw.poisson(word, rate)), expected, "lambda \(lambda), u \(u)")
            }
            if lambda == 240 { XCTAssertGreaterThan(capped, 0, "the cap is reached") }
        }
    }

    func testUnitConversionsStayInTheirIntervals() {
        XCTAssertGreaterThan(RandomDraw.openUnit(0), 0)
        XCTAssertLessThan(RandomDraw.openUnit(.max), 1)
    }
}

/// The ziggurat's tables and draws against the normal distribution itself.
final class ZigguratTests: XCTestCase {
    /// Every layer has the same area, the top one included (the published r and v close the
    /// ziggurat), and the edges decrease from r to 0.
    func testLayersHaveEqualArea() {
        let x = Ziggurat.x, f = Ziggurat.f
        XCTAssertEqual(x[1], 3.442619855899)
        for i in 1..<Ziggurat.layers {
            XCTAssertGreaterThan(x[i], x[i + 1])
            XCTAssertEqual(x[i] * (f[i + 1] - f[i]), Ziggurat.area, accuracy: Ziggurat.area * 1e-6, "layer \(i)")
        }
        // The base layer: the rectangle under f(r) plus the tail beyond r.
        let tail = (Double.pi / 2).squareRoot() * erfc(x[1] / 2.squareRoot())
        XCTAssertEqual(x[1] * f[0] + tail, Ziggurat.area, accuracy: Ziggurat.area * 1e-6)
    }

    /// Kolmogorov-Smirnov against Phi over 400,000 draws (critical value at the 0.1 % level),
    /// and the tail beyond r, the part drawn by a separate algorithm, as often as Phi says.
    func testDrawsFollowTheNormalDistribution() {
        let n = 200_000
        var draws: [Double] = []
        draws.reserveCapacity(2 * n)
        for i in 0..<n {
            let (a, b) = RandomDraw.normalPair((UInt32(i), 7, 0, 0), (8, 9))
            draws += [a, b]
        }
        draws.sort()
        var largest = 0.0
        for (i, z) in draws.enumerated() {
            let cdf = 0.5 * erfc(-z / 2.squareRoot())
            largest = max(largest, abs(cdf - Double(i) / Double(draws.count)), abs(cdf - Double(i + 1) / Double(draws.count)))
        }
        XCTAssertLessThan(largest, 1.95 / Double(draws.count).squareRoot(), "KS distance")
        let beyond = Double(draws.filter { abs($0) > Ziggurat.x[1] }.count)
        let expected = Double(draws.count) * erfc(Ziggurat.x[1] / 2.squareRoot())
        XCTAssertEqual(beyond, expected, accuracy: 5 * expected.squareRoot(), "draws in the tails")
    }
}
