import Analysis
import ArgumentParser
import Connectivity
import Dispatch
import Foundation
import MicrocircuitModel
import OpenCLBackend
import Simulation

/// `microcircuit bench`: construction, set-up and simulation timings per backend, repeated.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time construction, set-up and simulation per backend; print a table, optionally write JSON.",
        discussion: "Give --backend a comma-separated list (e.g. cpu,opencl) to compare backends in one process.")

    @OptionGroup var model: ModelOptions
    @OptionGroup var backendOptions: BackendOptions

    @Option(name: .customLong("repeat"), help: "Repetitions per backend.")
    var repetitions = 1

    @Flag(name: .customLong("no-record"), help: "Count spikes without handing them back (no recording cost).")
    var noRecord = false

    @Option(help: "Also write the results as JSON to this file.")
    var json: String?

    static let columns = "backend  rep  construct_s  setup_s  presim_s    sim_s      RTF  events/s     spikes  host_peak  device_mem"

    func run() throws {
        guard repetitions >= 1 else { throw CommandFailure(message: "invalid parameter '--repeat': must be at least 1", status: 2) }
        let kinds = try backendOptions.kinds()
        let derived = try model.resolve()
        let threads = try backendOptions.threadCount()
        try checkMemory(derived)
        let p = derived.parameters
        report("bench: \(derived.totalNeurons) neurons, \(p.network.backgroundInput.rawValue) background, t_presim \(p.simulation.tPresim) ms, t_sim \(p.simulation.tSim) ms, recording \(noRecord ? "off" : "on"), \(threads) CPU threads")
        print(Self.columns)
        var results: [JSONValue] = []
        Interruption.install()
        for repetition in 1...repetitions {
            let start = DispatchTime.now().uptimeNanoseconds
            let network = try failing { try Network.build(derived, threads: threads) }
            let construction = seconds(since: start)
            let meanOutDegree = Double(network.synapses.synapseCount) / Double(max(1, network.synapses.sourceCount))
            for kind in kinds {
                let setupStart = DispatchTime.now().uptimeNanoseconds
                let backend = try backendOptions.make(network, kind: kind)
                let setup = seconds(since: setupStart)
                backend.recordsSpikes = !noRecord
                var presimulationSpikes = 0
                let result = try failing {
                    try SimulationDriver(derived: derived).run(backend, progress: { progress in
                        if progress.phase == .presimulation { presimulationSpikes = progress.spikes }
                    }, shouldStop: { Interruption.requested })
                }
                let simulationSpikes = backend.spikeCount - presimulationSpikes
                // Synaptic events of the simulation phase: exact from the recorded spikes'
                // rows, else estimated from the mean out-degree.
                var events = Double(simulationSpikes) * meanOutDegree
                if !noRecord {
                    let firstStep = UInt32(derived.schedule.presimulation)
                    events = 0
                    for (step, neuron) in zip(result.spikes.steps, result.spikes.neurons) where step >= firstStep {
                        events += Double(network.synapses.row(Int(neuron)).count)
                    }
                }
                let rtf = result.simulationSeconds / (p.simulation.tSim * 1e-3)
                let deviceMemory: Int? = (backend as? OpenCLBackend)?.deviceMemoryBytes
                let peak: Int? = peakResidentMemory()
                let eventRate = events / result.simulationSeconds
                let numbers = String(format: " %4d %12.3f %8.3f %9.3f %8.3f %8.4f %9.3g %10d", repetition, construction, setup,
                                     result.presimulationSeconds, result.simulationSeconds, rtf, eventRate, backend.spikeCount)
                let peakText = peak.map(formatBytes) ?? "-"
                let deviceText = deviceMemory.map(formatBytes) ?? "-"
                print(backend.name.padding(toLength: 8, withPad: " ", startingAt: 0) + numbers
                    + "  " + peakText.padding(toLength: 10, withPad: " ", startingAt: 0) + " " + deviceText)
                let peakJSON: JSONValue = peak.map { .number(Double($0)) } ?? .null
                let deviceJSON: JSONValue = deviceMemory.map { .number(Double($0)) } ?? .null
                let row: [(String, JSONValue)] = [
                    ("backend", .string(backend.name)), ("device", .string(backend.device)), ("repetition", .number(Double(repetition))),
                    ("construction_s", .number(construction)), ("setup_s", .number(setup)),
                    ("presimulation_s", .number(result.presimulationSeconds)), ("simulation_s", .number(result.simulationSeconds)),
                    ("real_time_factor", .number(rtf)), ("synaptic_events", .number(events)),
                    ("synaptic_events_exact", .bool(!noRecord)), ("synaptic_events_per_s", .number(eventRate)),
                    ("spikes_total", .number(Double(backend.spikeCount))),
                    ("peak_host_memory_bytes", peakJSON), ("device_memory_bytes", deviceJSON),
                ]
                results.append(.object(row))
            }
        }
        let devices = Set(results.compactMap { if case let .string(d)? = $0["device"] { return d } else { return nil } })
        for device in devices.sorted() { print("device: \(device)") }
        if let json {
            let document = JSONValue.object([
                ("microcircuit_version", .string(Microcircuit.version)),
                ("cores", .number(Double(ProcessInfo.processInfo.activeProcessorCount))),
                ("threads", .number(Double(threads))),
                ("recording", .bool(!noRecord)),
                ("neurons", .number(Double(derived.totalNeurons))),
                ("parameters", p.configuration),
                ("results", .array(results)),
            ])
            try failing { try StatisticsFile.writeAtomically(Array(document.serialized().utf8), to: json) }
        }
    }
}
