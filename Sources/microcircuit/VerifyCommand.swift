import Analysis
import ArgumentParser
import Connectivity
import Foundation
import MicrocircuitModel
import OpenCLBackend
import Simulation

/// `microcircuit verify`: runs the CPU reference and the OpenCL backend on the same network in
/// lockstep and compares their spikes one by one and their membrane potentials bit for bit
/// (where the runs end, and at every voltmeter sample with --record-voltage), chunk by chunk,
/// stopping at the first chunk that differs.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check that the OpenCL backend gives exactly the CPU backend's spikes and potentials.",
        discussion: "The two backends run side by side, a chunk of steps at a time, and the first chunk that differs ends both runs. The membrane potentials after the last step are compared bit for bit, and with --record-voltage every voltmeter sample too. Exit status 0: identical; 1: a difference (the first one is printed); 130: interrupted (the comparison up to the stop is printed).")

    @OptionGroup var model: ModelOptions

    @OptionGroup var openCL: OpenCLOptions

    @OptionGroup var cpu: ThreadOptions

    @Flag(help: "No progress line.")
    var quiet = false

    func run() throws {
        let derived = try model.resolve()
        let threads = try cpu.count(warn: true)
        let plan = try openCL.plan(.opencl, threads: threads)
        modelWarnings(derived).forEach(report)
        try checkMemory(derived, runs: 2)
        let network = try failing { try Network.build(derived, threads: threads) }
        let gpu = try plan.make(derived) { network }.backend
        report("OpenCL backend: synapses built on the \(plan.synapsesBuiltOn)")
        let cpu = try failing { try CPUBackend(network: network, threads: threads, ringBits: openCL.ringBits) }
        Interruption.install()
        report("running \(cpu.name) on \(cpu.device) and \(gpu.name) on \(gpu.device) in lockstep")
        var comparison = BackendComparison(derived: derived)
        let progress = ProgressLine(quiet: quiet)
        var ending = Ending.completed
        let results: [RunResult] = try failing {
            defer { progress.finish() }
            do {
                return try SimulationDriver(derived: derived).run(
                    inLockstep: [cpu, gpu], progress: progress.update, shouldStop: { Interruption.requested },
                    recordings: { chunks in try comparison.compare(cpu: chunks[0], opencl: chunks[1]) })
            } catch is BackendComparison.Diverged {
                ending = .diverged
                return []
            } catch let stop as RunInterrupted where stop.step > 0 {
                // What was compared up to the stop is reported, not lost.
                ending = .interrupted
                return stop.results
            }
        }
        let step = cpu.currentStep - 1
        let time = String(format: "t = %.1f ms", Double(step + 1) * derived.resolution)
        try failing { try comparison.compareFinal(step: step, cpu: cpu.membranePotentials, opencl: gpu.membranePotentials) }
        for (backend, result) in zip([cpu, gpu] as [SimulationBackend], results) {
            report("\(backend.name): \(backend.spikeCount) spikes in " + String(format: "%.2f s", result.presimulationSeconds + result.simulationSeconds))
        }
        switch ending {
        case .completed: break
        case .diverged: report("stopped after step \(step) (\(time)), at the end of the first chunk of steps that differs")
        case .interrupted: report("interrupted after step \(step) (\(time)); what follows compares the runs up to there")
        }
        print(comparison.spikes)
        print(comparison.potentials)
        if !comparison.identical { throw ExitCode(1) }
        if ending == .interrupted {
            let total = String(format: "%.1f ms", Double(derived.schedule.total) * derived.resolution)
            throw CommandFailure(message: "interrupted at \(time) of \(total); identical up to there", status: CommandFailure.interruptedStatus)
        }
    }

    /// How the lockstep run ended.
    private enum Ending { case completed, diverged, interrupted }
}
