import ArgumentParser
import Foundation
import OpenCLBackend
import Simulation

/// `--backend`, `--device` and `--threads`, shared by the commands that simulate.
struct BackendOptions: ParsableArguments {
    @Option(help: "Backend: cpu, opencl, or auto (the first suitable GPU, else cpu).")
    var backend = "auto"

    @Option(help: "OpenCL device index from `microcircuit devices` (default: $MICROCIRCUIT_DEVICE, else the first suitable GPU).")
    var device: Int?

    @Option(help: "CPU worker threads (default: all cores).")
    var threads: Int?

    enum Kind: String { case cpu, opencl, auto }

    /// The backends `--backend` names (`bench` takes a comma-separated list).
    func kinds() throws -> [Kind] {
        let kinds = try backend.split(separator: ",", omittingEmptySubsequences: false).map { name in
            guard let kind = Kind(rawValue: String(name)) else {
                throw CommandFailure(message: "invalid parameter '--backend': must be cpu, opencl or auto, got '\(name)'", status: 2)
            }
            return kind
        }
        if kinds == [.cpu] && device != nil {
            throw CommandFailure(message: "invalid parameter '--device': only meaningful with --backend opencl or auto", status: 2)
        }
        return kinds
    }

    func kind() throws -> Kind {
        let kinds = try kinds()
        guard kinds.count == 1 else {
            throw CommandFailure(message: "invalid parameter '--backend': this command runs one backend, got '\(backend)'", status: 2)
        }
        return kinds[0]
    }

    func threadCount() throws -> Int { try resolveThreads(threads) }

    /// The backend for `network`; `auto` falls back to the CPU when no suitable GPU exists.
    func make(_ network: Network) throws -> SimulationBackend {
        try make(network, kind: try kind())
    }

    func make(_ network: Network, kind: Kind) throws -> SimulationBackend {
        switch kind {
        case .cpu:
            return CPUBackend(network: network, threads: try threadCount())
        case .opencl:
            return try failing { try OpenCLBackend(network: network, device: try DeviceSelection.choose(index: try deviceIndex(device), allowCPU: true)) }
        case .auto:
            let index = try deviceIndex(device)
            let chosen: OpenCLDevice
            do {
                chosen = try DeviceSelection.choose(index: index, allowCPU: false)
            } catch where index == nil {
                return CPUBackend(network: network, threads: try threadCount())
            } catch {
                throw CommandFailure(message: "\(error)", status: 1)
            }
            return try failing { try OpenCLBackend(network: network, device: chosen) }
        }
    }
}

/// `--device`, else `$MICROCIRCUIT_DEVICE`, else nil (choose automatically).
func deviceIndex(_ flag: Int?) throws -> Int? {
    if let flag { return flag }
    guard let text = ProcessInfo.processInfo.environment["MICROCIRCUIT_DEVICE"], !text.isEmpty else { return nil }
    guard let index = Int(text), index >= 0 else {
        throw CommandFailure(message: "invalid parameter 'MICROCIRCUIT_DEVICE': must be a device index (see `microcircuit devices`), got '\(text)'", status: 2)
    }
    return index
}
