import ArgumentParser
import OpenCLBackend
import Simulation

/// `--backend`, `--device` and `--threads`, shared by the commands that simulate.
struct BackendOptions: ParsableArguments {
    @Option(help: "Backend: cpu, opencl, or auto (the first suitable GPU, else cpu).")
    var backend = "auto"

    @Option(help: "OpenCL device index from `microcircuit devices` (default: the first suitable GPU).")
    var device: Int?

    @Option(help: "CPU worker threads (default: all cores).")
    var threads: Int?

    enum Kind: String { case cpu, opencl, auto }

    func kind() throws -> Kind {
        guard let kind = Kind(rawValue: backend) else {
            throw CommandFailure(message: "invalid parameter '--backend': must be cpu, opencl or auto, got '\(backend)'", status: 2)
        }
        if kind == .cpu && device != nil {
            throw CommandFailure(message: "invalid parameter '--device': only meaningful with --backend opencl or auto", status: 2)
        }
        return kind
    }

    func threadCount() throws -> Int { try resolveThreads(threads) }

    /// The backend for `network`; `auto` falls back to the CPU when no suitable GPU exists.
    func make(_ network: Network) throws -> SimulationBackend {
        switch try kind() {
        case .cpu:
            return CPUBackend(network: network, threads: try threadCount())
        case .opencl:
            return try failing { try OpenCLBackend(network: network, device: try DeviceSelection.choose(index: device, allowCPU: true)) }
        case .auto:
            let chosen: OpenCLDevice
            do {
                chosen = try DeviceSelection.choose(index: device, allowCPU: false)
            } catch where device == nil {
                return CPUBackend(network: network, threads: try threadCount())
            } catch {
                throw CommandFailure(message: "\(error)", status: 1)
            }
            return try failing { try OpenCLBackend(network: network, device: chosen) }
        }
    }
}
