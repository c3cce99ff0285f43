import ArgumentParser
import Connectivity
import Foundation
import MicrocircuitModel
import OpenCLBackend
import Simulation

/// `--device`, `--construct`, `--steps-per-launch` and `--work-group`: how the OpenCL backend
/// runs (run, bench and verify); and `--ring-bits`, for both backends.
struct OpenCLOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "OpenCL device index from `microcircuit devices` (default: $MICROCIRCUIT_DEVICE, else the first suitable GPU; --backend opencl and verify fall back to any suitable device, such as PoCL).")
    var device: Int?

    @Option(help: "Where the OpenCL backend builds the synapses: device, host (then uploaded), or auto (device on GPUs, host on CPU devices such as PoCL). Both build the same table; in verify, device makes the comparison cover construction too.")
    var construct = "auto"

    @Option(parsing: .unconditional, help: "OpenCL steps per kernel launch. Above 1, one launch runs that many steps with a barrier across work-groups between them, which saves a launch per step; refused where a step's work-groups cannot all run at once. Default: 1000 on GPUs (1 where a step's work-groups cannot all run at once), 1 on CPU devices. Same spikes either way.")
    var stepsPerLaunch: Int?

    @Option(help: "OpenCL work-group shape of the step kernels, as WORK_ITEMSxNEURONS_PER_ITEM: at most 1024 work-items (and what the device allows), each updating 1, 2 or a multiple of 4 neurons (default: the device's, 256x1 on GPUs, 64x4 on CPU devices). For tuning; same spikes either way.")
    var workGroup: String?

    @Option(help: "Bits of each backend's input sums per neuron and step: 32, refused where one neuron's input of one step could overflow them, or 64 (default: 32 where the network's synapses cannot overflow them, as for the model's parameters at every scale but tiny --n-scaling, else 64). Exact either way: same spikes.")
    var ringBits: Int?

    /// How the OpenCL backend is to launch its steps.
    func launchOptions() throws -> LaunchOptions {
        if let stepsPerLaunch, !(1...1_000_000).contains(stepsPerLaunch) {
            throw CommandFailure(message: "invalid parameter '--steps-per-launch': must be in [1, 1000000], got \(stepsPerLaunch)", status: 2)
        }
        if let ringBits, ![32, 64].contains(ringBits) {
            throw CommandFailure(message: "invalid parameter '--ring-bits': must be 32 or 64, got \(ringBits)", status: 2)
        }
        do {
            return LaunchOptions(stepsPerLaunch: stepsPerLaunch, workGroup: try workGroup.map(WorkGroupShape.init(parsing:)), ringBits: ringBits)
        } catch {
            throw CommandFailure(message: "invalid parameter '--work-group': \(error)", status: 2)
        }
    }

    /// The OpenCL backend on the chosen device; `auto` with no suitable GPU falls back to the
    /// CPU backend (`threads`).
    func plan(_ kind: BackendOptions.Kind, threads: Int) throws -> BackendPlan {
        try BackendPlan.choose(kind, device: device, construct: construct, launch: try launchOptions(), threads: threads)
    }
}

/// `--threads`: the CPU backend's workers, and the host builder's (run, bench and verify).
struct ThreadOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "CPU worker threads (default: all cores).")
    var threads: Int?

    /// The flag, or every core; with `warn`, says so when the threads outnumber the cores
    /// (once per command: the command's own call warns, the backend plan's does not).
    func count(warn: Bool = false) throws -> Int {
        guard let threads else { return ProcessInfo.processInfo.activeProcessorCount }
        guard (1...1024).contains(threads) else {
            throw CommandFailure(message: "invalid parameter '--threads': must be in [1, 1024], got \(threads)", status: 2)
        }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        if warn && threads > cores {
            // Measured: 1024 threads on 2 cores ran scale 0.01 at RTF 57 against 0.47 for 7.
            report("warning: \(threads) threads on \(cores) cores; the workers wait for each other at a spin barrier every step, which is slow when they outnumber the cores")
        }
        return threads
    }
}

/// `--backend`, the OpenCL options and `--threads`, shared by the commands that simulate.
struct BackendOptions: ParsableArguments {
    @Option(help: "Backend: cpu, opencl, or auto (the first suitable GPU, else cpu).")
    var backend = "auto"

    @OptionGroup var openCL: OpenCLOptions

    @OptionGroup var cpu: ThreadOptions

    enum Kind: String { case cpu, opencl, auto }

    /// The backends `--backend` names (`bench` takes a comma-separated list).
    func kinds() throws -> [Kind] {
        let kinds = try backend.split(separator: ",", omittingEmptySubsequences: false).map { name in
            guard let kind = Kind(rawValue: String(name)) else {
                throw CommandFailure(message: "invalid parameter '--backend': must be cpu, opencl or auto, got '\(name)'", status: 2)
            }
            return kind
        }
        try requireOpenCL(for: "--device", given: openCL.device != nil, kinds)
        try requireOpenCL(for: "--construct", given: openCL.construct != "auto", kinds, why: " (the CPU backend builds on the host)")
        try requireOpenCL(for: "--steps-per-launch", given: openCL.stepsPerLaunch != nil, kinds)
        try requireOpenCL(for: "--work-group", given: openCL.workGroup != nil, kinds)
        return kinds
    }

    /// Refuses an OpenCL-only `flag`, when `given`, if the backends are the CPU's alone.
    func requireOpenCL(for flag: String, given: Bool, _ kinds: [Kind]? = nil, why: String = "") throws {
        guard given, try (kinds ?? self.kinds()) == [.cpu] else { return }
        throw CommandFailure(message: "invalid parameter '\(flag)': only meaningful with --backend opencl or auto\(why)", status: 2)
    }

    /// The one backend of `run`.
    func plan() throws -> BackendPlan {
        let kinds = try kinds()
        guard kinds.count == 1 else {
            throw CommandFailure(message: "invalid parameter '--backend': this command runs one backend, got '\(backend)'", status: 2)
        }
        return try plan(kinds[0])
    }

    /// One plan per backend `--backend` names.
    func plans() throws -> [BackendPlan] { try kinds().map(plan) }

    func plan(_ kind: Kind) throws -> BackendPlan { try openCL.plan(kind, threads: try cpu.count()) }
}

/// `--construct`.
enum ConstructionSite: String {
    case auto, host, device

    init(flag: String) throws {
        guard let site = ConstructionSite(rawValue: flag) else {
            throw CommandFailure(message: "invalid parameter '--construct': must be device, host or auto, got '\(flag)'", status: 2)
        }
        self = site
    }

    func buildsOnDevice(_ info: DeviceInfo) -> Bool {
        switch self {
        case .host: return false
        case .device: return true
        // PoCL's work-group sort is slower than the host builder; a GPU's is far faster.
        case .auto: return info.isGPU
        }
    }
}

/// A chosen backend, not yet built: what it runs on and where its synapses are built.
struct BackendPlan {
    enum Engine {
        case cpu(threads: Int, ringBits: Int?)
        case opencl(OpenCLDevice, buildsOnDevice: Bool, launch: LaunchOptions)
    }

    let engine: Engine

    /// The same plan, with the OpenCL step launches timed on the device (bench --time-kernels).
    func timingKernels() -> BackendPlan {
        guard case .opencl(let device, let onDevice, var launch) = engine else { return self }
        launch.timesKernels = true
        return BackendPlan(engine: .opencl(device, buildsOnDevice: onDevice, launch: launch))
    }

    /// Chooses the device (`--device`, else $MICROCIRCUIT_DEVICE, else the first suitable
    /// GPU) and the place of construction; `auto` falls back to the CPU when no suitable GPU
    /// exists.
    static func choose(_ kind: BackendOptions.Kind, device: Int?, construct: String, launch: LaunchOptions, threads: Int) throws -> BackendPlan {
        let site = try ConstructionSite(flag: construct)
        switch kind {
        case .cpu:
            return BackendPlan(engine: .cpu(threads: threads, ringBits: launch.ringBits))
        case .opencl:
            let chosen = try failing { try DeviceSelection.choose(index: try deviceIndex(device), allowCPU: true, indexSource: deviceIndexSource(device)) }
            return BackendPlan(engine: .opencl(chosen, buildsOnDevice: site.buildsOnDevice(chosen.info), launch: launch))
        case .auto:
            let index = try deviceIndex(device)
            do {
                let chosen = try DeviceSelection.choose(index: index, allowCPU: false, indexSource: deviceIndexSource(device))
                return BackendPlan(engine: .opencl(chosen, buildsOnDevice: site.buildsOnDevice(chosen.info), launch: launch))
            } catch where index == nil {
                return BackendPlan(engine: .cpu(threads: threads, ringBits: launch.ringBits))
            } catch {
                throw CommandFailure(message: "\(error)", status: 1)
            }
        }
    }

    var runsOpenCL: Bool {
        if case .opencl = engine { return true }
        return false
    }

    /// Whether the synapse table is built on the host (for the CPU backend, or uploaded).
    var needsHostNetwork: Bool {
        if case .opencl(_, buildsOnDevice: true, _) = engine { return false }
        return true
    }

    /// "host" or "device": where the synapses are built.
    var synapsesBuiltOn: String { needsHostNetwork ? "host" : "device" }

    /// Builds the backend. `hostNetwork` is asked for the host-built network only when the
    /// plan needs one. Returns the backend and the seconds its own set-up took, split into
    /// construction on the device (zero otherwise) and the rest (program build, uploads).
    func make(_ derived: DerivedParameters, hostNetwork: () throws -> Network) throws -> (backend: SimulationBackend, deviceConstruction: Double, setup: Double) {
        switch engine {
        case .cpu(let threads, let ringBits):
            let network = try hostNetwork()
            var clock = Stopwatch()
            let backend = try failing { try CPUBackend(network: network, threads: threads, ringBits: ringBits) }
            return (backend, 0, clock.lap())
        case .opencl(let device, let onDevice, let launch):
            let network = onDevice ? nil : try hostNetwork()
            var clock = Stopwatch()
            let backend = try failing {
                if let network { return try OpenCLBackend(network: network, device: device, launch: launch) }
                return try OpenCLBackend(buildingOnDevice: derived, device: device, launch: launch)
            }
            if let reason = backend.oneStepPerLaunchBecause { report("note: one step per launch, not \(launch.batchSteps): \(reason)") }
            let total = clock.lap()
            return (backend, backend.setupTimings.construction, total - backend.setupTimings.construction)
        }
    }
}

/// Where `deviceIndex` takes the index from, as the user wrote it.
func deviceIndexSource(_ flag: Int?) -> String { flag == nil ? "MICROCIRCUIT_DEVICE" : "--device" }

/// `--device`, else `$MICROCIRCUIT_DEVICE`, else nil (choose automatically).
func deviceIndex(_ flag: Int?) throws -> Int? {
    if let flag { return flag }
    guard let text = ProcessInfo.processInfo.environment["MICROCIRCUIT_DEVICE"], !text.isEmpty else { return nil }
    guard let index = Int(text), index >= 0 else {
        throw CommandFailure(message: "invalid parameter 'MICROCIRCUIT_DEVICE': must be a device index (see `microcircuit devices`), got '\(text)'", status: 2)
    }
    return index
}
