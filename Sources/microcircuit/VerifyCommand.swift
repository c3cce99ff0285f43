import Analysis
import ArgumentParser
import Connectivity
import Foundation
import MicrocircuitModel
import OpenCLBackend
import Simulation

/// `microcircuit verify`: runs the CPU reference and the OpenCL backend on the same network
/// and compares their spikes one by one.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check that the OpenCL backend emits exactly the CPU backend's spikes.",
        discussion: "Exit status 0: identical; 1: a difference (the first one is printed).")

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
        try checkMemory(derived)
        let network = try failing { try Network.build(derived, threads: threads) }
        let gpu = try plan.make(derived) { network }.backend
        report("OpenCL backend: synapses built on the \(plan.synapsesBuiltOn)")
        let cpu = CPUBackend(network: network, threads: threads)
        Interruption.install()
        var spikes: [SpikeTrains] = []
        for backend in [cpu, gpu] as [SimulationBackend] {
            report("running \(backend.name) on \(backend.device)")
            let progress = ProgressLine(quiet: quiet)
            var clock = Stopwatch()
            spikes.append(try failing {
                defer { progress.finish() }
                return try SimulationDriver(derived: derived).run(backend, progress: progress.update, shouldStop: { Interruption.requested }).spikes
            })
            report("\(backend.name): \(spikes.last!.count) spikes in " + String(format: "%.2f s", clock.lap()))
        }
        let comparison = SpikeComparison(cpu: spikes[0], opencl: spikes[1], derived: derived)
        print(comparison)
        if comparison.difference != nil { throw ExitCode(1) }
    }
}
