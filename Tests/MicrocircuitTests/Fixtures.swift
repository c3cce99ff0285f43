import Analysis
import Foundation
import MicrocircuitModel
import Simulation
import XCTest

/// Reads `Tests/Fixtures/<name>`, the NEST reference data written by
/// `Tests/Fixtures/generate_nest_fixtures.py`.
func fixture<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent(name)
    let data = try XCTUnwrap(FileManager.default.contents(atPath: url.path), "missing fixture \(url.path)")
    return try JSONDecoder().decode(T.self, from: data)
}

/// A fresh temporary folder, removed when the test ends.
func temporaryFolder(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("microcircuit-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// `CPUBackendTests.shortRun()` with the voltmeter sampling every `interval` ms, optionally
/// over other phase lengths (ms).
func shortRunWithVoltmeter(every interval: Double, presimulation: Double? = nil, simulation: Double? = nil) throws -> DerivedParameters {
    var p = try CPUBackendTests.shortRun().parameters
    p.simulation.recordVoltage = true
    p.simulation.voltageInterval = interval
    if let presimulation { p.simulation.tPresim = presimulation }
    if let simulation { p.simulation.tSim = simulation }
    return try DerivedParameters(p)
}

/// One population's spike-recorder file of `spikes`, formatted whole in memory.
func spikeFile(population p: Int, _ spikes: SpikeTrains, derived: DerivedParameters) -> [UInt8] {
    var bytes = NESTFormat.spikeRecorderHeader(version: "test")
    let neurons = UInt32(derived.firstNeuron[p])..<UInt32(derived.firstNeuron[p] + derived.neuronCounts[p])
    for (step, neuron) in zip(spikes.steps, spikes.neurons) where neurons.contains(neuron) {
        NESTFormat.appendSpikeRow(step: Int(step), neuron: Int(neuron), resolution: derived.resolution, to: &bytes)
    }
    return bytes
}

/// Rate statistics of `spikes` in [begin, end] ms.
func statistics(_ spikes: SpikeTrains, derived: DerivedParameters, begin: Double, end: Double) -> [PopulationStatistics] {
    var window = WindowSpikeCounts(derived: derived, begin: begin, end: end)
    window.add(spikes)
    return PopulationStatistics.compute(window, derived: derived)
}

/// Writes a whole run's recordings into `folder` as `run` does chunk by chunk.
func writeRecordings(_ result: RunResult, derived: DerivedParameters, into folder: OutputFolder) throws {
    let files = try RecordingFiles(derived: derived, version: "test", threads: 2, in: folder)
    try files.append(spikes: result.spikes, voltages: result.voltages)
    try files.finish()
}

/// One population's voltmeter file of `trace`'s samples, formatted whole in memory.
func voltmeterFile(population p: Int, _ trace: VoltageTrace, derived: DerivedParameters) -> [UInt8] {
    var bytes = NESTFormat.voltmeterHeader(version: "test")
    let neurons = derived.firstNeuron[p]..<(derived.firstNeuron[p] + derived.neuronCounts[p])
    for (step, sample) in zip(trace.steps, trace.samples) {
        NESTFormat.appendVoltmeterRows(neurons, of: sample, step: step, resolution: derived.resolution, to: &bytes)
    }
    return bytes
}

/// What a run leaves: its spikes and every neuron's potential after the last step.
struct Outcome {
    var spikes: SpikeTrains
    var potentials: [Double]

    init(_ spikes: SpikeTrains, after backend: SimulationBackend) throws {
        self.spikes = spikes
        potentials = try backend.membranePotentials()
    }
}

/// Runs `backend` through the network's whole schedule.
func simulate(_ network: Network, on backend: SimulationBackend) throws -> Outcome {
    try Outcome(try SimulationDriver(derived: network.derived).run(backend).spikes, after: backend)
}

/// The numerical contract: the same spikes as the reference run, and its potentials bit for
/// bit (a last-bit difference in the arithmetic rarely moves a spike in a short run).
func assertSame(_ run: Outcome, as reference: Outcome, _ label: String = "", file: StaticString = #filePath, line: UInt = #line) {
    let spike = reference.spikes.firstDifference(from: run.spikes)
    XCTAssertNil(spike, "\(label)first difference at spike \(spike ?? -1) of \(reference.spikes.count)", file: file, line: line)
    let neuron = reference.potentials.indices.first { reference.potentials[$0].bitPattern != run.potentials[$0].bitPattern }
    XCTAssertNil(neuron, "\(label)potential of neuron \(neuron ?? -1) after the last step: \(reference.potentials[neuron ?? 0]) in the reference, \(run.potentials[neuron ?? 0]) here", file: file, line: line)
}
