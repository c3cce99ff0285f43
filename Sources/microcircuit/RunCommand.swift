import Analysis
import ArgumentParser
import Connectivity
import Foundation
import MicrocircuitModel
import Simulation

/// `microcircuit run`: build, simulate, write the reference's output folder and summary.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Build and simulate the network, write spikes and a summary.")

    @OptionGroup var model: ModelOptions

    @OptionGroup var backend: BackendOptions

    @Option(help: "Output folder (default: data_scale_<N_scaling>).")
    var output: String?

    @Flag(help: "Replace an existing output folder (one that has population_nodeids.dat, or an empty one).")
    var overwrite = false

    @Flag(help: "No progress line.")
    var quiet = false

    @Flag(help: "When stopped (Ctrl-C, SIGTERM) during the simulation phase, keep what was simulated: the files up to the stop and a summary.json for that part, marked \"interrupted\": true.")
    var keepPartial = false

    func run() throws {
        let derived = try model.resolve()
        let plan = try backend.plan()
        let threads = try backend.cpu.count(warn: true)
        modelWarnings(derived).forEach(report)
        let path = output ?? String(format: "data_scale_%.2f", derived.parameters.network.nScaling)
        // From here on Ctrl-C stops the run at the next check and removes the staging folder.
        Interruption.install()
        let folder: OutputFolder
        do {
            folder = try OutputFolder(path: path, overwrite: overwrite)
        } catch let error as OutputError {
            throw CommandFailure(message: error.description, status: 2)
        }
        let estimate = try checkMemory(derived, synapsesOnHost: plan.needsHostNetwork)
        let outputSize = OutputEstimate(derived)
        try failing { try outputSize.check(available: folder.availableBytes, location: folder.destination.deletingLastPathComponent().path) }

        report("microcircuit \(Microcircuit.version): \(derived.totalNeurons) neurons, \(derived.synapsesIncludingThalamic) synapses, \(derived.parameters.network.backgroundInput.rawValue) background, seed \(derived.parameters.simulation.seed), estimated memory \(formatBytes(estimate.total)), output files up to about \(formatBytes(outputSize.total))")
        var timings = PhaseTimings()
        let (engine, deviceConstruction, setup) = try plan.make(derived) {
            var clock = Stopwatch()
            defer { timings.construction = clock.lap() }
            return try failing { try Network.build(derived, threads: threads) }
        }
        timings.construction += deviceConstruction
        timings.upload = setup
        if Interruption.requested { throw CommandFailure(message: RunInterrupted(step: 0).description, status: CommandFailure.interruptedStatus) }
        let files = try failing { try RecordingFiles(derived: derived, version: Microcircuit.version, threads: threads, in: folder) }
        // Writing overlaps the simulation where the backend leaves a host core free for it.
        let recordings = RecordingWriter(files, inBackground: engine.hostThreads < ProcessInfo.processInfo.activeProcessorCount)
        defer { recordings.stop() }
        report(String(format: "construction %.2f s (on the \(plan.synapsesBuiltOn)), backend set-up %.2f s", timings.construction, timings.upload)
               + "; running on \(engine.device)" + (recordings.inBackground ? "; files written alongside" : ""))

        let progress = ProgressLine(quiet: quiet)
        let p = derived.parameters.simulation
        var window = WindowSpikeCounts(derived: derived, begin: p.tPresim, end: p.tPresim + p.tSim)
        var stoppedAt: Int?
        let result = try failing {
            defer { progress.finish() }
            do {
                return try SimulationDriver(derived: derived).run(
                    engine, progress: progress.update, shouldStop: { Interruption.requested },
                    recordings: { spikes, voltages in
                        window.add(spikes)
                        try recordings.append(spikes: spikes, voltages: voltages)
                    })
            } catch let stop as RunInterrupted where keepPartial && stop.step > derived.schedule.presimulation {
                stoppedAt = stop.step
                return stop.results[0]
            } catch let stop as RunInterrupted where keepPartial {
                throw CommandFailure(message: "\(stop) (stopped in the presimulation: nothing to keep)", status: CommandFailure.interruptedStatus)
            }
        }
        timings.presimulation = result.presimulationSeconds
        timings.simulation = result.simulationSeconds
        // A run stopped in its simulation phase and kept: its summary describes the part simulated.
        var simulated = derived
        if let stoppedAt {
            var parameters = derived.parameters
            parameters.simulation.tSim = Double(stoppedAt - derived.schedule.presimulation) * derived.resolution
            simulated = try failing { try DerivedParameters(parameters) }
            window.end(at: parameters.simulation.tPresim + parameters.simulation.tSim)
        }

        let summary = try failing {
            var clock = Stopwatch()
            try recordings.finish()
            timings.output = result.outputSeconds + clock.lap()
            // After the files, so that the peak covers writing them too.
            let summary = RunSummary(
                version: Microcircuit.version, backend: engine.name, device: engine.device, synapsesBuiltOn: plan.synapsesBuiltOn, derived: simulated,
                synapses: engine.synapseRowStart.last ?? 0, spikesTotal: engine.spikeCount, timings: timings,
                peakMemoryBytes: peakResidentMemory(), populations: PopulationStatistics.compute(window, derived: derived),
                requestedSimulation: stoppedAt == nil ? nil : derived.parameters.simulation.tSim)
            try folder.write("summary.json", summary.json.serialized())
            try folder.commit()
            return summary
        }
        print(summaryTable(summary))
        print("output: \(folder.destination.path)")
        if stoppedAt != nil {
            throw CommandFailure(
                message: String(format: "interrupted: kept the first %.1f ms of the %.1f ms simulation phase (summary.json says \"interrupted\": true)",
                                simulated.parameters.simulation.tSim, derived.parameters.simulation.tSim),
                status: CommandFailure.interruptedStatus)
        }
    }
}

/// Runs `body`, turning the library's descriptive errors into a `CommandFailure`.
func failing<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as ParameterError {
        throw CommandFailure(message: error.description, status: 2)
    } catch let error as RunInterrupted {
        throw CommandFailure(message: error.description, status: CommandFailure.interruptedStatus)
    } catch let error as CommandFailure {
        throw error
    } catch {
        throw CommandFailure(message: "\(error)", status: 1)
    }
}

/// Per-population rates and the phase timings, as printed at the end of a run.
func summaryTable(_ s: RunSummary) -> String {
    var lines = ["population  neurons  rate mean (1/s)  rate std (1/s)  silent"]
    for p in s.populations {
        lines.append(p.population.name.padding(toLength: 10, withPad: " ", startingAt: 0) + String(format: " %8d %16.3f %15.3f %7.3f", p.neurons, p.rateMean, p.rateStd, p.silentFraction))
    }
    lines.append(String(format: "construction %.2f s, set-up %.2f s, presimulation %.2f s, simulation %.2f s (RTF %.3f), writing files %.2f s, %d spikes",
                        s.timings.construction, s.timings.upload, s.timings.presimulation, s.timings.simulation, s.realTimeFactor, s.timings.output, s.spikesTotal))
    if let peak = s.peakMemoryBytes { lines.append("peak memory \(formatBytes(peak))") }
    return lines.joined(separator: "\n")
}
