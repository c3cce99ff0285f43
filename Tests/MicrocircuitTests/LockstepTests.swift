import Analysis
import Connectivity
import MicrocircuitModel
import Simulation
import XCTest

/// verify's way of comparing two backends: both run in lockstep through the same chunks and
/// are compared chunk by chunk (`SimulationDriver.run(inLockstep:)`, `BackendComparison`),
/// checked against comparing their whole runs.
final class LockstepTests: XCTestCase {
    static let chunk = 100

    /// A driver whose chunks stay `chunk` steps long, so that where a run stops is known.
    func driver(_ derived: DerivedParameters) -> SimulationDriver {
        var driver = SimulationDriver(derived: derived)
        driver.chunkSteps = Self.chunk
        driver.chunkSeconds = 0
        return driver
    }

    /// The short run without the thalamic volley and with it (everything else the same):
    /// they differ from the volley's first effect on, a third of the way into the simulation.
    /// The voltmeter's interval (7 steps) leaves the chunks' last steps unsampled, so that
    /// the potentials where the runs stop are compared after the first difference.
    func volleyPair(voltmeter: Bool) throws -> (without: DerivedParameters, with: DerivedParameters) {
        var p = try CPUBackendTests.shortRun().parameters
        p.stimulus.dcTransient = false
        p.simulation.recordVoltage = voltmeter
        p.simulation.voltageInterval = 0.7
        let with = try DerivedParameters(p)
        p.stimulus.thalamicInput = false
        return (try DerivedParameters(p), with)
    }

    /// Compared to the end, also the potentials after the last step, which the voltmeter
    /// samples with an interval of 0.5 ms (2,500 steps) and not with one of 0.7 ms.
    func testIdenticalRunsAreComparedWhole() throws {
        for (interval, lastStepSampled) in [(0.7, false), (0.5, true)] {
            let derived = try shortRunWithVoltmeter(every: interval)
            let network = try Network.build(derived, threads: 2)
            let whole = try driver(derived).run(CPUBackend(network: network, threads: 2))
            let backends = [try CPUBackend(network: network, threads: 1), try CPUBackend(network: network, threads: 2)]
            var comparison = BackendComparison(derived: derived)
            let results = try driver(derived).run(inLockstep: backends, recordings: { chunks in
                XCTAssertEqual(chunks.count, 2)
                try comparison.compare(cpu: chunks[0], opencl: chunks[1])
            })
            let last = backends[0].currentStep - 1
            XCTAssertEqual(last, derived.schedule.total - 1)
            try comparison.compareFinal(step: last, cpu: backends[0].membranePotentials, opencl: backends[1].membranePotentials)

            XCTAssertTrue(comparison.identical, "\(comparison.spikes) \(comparison.potentials)")
            XCTAssertEqual(comparison.spikes.spikes, whole.spikes.count)
            let samples = try XCTUnwrap(whole.voltages).steps
            XCTAssertEqual(samples.last == last, lastStepSampled)
            XCTAssertEqual(comparison.potentials.samples, samples.count + (lastStepSampled ? 0 : 1))
            XCTAssertEqual(results.count, 2)
            XCTAssertTrue(results.allSatisfy { $0.spikes.count == 0 && $0.voltages == nil && $0.simulationSeconds > 0 },
                          "each backend's own time, and no recordings kept")
        }
    }

    func testStopsAtTheEndOfTheFirstChunkThatDiffers() throws {
        for voltmeter in [false, true] {
            let pair = try volleyPair(voltmeter: voltmeter)
            let networks = try [pair.without, pair.with].map { try Network.build($0, threads: 2) }
            let whole = try networks.map { try driver($0.derived).run(CPUBackend(network: $0, threads: 2)) }
            let spikeTruth = SpikeComparison(cpu: whole[0].spikes, opencl: whole[1].spikes, derived: pair.with)
            let spikeDifference = try XCTUnwrap(spikeTruth.difference)

            let backends = try networks.map { try CPUBackend(network: $0, threads: 2) }
            var comparison = BackendComparison(derived: pair.with)
            XCTAssertThrowsError(try driver(pair.with).run(inLockstep: backends, recordings: { chunks in
                try comparison.compare(cpu: chunks[0], opencl: chunks[1])
            })) { XCTAssertTrue($0 is BackendComparison.Diverged, "\($0)") }
            let stop = backends[0].currentStep
            XCTAssertEqual(backends[1].currentStep, stop)
            try comparison.compareFinal(step: stop - 1, cpu: backends[0].membranePotentials, opencl: backends[1].membranePotentials)
            let spikesBefore = whole[0].spikes.steps.filter { $0 < stop }.count

            let firstDifferenceStep: Int
            if voltmeter {
                // The volley moves potentials before it moves a spike.
                let potentialTruth = VoltageComparison(cpu: whole[0].voltages!, opencl: whole[1].voltages!, derived: pair.with)
                let potentialDifference = try XCTUnwrap(potentialTruth.difference)
                XCTAssertLessThan(potentialDifference.step, spikeDifference.step)
                XCTAssertEqual(comparison.potentials.difference, potentialDifference)
                XCTAssertEqual(comparison.spikes.difference, spikeDifference.step < stop ? spikeDifference : nil)
                XCTAssertEqual(comparison.potentials.samples, whole[0].voltages!.steps.filter { $0 < stop }.count)
                firstDifferenceStep = potentialDifference.step
            } else {
                XCTAssertEqual(comparison.spikes.difference, spikeDifference)
                // Where the runs stopped, the potentials differ too.
                XCTAssertEqual(comparison.potentials.difference?.step, stop - 1)
                XCTAssertEqual(comparison.potentials.difference?.sample, 0)
                firstDifferenceStep = spikeDifference.step
            }
            XCTAssertEqual(comparison.spikes.spikes, spikesBefore, "spikes counted across chunks")
            XCTAssertGreaterThan(stop, firstDifferenceStep)
            XCTAssertLessThanOrEqual(stop, firstDifferenceStep + Self.chunk)
            XCTAssertLessThan(stop, pair.with.schedule.total - Self.chunk, "stopped well before the end")
        }
    }
}
