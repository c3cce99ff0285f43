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

    func testSpikesAndPotentialsAreIdenticalForAnyThreadCount() throws {
        for background in [BackgroundInput.poisson, .dc] {
            let network = try Network.build(try Self.shortRun(background: background), threads: 2)
            let reference = try simulate(network, on: CPUBackend(network: network, threads: 1))
            XCTAssertGreaterThan(reference.spikes.count, 1000, "enough spikes to mean something")
            for threads in [2, 4] {
                assertSame(try simulate(network, on: CPUBackend(network: network, threads: threads)), as: reference, "\(background), \(threads) threads: ")
            }
        }
    }

    func testSpikesAreInCanonicalOrder() throws {
        let network = try Network.build(try Self.shortRun(), threads: 2)
        let spikes = try simulate(network, on: CPUBackend(network: network, threads: 2)).spikes
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
            let network = try Network.build(derived, threads: 2)
            return (derived, try simulate(network, on: CPUBackend(network: network, threads: 2)).spikes)
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
}

final class VoltageRecordingTests: XCTestCase {
    /// The voltmeter samples every rec_V_int after the step that ends on the interval (NEST:
    /// times 1.0, 2.0, ... ms), and its values are the backend's potentials at that moment.
    func testSamplesAtIntervalEndsMatchAStepwiseRun() throws {
        let derived = try shortRunWithVoltmeter(every: 0.5, presimulation: 5, simulation: 20)
        let network = try Network.build(derived, threads: 2)
        let recorded = try SimulationDriver(derived: derived).run(CPUBackend(network: network, threads: 2))
        let trace = try XCTUnwrap(recorded.voltages)
        XCTAssertEqual(trace.steps, Array(stride(from: 4, to: 250, by: 5)))

        let stepwise = try CPUBackend(network: network, threads: 1)
        var spikes = SpikeTrains()
        for (k, step) in trace.steps.enumerated() {
            try stepwise.advance(steps: step + 1 - stepwise.currentStep, recordingInto: &spikes)
            XCTAssertEqual(trace.samples[k], try stepwise.membranePotentials(), "sample \(k)")
        }
        XCTAssertEqual(spikes, SpikeTrains(steps: Array(recorded.spikes.steps.prefix(spikes.count)),
                                            neurons: Array(recorded.spikes.neurons.prefix(spikes.count))))

        let file = voltmeterFile(population: 3, trace, derived: derived)
        let lines = String(decoding: file, as: UTF8.self).split(separator: "\n")
        XCTAssertEqual(lines[2], "sender\ttime_ms\tV_m")
        XCTAssertEqual(lines.count, 3 + derived.neuronCounts[3] * trace.steps.count)
        let first = lines[3].split(separator: "\t")
        XCTAssertEqual(first[0], "\(derived.firstNeuron[3] + 1)")
        XCTAssertEqual(first[1], "0.500")
        XCTAssertEqual(Double(first[2]), trace.samples[0][derived.firstNeuron[3]])
        let last = lines[lines.count - 1].split(separator: "\t")
        XCTAssertEqual(last[0], "\(derived.firstNeuron[3] + derived.neuronCounts[3])")
        XCTAssertEqual(last[1], "25.000")
        XCTAssertEqual(Double(last[2]), trace.samples[trace.steps.count - 1][derived.firstNeuron[3] + derived.neuronCounts[3] - 1])
    }
}

final class SimulationDriverTests: XCTestCase {
    /// A backend that only counts: the step counts each `advance` was asked for.
    final class CountingBackend: SimulationBackend {
        let name = "counting"
        let device = "none"
        let hostThreads = 0
        var currentStep = 0
        var recordsSpikes = true
        let spikeCount = 0
        let ringBits = 64
        let ringSlots = RingSlots(longestDelay: (1, 1))
        let synapseRowStart: [Int] = [0]
        var advances: [Int] = []

        func advance(steps: Int, recordingInto spikes: inout SpikeTrains, voltages: inout VoltageTrace?) throws {
            advances.append(steps)
            currentStep += steps
        }

        func membranePotentials() throws -> [Double] { [] }
    }

    /// Chunks double while they take less than `chunkSeconds` (always, with an hour), up to
    /// the maximum and never across the end of a phase; with no time allowed they stay at
    /// the first size. Every step is advanced once either way.
    func testChunksGrowWhileFastUpToTheMaximum() throws {
        var p = try CPUBackendTests.shortRun().parameters
        p.simulation.tPresim = 100  // 1,000 steps
        p.simulation.tSim = 3000  // 30,000 steps
        var driver = SimulationDriver(derived: try DerivedParameters(p))
        driver.chunkSeconds = 3600
        driver.maximumChunkSteps = 8000
        let fast = CountingBackend()
        _ = try driver.run(fast)
        XCTAssertEqual(fast.advances, [1000, 2000, 4000, 8000, 8000, 8000])

        driver.chunkSeconds = 0
        let slow = CountingBackend()
        _ = try driver.run(slow)
        XCTAssertEqual(slow.advances, Array(repeating: 1000, count: 31))
    }

    /// A stop between chunks carries what the run did up to there: the step, each phase's
    /// time so far, and the recordings when they were kept, equal to a whole run's up to the
    /// step.
    func testAStoppedRunCarriesWhatItSimulated() throws {
        let derived = try shortRunWithVoltmeter(every: 0.5)
        let network = try Network.build(derived, threads: 2)
        var driver = SimulationDriver(derived: derived)
        driver.chunkSeconds = 0
        driver.chunkSteps = 300
        let whole = try driver.run(CPUBackend(network: network, threads: 2))
        var reports = 0
        XCTAssertThrowsError(try driver.run(CPUBackend(network: network, threads: 2), progress: { _ in reports += 1 },
                                            shouldStop: { reports == 4 })) { error in
            guard let stop = error as? RunInterrupted, let result = stop.results.first else { return XCTFail("\(error)") }
            XCTAssertEqual(stop.step, 500 + 2 * 300, "the presimulation (two chunks: 300 and 200 steps), then two chunks")
            XCTAssertGreaterThan(result.presimulationSeconds, 0)
            XCTAssertGreaterThan(result.simulationSeconds, 0)
            let kept = whole.spikes.steps.prefix { $0 < stop.step }.count
            XCTAssertEqual(result.spikes, SpikeTrains(steps: Array(whole.spikes.steps.prefix(kept)), neurons: Array(whole.spikes.neurons.prefix(kept))))
            XCTAssertEqual(result.voltages?.steps, whole.voltages?.steps.filter { $0 < stop.step })
        }
    }

    /// The progress line's estimate: the rest of the run at this phase's pace so far, files
    /// written during the run included.
    func testTimeLeftAtThePhasesPace() {
        var progress = RunProgress(phase: .simulation, step: 3000, totalSteps: 12000, spikes: 0,
                                   elapsed: 5, stepsInPhase: 2000, resolution: 0.1)
        XCTAssertEqual(progress.secondsLeft!, 5.0 / 2000 * 9000, accuracy: 1e-12)
        XCTAssertEqual(progress.realTimeFactor, 5 / 0.2, accuracy: 1e-12)
        progress.outputSeconds = 3
        XCTAssertEqual(progress.secondsLeft!, 8.0 / 2000 * 9000, accuracy: 1e-12, "writing the voltmeter's files takes time too")
        XCTAssertEqual(progress.realTimeFactor, 5 / 0.2, accuracy: 1e-12, "but is not the simulation's")
        progress.stepsInPhase = 0
        XCTAssertNil(progress.secondsLeft, "no pace yet")
        XCTAssertEqual([0.4, 42, 59.6, 185, 3599, 7620, .infinity].map(formatDuration),
                       ["0 s", "42 s", "1 min 00 s", "3 min 05 s", "59 min 59 s", "2 h 07 min", "0 s"])
    }
}
