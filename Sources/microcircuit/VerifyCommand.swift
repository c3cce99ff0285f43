import Analysis
import ArgumentParser
import Connectivity
import Foundation
import MicrocircuitModel
import OpenCLBackend
import Simulation

/// `microcircuit verify`: runs the CPU reference and the OpenCL backend on the same network
/// and compares their spikes one by one and their membrane potentials bit for bit (after the
/// last step, and at every voltmeter sample with --record-voltage).
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check that the OpenCL backend gives exactly the CPU backend's spikes and potentials.",
        discussion: "The membrane potentials after the last step are compared bit for bit, and with --record-voltage every voltmeter sample too. Exit status 0: identical; 1: a difference (the first one is printed).")

    @OptionGroup var model: ModelOptions

    @OptionGroup var openCL: OpenCLOptions

    @OptionGroup var cpu: ThreadOptions

    @Flag(help: "No progress line.")
    var quiet = false

    func run() throws {
        let derived = try model.resolve()
        let threads = try cpu.count(warn: true)
        let plan = try openCL.plan(.opencl, threads: threads)
        rheobaseWarnings(derived).forEach(report)
        try checkMemory(derived, runs: 2, keepsRecordings: true)
        let network = try failing { try Network.build(derived, threads: threads) }
        let gpu = try plan.make(derived) { network }.backend
        report("OpenCL backend: synapses built on the \(plan.synapsesBuiltOn)")
        let cpu = CPUBackend(network: network, threads: threads)
        Interruption.install()
        var results: [RunResult] = []
        for backend in [cpu, gpu] as [SimulationBackend] {
            report("running \(backend.name) on \(backend.device)")
            let progress = ProgressLine(quiet: quiet)
            var clock = Stopwatch()
            var result = try failing {
                defer { progress.finish() }
                return try SimulationDriver(derived: derived).run(backend, progress: progress.update, shouldStop: { Interruption.requested })
            }
            // The potentials after the last step are compared always, the voltmeter's samples too.
            var trace = result.voltages ?? VoltageTrace()
            if trace.steps.last != backend.currentStep - 1 {
                trace.steps.append(backend.currentStep - 1)
                trace.samples.append(try failing { try backend.membranePotentials() })
            }
            result.voltages = trace
            results.append(result)
            report("\(backend.name): \(result.spikes.count) spikes in " + String(format: "%.2f s", clock.lap()))
        }
        let spikes = SpikeComparison(cpu: results[0].spikes, opencl: results[1].spikes, derived: derived)
        let potentials = VoltageComparison(cpu: results[0].voltages!, opencl: results[1].voltages!, derived: derived)
        print(spikes)
        print(potentials)
        let identical = spikes.difference == nil && potentials.difference == nil
        if !identical { throw ExitCode(1) }
    }
}
