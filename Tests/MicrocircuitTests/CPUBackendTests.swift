import Analysis
import Connectivity
import MicrocircuitModel
@testable import Simulation
import XCTest

final class CPUBackendTests: XCTestCase {
    /// A small network with every input path on: Poisson background, thalamic volley and DC
    /// transient moved early so a short run covers them.
    static func shortRun(seed: UInt32 = 3, background: BackgroundInput = .poisson) throws -> DerivedParameters {
        var p = ModelParameters()
        p.network.nScaling = 0.03
        p.network.kScaling = 0.1
        p.network.backgroundInput = background
        p.stimulus.thalamicInput = true
        p.stimulus.thalamicStart = 120
        p.stimulus.dcTransient = true
        p.stimulus.dcTransientStart = 60
        p.stimulus.dcTransientDuration = 50
        p.simulation.tPresim = 50
        p.simulation.tSim = 200
        p.simulation.seed = seed
        return try DerivedParameters(p)
    }

    func simulate(_ network: Network, threads: Int) throws -> SpikeTrains {
        let backend = CPUBackend(network: network, threads: threads)
        return try SimulationDriver(derived: network.derived).run(backend).spikes
    }

    func testSpikesAreIdenticalForAnyThreadCount() throws {
        for background in [BackgroundInput.poisson, .dc] {
            let network = try Network.build(try Self.shortRun(background: background), threads: 2)
            let reference = try simulate(network, threads: 1)
            XCTAssertGreaterThan(reference.count, 1000, "enough spikes to mean something")
            for threads in [2, 4] {
                let spikes = try simulate(network, threads: threads)
                XCTAssertNil(spikes.firstDifference(from: reference), "\(background), \(threads) threads")
            }
        }
    }

    func testSpikesAreInCanonicalOrder() throws {
        let spikes = try simulate(try Network.build(try Self.shortRun(), threads: 2), threads: 2)
        for i in 1..<spikes.count {
            XCTAssertTrue((spikes.steps[i - 1], spikes.neurons[i - 1]) < (spikes.steps[i], spikes.neurons[i]))
        }
    }

    /// Switching a stimulus on leaves every spike before its first effect unchanged and
    /// changes activity after it.
    func testStimuliActExactlyFromTheirScheduledSteps() throws {
        func run(thalamic: Bool, transient: Bool) throws -> (DerivedParameters, SpikeTrains) {
            var p = try Self.shortRun().parameters
            p.stimulus.thalamicInput = thalamic
            p.stimulus.dcTransient = transient
            let derived = try DerivedParameters(p)
            return (derived, try simulate(try Network.build(derived, threads: 2), threads: 2))
        }
        let (_, plain) = try run(thalamic: false, transient: false)
        let (withTransient, transient) = try run(thalamic: false, transient: true)
        let (withVolley, volley) = try run(thalamic: true, transient: false)

        let transientStart = withTransient.schedule.dcTransientSteps.lowerBound
        XCTAssertEqual(transientStart, 610)
        let firstTransientChange = try XCTUnwrap(transient.firstDifference(from: plain))
        XCTAssertGreaterThanOrEqual(Int(transient.steps[firstTransientChange]), transientStart)

        // Parrot spikes start at step 1211; the shortest delay is one step.
        let volleyStart = withVolley.schedule.thalamicSpikeSteps.lowerBound
        XCTAssertEqual(volleyStart, 1211)
        let firstVolleyChange = try XCTUnwrap(volley.firstDifference(from: plain))
        XCTAssertGreaterThan(Int(volley.steps[firstVolleyChange]), volleyStart)
        func l4eSpikes(_ spikes: SpikeTrains, _ steps: Range<Int>) -> Int {
            let first = withVolley.firstNeuron[2]
            let neurons = first..<(first + withVolley.neuronCounts[2])
            return zip(spikes.steps, spikes.neurons).filter { steps.contains(Int($0.0)) && neurons.contains(Int($0.1)) }.count
        }
        let window = (volleyStart + 10)..<(volleyStart + 110)
        XCTAssertGreaterThan(l4eSpikes(volley, window), 2 * l4eSpikes(plain, window) + 5, "the volley excites L4E")
    }

    /// GeNN's delivery test: source i spikes in step i and its synapses encode i in their
    /// weights and delays; every target must receive exactly the sum the table prescribes, in
    /// exactly the arrival step, for any thread partition.
    func testDeliveryIsExact() throws {
        let derived = try Self.shortRun()
        let n = derived.totalNeurons
        var rowStart = [0]
        var targets: [UInt32] = [], weights: [Int32] = [], delays: [UInt8] = []
        for i in 0..<n {
            for k in 0..<5 {
                targets.append(UInt32((i * 7 + k * 13) % n))
                weights.append(Int32((i + 1) * (k % 2 == 0 ? 1 : -1)))
                delays.append(UInt8(1 + (i + k) % 9))
            }
            rowStart.append(targets.count)
        }
        // Rows must be sorted by target for the partitioned walk.
        var table = SynapseTable(rowStart: rowStart, targets: targets, weights: weights, delays: delays)
        var sortedTargets = table.targets, sortedWeights = table.weights, sortedDelays = table.delays
        NetworkBuilder.sortRows(rowStart: rowStart, targets: &sortedTargets, weights: &sortedWeights, delays: &sortedDelays, threads: 1)
        table = SynapseTable(rowStart: rowStart + Array(repeating: rowStart.last!, count: derived.thalamicNeurons),
                             targets: sortedTargets, weights: sortedWeights, delays: sortedDelays)
        let network = Network(derived: derived, synapses: table)
        let steps = 40
        var expectedEx = [[Int64]](repeating: [Int64](repeating: 0, count: n), count: steps + 10)
        var expectedIn = expectedEx
        for i in 0..<steps {
            for s in table.row(i) {
                let arrival = i + Int(table.delays[s])
                if table.weights[s] >= 0 { expectedEx[arrival][Int(table.targets[s])] += Int64(table.weights[s]) }
                else { expectedIn[arrival][Int(table.targets[s])] += Int64(table.weights[s]) }
            }
        }
        for threads in [1, 3] {
            let backend = CPUBackend(network: network, threads: threads)
            for step in 0..<(steps + 9) {
                backend.previousSpikes = step >= 1 && step - 1 < steps ? [UInt32(step - 1)] : []
                for range in backend.neuronRanges { backend.deliverPreviousSpikes(toTargets: range, emittedIn: step - 1) }
                let slot = step % backend.slots
                for target in 0..<n {
                    XCTAssertEqual(backend.ringEx[slot * n + target], expectedEx[step][target], "step \(step) target \(target)")
                    XCTAssertEqual(backend.ringIn[slot * n + target], expectedIn[step][target], "step \(step) target \(target)")
                    backend.ringEx[slot * n + target] = 0
                    backend.ringIn[slot * n + target] = 0
                }
            }
        }
    }
}

final class VoltageRecordingTests: XCTestCase {
    /// The voltmeter samples every rec_V_int after the step that ends on the interval (NEST:
    /// times 1.0, 2.0, ... ms), and its values are the backend's potentials at that moment.
    func testSamplesAtIntervalEndsMatchAStepwiseRun() throws {
        var p = try CPUBackendTests.shortRun().parameters
        p.simulation.tPresim = 5
        p.simulation.tSim = 20
        p.simulation.recordVoltage = true
        p.simulation.voltageInterval = 0.5
        let derived = try DerivedParameters(p)
        let network = try Network.build(derived, threads: 2)
        let recorded = try SimulationDriver(derived: derived).run(CPUBackend(network: network, threads: 2))
        let trace = try XCTUnwrap(recorded.voltages)
        XCTAssertEqual(trace.steps, Array(stride(from: 4, to: 250, by: 5)))

        let stepwise = CPUBackend(network: network, threads: 1)
        var spikes = SpikeTrains()
        for (k, step) in trace.steps.enumerated() {
            try stepwise.advance(steps: step + 1 - stepwise.currentStep, recordingInto: &spikes)
            XCTAssertEqual(trace.samples[k], try stepwise.membranePotentials(), "sample \(k)")
        }
        XCTAssertEqual(spikes, SpikeTrains(steps: Array(recorded.spikes.steps.prefix(spikes.count)),
                                            neurons: Array(recorded.spikes.neurons.prefix(spikes.count))))

        let files = NESTFormat.voltmeterFiles(trace, derived: derived, version: "test")
        let lines = String(decoding: files[3], as: UTF8.self).split(separator: "\n")
        XCTAssertEqual(lines[2], "sender\ttime_ms\tV_m")
        XCTAssertEqual(lines.count, 3 + derived.neuronCounts[3] * trace.steps.count)
        let first = lines[3].split(separator: "\t")
        XCTAssertEqual(first[0], "\(derived.firstNeuron[3] + 1)")
        XCTAssertEqual(first[1], "0.500")
        XCTAssertEqual(Double(first[2]), trace.samples[0][derived.firstNeuron[3]])
    }
}
