import Connectivity
@testable import MicrocircuitModel
@testable import OpenCLBackend
@testable import Simulation
import XCTest

/// The OpenCL backend's ring words: 32 bits where no neuron's input of one step can reach
/// 2^31 units, else 64, and the same spikes either way.
final class RingWidthTests: XCTestCase {
    func device() throws -> OpenCLDevice { try DeviceSelection.choose(index: nil, allowCPU: true) }

    /// Each neuron's largest input of one step by sign, added up here from the host's table:
    /// a synapse's weight's size, times the most spikes its source emits in one step.
    func largestStepInput(_ network: Network) -> UInt64 {
        let n = network.derived.totalNeurons
        let table = network.synapses
        let thalamic = network.derived.schedule.thalamicSpikeSteps.isEmpty ? 0 : UInt64(network.derived.thalamicPoisson.largestCount)
        var sums = [UInt64](repeating: 0, count: 2 * n)
        for row in 0..<(table.rowStart.count - 1) {
            for s in table.row(row) {
                let weight = table.weights[s]
                sums[(weight >= 0 ? 0 : n) + Int(table.targets[s])] += (row < n ? 1 : thalamic) * UInt64(weight.magnitude)
            }
        }
        return sums.max()!
    }

    /// The model's network (with the thalamic volley, whose rows count several spikes a
    /// step) takes 32-bit words, on both of the kernels' layouts; the backend's bound is the
    /// one added up here; and words of 64 bits, asked for, give the same spikes, potentials
    /// and ring contents.
    func testTheModelTakes32BitWordsAndBothWidthsAreIdenticalToCPU() throws {
        let derived = try CPUBackendTests.shortRun(seed: 4, background: .poisson)
        let network = try Network.build(derived, threads: 2)
        XCTAssertGreaterThan(derived.thalamicPoisson.largestCount, 1)
        let cpu = try simulate(network, on: CPUBackend(network: network, threads: 2))
        XCTAssertGreaterThan(cpu.spikes.count, 1000, "enough spikes to mean something")
        let expected = largestStepInput(network)
        for layout in [StepLayout(groupSize: 64, neuronsPerItem: 4, deliveryByOneItem: true),
                       StepLayout(groupSize: 64, neuronsPerItem: 1, deliveryByOneItem: false)] {
            var rings: [(excitatory: [Int64], inhibitory: [Int64])] = []
            for bits in [nil, 64] as [Int?] {
                let backend = try OpenCLBackend(derived: derived, initialPotentials: network.initialPotentials, synapses: .upload(network.synapses),
                                                device: try device(), layout: layout, launch: LaunchOptions(stepsPerLaunch: 1, ringBits: bits))
                XCTAssertEqual(backend.ringBits, bits ?? 32, "\(layout)")
                XCTAssertEqual(backend.largestStepInput, bits == nil ? expected : nil, "\(layout)")
                assertSame(try simulate(network, on: backend), as: cpu, "\(layout), \(backend.ringBits) bits: ")
                rings.append(try backend.ringSnapshot())
            }
            XCTAssertTrue(rings[0] == rings[1], "\(layout): the same sums in 32- and 64-bit words")
            XCTAssertTrue(rings[0].excitatory.contains { $0 != 0 } && rings[0].inhibitory.contains { $0 != 0 }, "spikes still pending at the end")
        }
        XCTAssertLessThan(expected, UInt64(Int32.max) / 2, "well below the 32-bit words' limit (0.43 of it; full scale 0.57)")
    }

    /// Weights large enough that one neuron's synapses could bring 2^31 units in one step:
    /// the backend takes 64-bit words by itself (the same spikes as the CPU backend's), and
    /// refuses 32 when asked, saying why.
    func testInputThatCouldOverflow32BitsGets64() throws {
        var p = try CPUBackendTests.shortRun(seed: 5, background: .poisson).parameters
        p.network.pspExcitatoryMean = 50
        p.simulation.tPresim = 0
        p.simulation.tSim = 30
        let derived = try DerivedParameters(p)
        let network = try Network.build(derived, threads: 2)
        let largest = largestStepInput(network)
        XCTAssertGreaterThan(largest, UInt64(Int32.max))
        let cpu = try simulate(network, on: CPUBackend(network: network, threads: 2))
        XCTAssertGreaterThan(cpu.spikes.count, 100, "enough spikes to mean something")
        let backend = try OpenCLBackend(network: network, device: try device())
        XCTAssertEqual(backend.ringBits, 64)
        XCTAssertEqual(backend.largestStepInput, largest)
        XCTAssertTrue(backend.device.contains("64-bit ring"), backend.device)
        assertSame(try simulate(network, on: backend), as: cpu)
        XCTAssertThrowsError(try OpenCLBackend(network: network, device: try device(), launch: LaunchOptions(ringBits: 32))) { error in
            XCTAssertTrue("\(error)".hasPrefix("--ring-bits 32: one neuron's input of one step could reach "), "\(error)")
            XCTAssertTrue("\(error)".contains("beyond the 1.049e+06 pA that 32-bit ring words hold"), "\(error)")
        }
    }

    /// A Poisson draw rises with its word, so that no draw exceeds the largest word's
    /// (`largestCount`), which the thalamic rows' bound takes: over sorted random words and
    /// the extremes, at the model's thalamic rate, a background rate and its largest.
    func testLargestPoissonCountBoundsEveryDraw() {
        var generator = SystemRandomNumberGenerator()
        let words = ((0..<100_000).map { _ in UInt32.random(in: .min ... .max, using: &generator) } + [0, 1, UInt32.max - 1, UInt32.max]).sorted()
        for lambda in [0.012, 0.05, 2.3] {
            let rate = PoissonRate(lambda: lambda)
            let draws = words.map { RandomDraw.poisson($0, rate) }
            XCTAssertEqual(draws, draws.sorted(), "lambda \(lambda)")
            XCTAssertEqual(draws.last, rate.largestCount, "lambda \(lambda)")
            XCTAssertGreaterThan(rate.largestCount, draws[draws.count - 3], "lambda \(lambda): the tail beyond what random words reach")
        }
    }
}
