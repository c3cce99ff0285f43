import Analysis
import ArgumentParser
import Connectivity
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

    @Option(name: .customLong("repeat"), parsing: .unconditional, help: "Repetitions per backend.")
    var repetitions = 1

    @Flag(name: .customLong("no-record"), help: "Count spikes without handing them back (no recording cost).")
    var noRecord = false

    @Flag(name: .customLong("time-kernels"), help: "Time every OpenCL step launch on the device (its profiling timestamps) and report the simulation phase's kernel time, the device's idle time between launches and the host's time enqueueing them. Timing adds a little host work per launch.")
    var timeKernels = false

    @Option(help: "Also write the results as JSON to this file (written whole; after Ctrl-C or SIGTERM, the runs finished by then).")
    var json: String?

    static let columns = "backend  built   rep  construct_s  setup_s  presim_s    sim_s      RTF  events/s     spikes  host_peak  device_mem"

    func run() throws {
        guard repetitions >= 1 else { throw CommandFailure(message: "invalid parameter '--repeat': must be at least 1", status: 2) }
        if let json { try failing { try StatisticsFile.requireWritable(json) } }
        try backendOptions.requireOpenCL(for: "--time-kernels", given: timeKernels)
        let plans = try backendOptions.plans().map { timeKernels ? $0.timingKernels() : $0 }
        if timeKernels && !plans.contains(where: \.runsOpenCL) {
            report("bench: --time-kernels has nothing to time: --backend auto found no suitable GPU and runs the CPU backend")
        }
        let derived = try model.resolve()
        let threads = try backendOptions.cpu.count(warn: true)
        try checkMemory(derived, synapsesOnHost: plans.contains { $0.needsHostNetwork })
        let p = derived.parameters
        report("bench: \(derived.totalNeurons) neurons, \(p.network.backgroundInput.rawValue) background, t_presim \(p.simulation.tPresim) ms, t_sim \(p.simulation.tSim) ms, recording \(noRecord ? "off" : "on"), \(threads) CPU threads")
        print(Self.columns)
        var results: [JSONValue] = []
        // Per plan, over the repetitions: real-time factors and construction times.
        var realTimeFactors = [[Double]](repeating: [], count: plans.count)
        var constructions = [[Double]](repeating: [], count: plans.count)
        var labels = [String](repeating: "", count: plans.count)
        Interruption.install()
        // An interruption ends the loop; the runs finished by then are reported and written.
        var interruption: CommandFailure?
        repetitionLoop: for repetition in 1...repetitions {
            // Built once per repetition and shared by the backends that run a host-built table.
            var hostNetwork: Network?
            var hostConstruction = 0.0
            for (index, plan) in plans.enumerated() {
                let (backend, deviceConstruction, setup) = try plan.make(derived) {
                    if let hostNetwork { return hostNetwork }
                    var clock = Stopwatch()
                    let network = try failing { try Network.build(derived, threads: threads) }
                    hostConstruction = clock.lap()
                    hostNetwork = network
                    return network
                }
                let construction = plan.needsHostNetwork ? hostConstruction : deviceConstruction
                backend.recordsSpikes = !noRecord
                let opencl = backend as? OpenCLBackend
                var presimulationSpikes = 0
                var recordedEvents = 0
                let rowStart = backend.synapseRowStart
                let progressLine = ProgressLine(quiet: false, terminalOnly: true)
                let result: RunResult
                do {
                    result = try failing {
                        defer { progressLine.finish(erasing: true) }
                        // The recordings are taken (on the OpenCL backend, recorded on the
                        // device and copied back) and dropped once their synaptic events are
                        // counted, chunk by chunk.
                        return try SimulationDriver(derived: derived).run(backend, progress: { progress in
                            progressLine.update(progress)
                            if progress.phase == .presimulation {
                                presimulationSpikes = progress.spikes
                                opencl?.resetKernelTimes()
                            }
                        }, shouldStop: { Interruption.requested }, recordings: { spikes, _ in
                            recordedEvents += spikes.synapticEvents(rowStart: rowStart, fromStep: derived.schedule.presimulation)
                        })
                    }
                } catch let failure as CommandFailure where failure.isInterruption {
                    interruption = failure
                    break repetitionLoop
                }
                let measured = Measurement(derived: derived, backend: backend, result: result, presimulationSpikes: presimulationSpikes,
                                           recordedEvents: noRecord ? nil : recordedEvents)
                realTimeFactors[index].append(measured.realTimeFactor)
                constructions[index].append(construction)
                labels[index] = "\(backend.name) (\(plan.synapsesBuiltOn)-built)"
                let deviceMemory: Int? = opencl?.deviceMemoryBytes
                let peak: Int? = peakResidentMemory()
                var line = backend.name.padding(toLength: 8, withPad: " ", startingAt: 0) + " " + plan.synapsesBuiltOn.padding(toLength: 6, withPad: " ", startingAt: 0)
                line += String(format: " %4d %12.3f %8.3f %9.3f %8.3f", repetition, construction, setup, result.presimulationSeconds, result.simulationSeconds)
                line += String(format: " %8.4f %9.3g %10d", measured.realTimeFactor, measured.eventsPerSecond, backend.spikeCount)
                line += "  " + (peak.map(formatBytes) ?? "-").padding(toLength: 10, withPad: " ", startingAt: 0) + " " + (deviceMemory.map(formatBytes) ?? "-")
                print(line)
                if let times = opencl?.kernelTimes { print(Self.describe(times, wall: result.simulationSeconds, barrier: opencl?.barrierSeconds)) }
                if let resources = opencl?.stepKernelResources, !resources.isEmpty { print(Self.describe(resources)) }
                let row: [(String, JSONValue)] = [
                    ("backend", .string(backend.name)), ("device", .string(backend.device)), ("repetition", .number(Double(repetition))),
                    ("construction_site", .string(plan.synapsesBuiltOn)), ("construction_s", .number(construction)),
                    ("setup_s", .number(setup)), ("compile_s", .number(opencl?.setupTimings.compile ?? 0)),
                    ("upload_s", .number(opencl?.setupTimings.upload ?? 0)),
                    ("steps_per_launch", opencl.map { .number(Double($0.stepsPerLaunch)) } ?? .null),
                    ("work_group", opencl.map { .string("\($0.workGroup)") } ?? .null),
                    ("ring_bits", .number(Double(backend.ringBits))),
                    ("ring_slots_excitatory", .number(Double(backend.ringSlots.excitatory))),
                    ("ring_slots_inhibitory", .number(Double(backend.ringSlots.inhibitory))),
                    ("largest_step_input_pA", opencl?.largestStepInput.map { .number(Double($0) * FixedPointWeight.picoamperePerUnit) } ?? .null),
                    ("presimulation_s", .number(result.presimulationSeconds)), ("simulation_s", .number(result.simulationSeconds)),
                    ("real_time_factor", .number(measured.realTimeFactor)), ("synaptic_events", .number(measured.events)),
                    ("synaptic_events_exact", .bool(!noRecord)), ("synaptic_events_per_s", .number(measured.eventsPerSecond)),
                    ("spikes_total", .number(Double(backend.spikeCount))),
                    ("peak_host_memory_bytes", peak.map { .number(Double($0)) } ?? .null),
                    ("device_memory_bytes", deviceMemory.map { .number(Double($0)) } ?? .null),
                    ("kernel_times", opencl?.kernelTimes.map { Self.json($0, barrier: opencl?.barrierSeconds) } ?? .null),
                    ("kernel_resources", opencl.flatMap { $0.stepKernelResources.isEmpty ? nil : Self.json($0.stepKernelResources) } ?? .null),
                ]
                results.append(.object(row))
            }
        }
        if let interruption, results.isEmpty { throw interruption }
        // Speed-ups over the first backend listed, from the medians over the repetitions.
        var ratios: [JSONValue] = []
        for index in plans.indices.dropFirst() where !realTimeFactors[index].isEmpty {
            let simulation = median(realTimeFactors[0]) / median(realTimeFactors[index])
            let building = median(constructions[0]) / median(constructions[index])
            print("speed-up of \(labels[index]) over \(labels[0]) (medians): simulation " + String(format: "%.2fx", simulation)
                + ", construction " + String(format: "%.2fx", building))
            ratios.append(.object([("baseline", .string(labels[0])), ("backend", .string(labels[index])),
                                   ("simulation_speedup", .number(simulation)), ("construction_speedup", .number(building))]))
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
                ("ratios", .array(ratios)),
                ("interrupted", .bool(interruption != nil)),
            ])
            try failing { try StatisticsFile.writeAtomically(Array(document.serialized().utf8), to: json) }
        }
        if var interruption {
            if let json { interruption.message = "interrupted; the \(results.count) runs finished before it are in \(json), marked \"interrupted\": true" }
            throw interruption
        }
    }
}

extension BenchCommand {
    /// One line under the table row: where the simulation phase's wall time went, and with
    /// many steps per launch what a barrier between steps costs on its own.
    static func describe(_ times: KernelTimes, wall: Double, barrier: Double?) -> String {
        let perStep = times.steps > 0 ? 1e6 / Double(times.steps) : 0
        return "  kernels: \(times.launches) launches for \(times.steps) steps; per step "
            + String(format: "%.2f us on the device, %.2f us idle between launches, %.2f us idle between batches, %.2f us enqueueing on the host, %.2f us wall",
                     times.busySeconds * perStep, times.idleSeconds * perStep, times.batchGapSeconds * perStep,
                     times.enqueueSeconds * perStep, wall * perStep)
            + (barrier.map { String(format: "; a barrier across work-groups alone %.2f us", $0 * 1e6) } ?? "")
    }

    static func describe(_ resources: [String: KernelResources]) -> String {
        "  compiler: " + resources.sorted { $0.key < $1.key }.map { name, r in
            "\(name) \(r.registers) registers, \(r.stackBytes) B stack, \(r.spillBytes) B spilled"
        }.joined(separator: "; ")
    }

    static func json(_ resources: [String: KernelResources]) -> JSONValue {
        .object(resources.sorted { $0.key < $1.key }.map { name, r in
            (name, .object([("registers", .number(Double(r.registers))), ("stack_bytes", .number(Double(r.stackBytes))),
                            ("spill_bytes", .number(Double(r.spillBytes)))]))
        })
    }

    static func json(_ times: KernelTimes, barrier: Double?) -> JSONValue {
        .object([("launches", .number(Double(times.launches))), ("steps", .number(Double(times.steps))),
                 ("busy_s", .number(times.busySeconds)), ("span_s", .number(times.spanSeconds)),
                 ("idle_s", .number(times.idleSeconds)), ("batch_gap_s", .number(times.batchGapSeconds)),
                 ("enqueue_s", .number(times.enqueueSeconds)),
                 ("barrier_s", barrier.map { .number($0) } ?? .null)])
    }
}

/// The simulation phase's real-time factor and synaptic events of one benchmark run.
struct Measurement {
    var realTimeFactor: Double
    /// Synapses that carried a spike in the simulation phase: exact from the recorded
    /// spikes' rows, else estimated from the spike count and the mean out-degree.
    var events: Double
    var eventsPerSecond: Double

    init(derived: DerivedParameters, backend: SimulationBackend, result: RunResult, presimulationSpikes: Int, recordedEvents: Int?) {
        let rowStart = backend.synapseRowStart
        if let recordedEvents {
            events = Double(recordedEvents)
        } else {
            let meanOutDegree = Double(rowStart.last ?? 0) / Double(max(1, rowStart.count - 1))
            events = Double(backend.spikeCount - presimulationSpikes) * meanOutDegree
        }
        realTimeFactor = derived.realTimeFactor(simulationSeconds: result.simulationSeconds)
        eventsPerSecond = events / result.simulationSeconds
    }
}

/// The middle value (the mean of the two middle ones for an even count).
func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}
