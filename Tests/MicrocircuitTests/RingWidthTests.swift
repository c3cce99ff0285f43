import Connectivity
@testable import MicrocircuitModel
@testable import OpenCLBackend
@testable import Simulation
import XCTest

/// Both backends' ring words: 32 bits where no neuron's input of one step can reach 2^31
/// units, else 64, and the same spikes either way.
final class RingWidthTests: XCTestCase {
    func device() throws -> OpenCLDevice { try DeviceSelection.choose(index: nil, allowCPU: true) }

    /// A network of eight neurons and one thalamic neuron whose bound is added up by hand:
    /// neuron 3 gets 5 and 7 from neurons 0 and 1 and 4 from the thalamic row (which may
    /// carry `largestThalamicCount` spikes a step), and -2 from neuron 0; neuron 4 gets -10.
    /// The host's sum (on any number of threads) and the device's agree with it.
    func testTheLargestStepInputIsEachNeuronsWeightsAddedUp() throws {
        var p = singleNeuronParameters()
        p.stimulus.thalamicInput = true
        p.stimulus.thalamicNeurons = 1
        p.stimulus.thalamicConnectionProbabilities = [Double](repeating: 0, count: 8)
        let derived = try DerivedParameters(p)
        let count = Int(derived.largestThalamicCount)
        XCTAssertGreaterThan(count, 1, "the volley's draw can give several spikes a step")
        // (row, target, weight) in fixed-point units.
        let synapses = [(0, 3, 5), (0, 3, -2), (1, 3, 7), (2, 4, -10), (8, 3, 4)]
        var rowStart = [0], targets: [UInt32] = [], weights: [Int32] = [], delays: [UInt8] = []
        for row in 0..<9 {
            for (source, target, weight) in synapses where source == row {
                targets.append(UInt32(target))
                weights.append(Int32(weight))
                delays.append(1)
            }
            rowStart.append(targets.count)
        }
        let network = Network(derived: derived, synapses: SynapseTable(rowStart: rowStart, targets: targets, weights: weights, delays: delays))
        let expected = UInt64(5 + 7 + 4 * count)
        for threads in [1, 2, 3] { XCTAssertEqual(network.largestStepInput(threads: threads), expected, "\(threads) threads") }
        XCTAssertEqual(try OpenCLBackend(network: network, device: try device()).largestStepInput, expected)
        let noVolley = Network(derived: try DerivedParameters(singleNeuronParameters()),
                               synapses: SynapseTable(rowStart: Array(rowStart.prefix(9)), targets: Array(targets.prefix(4)),
                                                      weights: Array(weights.prefix(4)), delays: Array(delays.prefix(4))))
        XCTAssertEqual(noVolley.largestStepInput(threads: 2), 12)
    }

    /// The model's network (with the thalamic volley) takes 32-bit words on both backends and
    /// in both of the kernels' layouts; the host's and the device's bounds agree; and words of
    /// 64 bits, asked for, give the same spikes, potentials and ring contents.
    func testTheModelTakes32BitWordsAndBothWidthsAreIdentical() throws {
        let derived = try CPUBackendTests.shortRun(seed: 4, background: .poisson)
        let network = try Network.build(derived, threads: 2)
        let largest = network.largestStepInput(threads: 2)
        XCTAssertLessThan(largest, UInt64(Int32.max) / 2, "well below the 32-bit words' limit (0.43 of it; full scale 0.57)")
        let cpu = try CPUBackend(network: network, threads: 2)
        XCTAssertEqual(cpu.ringBits, 32)
        let reference = try simulate(network, on: cpu)
        XCTAssertGreaterThan(reference.spikes.count, 1000, "enough spikes to mean something")
        let wideCPU = try CPUBackend(network: network, threads: 2, ringBits: 64)
        XCTAssertEqual(wideCPU.ringBits, 64)
        assertSame(try simulate(network, on: wideCPU), as: reference, "CPU, 64 bits: ")
        XCTAssertTrue(cpu.ringSnapshot() == wideCPU.ringSnapshot(), "CPU: the same sums in 32- and 64-bit words")
        for layout in [StepLayout(groupSize: 64, neuronsPerItem: 4, deliveryByOneItem: true),
                       StepLayout(groupSize: 64, neuronsPerItem: 1, deliveryByOneItem: false)] {
            var rings: [(excitatory: [Int64], inhibitory: [Int64])] = []
            for bits in [nil, 64] as [Int?] {
                let backend = try OpenCLBackend(derived: derived, initialPotentials: network.initialPotentials, synapses: .upload(network.synapses),
                                                device: try device(), layout: layout, launch: LaunchOptions(stepsPerLaunch: 1, ringBits: bits))
                XCTAssertEqual(backend.ringBits, bits ?? 32, "\(layout)")
                XCTAssertEqual(backend.largestStepInput, bits == nil ? largest : nil, "\(layout)")
                assertSame(try simulate(network, on: backend), as: reference, "\(layout), \(backend.ringBits) bits: ")
                rings.append(try backend.ringSnapshot())
            }
            XCTAssertTrue(rings[0] == rings[1], "\(layout): the same sums in 32- and 64-bit words")
            XCTAssertTrue(rings[0].excitatory.contains { $0 != 0 } && rings[0].inhibitory.contains { $0 != 0 }, "spikes still pending at the end")
        }
    }

    /// Weights large enough that one neuron's synapses could bring 2^31 units in one step:
    /// both backends take 64-bit words by themselves (the same spikes), and refuse 32 when
    /// asked, saying why.
    func testInputThatCouldOverflow32BitsGets64() throws {
        var p = try CPUBackendTests.shortRun(seed: 5, background: .poisson).parameters
        p.network.pspExcitatoryMean = 50
        p.simulation.tPresim = 0
        p.simulation.tSim = 30
        let derived = try DerivedParameters(p)
        let network = try Network.build(derived, threads: 2)
        let largest = network.largestStepInput(threads: 2)
        XCTAssertGreaterThan(largest, UInt64(Int32.max))
        let cpu = try CPUBackend(network: network, threads: 2)
        XCTAssertEqual(cpu.ringBits, 64)
        let reference = try simulate(network, on: cpu)
        XCTAssertGreaterThan(reference.spikes.count, 100, "enough spikes to mean something")
        let backend = try OpenCLBackend(network: network, device: try device())
        XCTAssertEqual(backend.ringBits, 64)
        XCTAssertEqual(backend.largestStepInput, largest)
        XCTAssertTrue(backend.device.contains("64-bit ring"), backend.device)
        assertSame(try simulate(network, on: backend), as: reference)
        let refusals: [() throws -> Any] = [{ try OpenCLBackend(network: network, device: try self.device(), launch: LaunchOptions(ringBits: 32)) },
                                            { try CPUBackend(network: network, threads: 2, ringBits: 32) }]
        for refusal in refusals {
            XCTAssertThrowsError(try refusal()) { error in
                XCTAssertTrue("\(error)".hasPrefix("--ring-bits 32: one neuron's input of one step could reach "), "\(error)")
                XCTAssertTrue("\(error)".contains("beyond the 1.049e+06 pA that 32-bit ring words hold"), "\(error)")
            }
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
