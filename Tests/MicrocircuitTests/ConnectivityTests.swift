import Connectivity
import Foundation
import MicrocircuitModel
import XCTest

final class ConnectivityTests: XCTestCase {
    static func derived(scale: Double = 0.05, thalamic: Bool = true, seed: UInt32 = 11) throws -> DerivedParameters {
        var p = ModelParameters()
        p.network.nScaling = scale
        p.network.kScaling = scale
        p.stimulus.thalamicInput = thalamic
        p.simulation.seed = seed
        return try DerivedParameters(p)
    }

    /// Synapses by (target population, source population), thalamic sources as source 8.
    func census(_ table: SynapseTable, _ d: DerivedParameters) -> [[[Int]]] {
        var byPair = [[[Int]]](repeating: [[Int]](repeating: [], count: 9), count: 8)
        for source in 0..<table.sourceCount {
            let sourcePopulation = source < d.totalNeurons ? d.population(ofNeuron: source).rawValue : 8
            for i in table.row(source) {
                byPair[d.population(ofNeuron: Int(table.targets[i])).rawValue][sourcePopulation].append(i)
            }
        }
        return byPair
    }

    func testCountsWeightsAndDelaysFollowTheModel() throws {
        let d = try Self.derived()
        let table = try NetworkBuilder.build(d, threads: 2)
        let net = d.parameters.network
        let h = d.resolution
        XCTAssertEqual(table.sourceCount, d.totalNeurons + 902)
        XCTAssertEqual(table.synapseCount, d.totalSynapses + d.thalamicSynapseCounts.reduce(0, +))
        let pairs = census(table, d)
        for target in 0..<8 {
            XCTAssertEqual(pairs[target][8].count, d.thalamicSynapseCounts[target])
            for source in 0..<9 {
                let synapses = pairs[target][source]
                if source < 8 { XCTAssertEqual(synapses.count, d.synapseCounts[target][source], "pair \(target) <- \(source)") }
                guard synapses.count > 1000 else { continue }
                let n = Double(synapses.count)
                let mean = source < 8 ? d.meanWeights[target][source] : d.thalamicWeight
                let weights = synapses.map { Double(table.weights[$0]) * FixedPointWeight.picoamperePerUnit }
                let weightMean = weights.reduce(0, +) / n
                let weightSD = (weights.map { ($0 - weightMean) * ($0 - weightMean) }.reduce(0, +) / n).squareRoot()
                let std = abs(mean) * net.weightRelativeStd
                XCTAssertEqual(weightMean, mean, accuracy: 5 * std / n.squareRoot(), "weight mean \(target) <- \(source)")
                XCTAssertEqual(weightSD, std, accuracy: 5 * std / (2 * n).squareRoot(), "weight sd \(target) <- \(source)")
                XCTAssertTrue(weights.allSatisfy { mean >= 0 ? $0 >= 0 : $0 <= 0 }, "weight sign \(target) <- \(source)")

                // Delays: N(mean, mean/2) redrawn below h/2, rounded. Compare with that
                // distribution's own mean, computed by numerical integration.
                let delayMean = source == 8 || Population(rawValue: source)!.isExcitatory ? 1.5 : 0.75
                let expected = expectedRoundedDelay(mean: delayMean, std: delayMean / 2, h: h)
                let delays = synapses.map { Double(table.delays[$0]) }
                XCTAssertTrue(delays.allSatisfy { $0 >= 1 }, "no delay below one step")
                XCTAssertEqual(delays.reduce(0, +) / n, expected, accuracy: 5 * delayMean / 2 / h / n.squareRoot() + 0.01,
                               "delay mean \(target) <- \(source)")
            }
        }
    }

    /// Mean of round(X / h) for X ~ N(mean, std) conditioned on X >= h / 2.
    func expectedRoundedDelay(mean: Double, std: Double, h: Double) -> Double {
        var weighted = 0.0, total = 0.0
        let dx = std / 2000
        var x = h / 2 + dx / 2
        while x < mean + 10 * std {
            let density = exp(-0.5 * ((x - mean) / std) * ((x - mean) / std))
            weighted += density * (x / h).rounded()
            total += density
            x += dx
        }
        return weighted / total
    }

    /// The share of recurrent synapses at each delay in steps, by excitatory and inhibitory
    /// source, against NEST's own (`delays.json`: the reference's connect() at scale 0.1, its
    /// delays read back), within 5 standard errors of the difference of two samples. This
    /// pins down what NEST does with a drawn delay (redrawn below half a step, then rounded
    /// to the nearest step) by NEST's own output: a builder that rounds down fails it.
    func testDelaysAreDistributedAsNESTBuildsThem() throws {
        struct Document: Decodable { var n_scaling: Double; var synapses_by_delay_steps: [String: [String: Int]] }
        let nest = try fixture("delays.json", as: Document.self)
        let d = try Self.derived(scale: nest.n_scaling, thalamic: false)
        let table = try NetworkBuilder.build(d, threads: 2)
        var ours = ["excitatory": [Int: Int](), "inhibitory": [Int: Int]()]
        for source in 0..<d.totalNeurons {
            let kind = d.population(ofNeuron: source).isExcitatory ? "excitatory" : "inhibitory"
            for i in table.row(source) { ours[kind]![Int(table.delays[i]), default: 0] += 1 }
        }
        for (kind, theirs) in nest.synapses_by_delay_steps {
            let mine = try XCTUnwrap(ours[kind])
            let nestTotal = Double(theirs.values.reduce(0, +)), ourTotal = Double(mine.values.reduce(0, +))
            let steps = Set(mine.keys).union(theirs.keys.compactMap { Int($0) })
            XCTAssertGreaterThan(steps.count, 20, kind)
            for step in steps {
                let p = Double(theirs[String(step)] ?? 0) / nestTotal, q = Double(mine[step] ?? 0) / ourTotal
                let pooled = (p * nestTotal + q * ourTotal) / (nestTotal + ourTotal)
                let standardError = (pooled * (1 - pooled) * (1 / nestTotal + 1 / ourTotal)).squareRoot()
                XCTAssertEqual(q, p, accuracy: 5 * standardError + 1e-6, "\(kind) sources, delay \(step) steps")
            }
        }
        // Each ring has a slot per step of its sources' longest delay, and one more (no weight
        // here rounds to zero, which would send an inhibitory synapse to the excitatory ring).
        XCTAssertFalse(table.weights.contains(0))
        let longest = (excitatory: try XCTUnwrap(ours["excitatory"]?.keys.max()), inhibitory: try XCTUnwrap(ours["inhibitory"]?.keys.max()))
        XCTAssertEqual(table.ringSlots, RingSlots(longestDelay: longest))
        XCTAssertEqual(table.ringSlots.excitatory, longest.excitatory + 1)
        XCTAssertLessThan(Double(table.ringSlots.inhibitory), 0.6 * Double(table.ringSlots.excitatory), "inhibitory delays are half as long")
    }

    /// The rings' slots follow the weights' signs, not the sources': a weight that rounds to
    /// zero adds to the excitatory ring (nothing). A table without synapses has two slots in
    /// each ring (a delay is at least one step).
    func testRingSlotsFollowTheSignsOfTheWeights() {
        let table = SynapseTable(rowStart: [0, 3], targets: [0, 1, 2], weights: [5, -3, 0], delays: [2, 7, 9])
        XCTAssertEqual(table.ringSlots.excitatory, 10)
        XCTAssertEqual(table.ringSlots.inhibitory, 8)
        XCTAssertEqual(table.ringSlots.longestDelay, 9)
        XCTAssertEqual(table.ringSlots.wordIndices(step: 23, neuron: 1, neurons: 3).excitatory, 3 * 3 + 1)
        XCTAssertEqual(table.ringSlots.wordIndices(step: 23, neuron: 1, neurons: 3).inhibitory, 7 * 3 + 1)
        let empty = SynapseTable(rowStart: [0], targets: [], weights: [], delays: [])
        XCTAssertEqual(empty.ringSlots, RingSlots(longestDelay: (1, 1)))
        XCTAssertEqual(empty.ringSlots.total, 4)
    }

    func testTargetsAreUniformWithinThePopulation() throws {
        let d = try Self.derived(scale: 0.1, thalamic: false)
        let table = try NetworkBuilder.build(d, threads: 2)
        // In-degree of L4E neurons from L4E: mean K / N; a few neurons should not get them all.
        let first = d.firstNeuron[2], n = d.neuronCounts[2]
        var indegree = [Int](repeating: 0, count: n)
        for source in first..<(first + n) {
            for i in table.row(source) where (first..<(first + n)).contains(Int(table.targets[i])) {
                indegree[Int(table.targets[i]) - first] += 1
            }
        }
        let mean = Double(d.synapseCounts[2][2]) / Double(n)
        let variance = indegree.map { (Double($0) - mean) * (Double($0) - mean) }.reduce(0, +) / Double(n)
        // fixed_total_number: in-degrees are multinomial, variance ~ mean (1 - 1/N).
        XCTAssertEqual(variance / mean, 1, accuracy: 0.1)
    }

    /// Canonical order: by target, then delay, then weight (multapses included).
    func testRowsAreSortedByPackedSynapse() throws {
        let d = try Self.derived()
        let table = try NetworkBuilder.build(d, threads: 2)
        var multapses = 0
        for source in 0..<table.sourceCount {
            let row = table.row(source)
            for i in row.dropFirst() {
                let previous = (table.targets[i - 1], table.delays[i - 1], table.weights[i - 1])
                let current = (table.targets[i], table.delays[i], table.weights[i])
                XCTAssertTrue(previous.0 < current.0 || previous.0 == current.0 && (previous.1, UInt32(bitPattern: previous.2)) <= (current.1, UInt32(bitPattern: current.2)),
                              "row \(source) out of order at \(i)")
                if previous.0 == current.0 { multapses += 1 }
            }
        }
        XCTAssertGreaterThan(multapses, 100, "the network has multapses, so the tie order is exercised")
    }

    func testTableIsIdenticalForAnyThreadCount() throws {
        let d = try Self.derived()
        let one = try NetworkBuilder.build(d, threads: 1)
        for threads in [2, 3, 4] {
            let other = try NetworkBuilder.build(d, threads: threads)
            XCTAssertEqual(one.rowStart, other.rowStart)
            XCTAssertEqual(one.targets, other.targets)
            XCTAssertEqual(one.weights, other.weights)
            XCTAssertEqual(one.delays, other.delays)
        }
        let otherSeed = try NetworkBuilder.build(try Self.derived(seed: 12), threads: 2)
        XCTAssertNotEqual(one.targets, otherSeed.targets, "a different seed gives a different network")
    }

    func testMemoryEstimateCoversTheTableAndRefusesWhatDoesNotFit() throws {
        let d = try Self.derived()
        let table = try NetworkBuilder.build(d, threads: 2)
        let estimate = MemoryEstimate(d)
        XCTAssertEqual(estimate.synapseTable, SynapseTable.bytes(synapses: table.synapseCount, sources: table.sourceCount))
        XCTAssertNoThrow(try estimate.check(available: estimate.total))
        XCTAssertThrowsError(try estimate.check(available: estimate.total - 1)) { error in
            XCTAssertTrue("\(error)".contains("not enough memory"), "\(error)")
            XCTAssertTrue("\(error)".hasSuffix("; reduce --scale (or --n-scaling, --k-scaling)"), "the table is most of it: \(error)")
        }
        var full = ModelParameters()
        full.network.nScaling = 1
        full.network.kScaling = 1
        let fullEstimate = MemoryEstimate(try DerivedParameters(full))
        XCTAssertLessThan(fullEstimate.total, 8 << 30, "full scale fits a 24 GiB machine with room to spare")
        XCTAssertGreaterThan(fullEstimate.synapseTable, 2_500_000_000)

        // 100 s with the voltmeter: 10^5 samples of 77,169 potentials, 62 GB in all. A run
        // holds two chunks' spikes (6.4 s of them each: one written while the next is
        // simulated) and three chunks' samples (those two and the copy from the device);
        // verify, comparing two runs chunk by chunk, twice that.
        full.simulation.tSim = 100_000
        full.simulation.recordVoltage = true
        let long = try DerivedParameters(full)
        let streamed = MemoryEstimate(long), compared = MemoryEstimate(long, runs: 2)
        let held = long.voltageSamplesHeld
        XCTAssertEqual(held, (64 << 20) / (8 * 77_169), "64 MiB of samples")
        XCTAssertEqual(streamed.recording, 3 * held * 77_169 * 8 + 2 * long.recordedSpikesBound(steps: 64_000) * 8)
        XCTAssertEqual(compared.recording, 2 * streamed.recording)
        XCTAssertGreaterThan(long.recordedSpikesBound, 100 * long.recordedSpikesBound(steps: 10_000))
        XCTAssertLessThan(streamed.total, 8 << 30, "a run writes them out and fits as a short one does")
        XCTAssertLessThan(compared.total, 8 << 30)

        // At a small scale the voltmeter's chunks outweigh the table: the refusal says so.
        var small = full
        small.network.nScaling = 0.01
        small.network.kScaling = 0.01
        let voltmeter = MemoryEstimate(try DerivedParameters(small))
        XCTAssertGreaterThan(voltmeter.recording, voltmeter.synapseTable)
        XCTAssertThrowsError(try voltmeter.check(available: voltmeter.total - 1)) { error in
            XCTAssertTrue("\(error)".hasSuffix("; turn off voltage recording, or reduce --scale"), "\(error)")
        }
    }
}
