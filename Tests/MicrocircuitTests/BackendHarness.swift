import Connectivity
@testable import MicrocircuitModel
@testable import OpenCLBackend
@testable import Simulation
import XCTest

/// Test access to the inputs and ring buffers of both backends, so one test body checks both
/// (the CPU reference and the kernels).
protocol DrivableBackend: SimulationBackend {
    func setInput(step: Int, neuron: Int, excitatory: Int64, inhibitory: Int64) throws
    func ringSnapshot() throws -> (excitatory: [Int64], inhibitory: [Int64])
}

extension CPUBackend: DrivableBackend {}
extension OpenCLBackend: DrivableBackend {}

enum BackendKind: String, CaseIterable {
    case cpu, opencl

    /// The backend on this machine: the CPU with 2 threads, or the first usable OpenCL device
    /// (PoCL in CI).
    func make(_ network: Network) throws -> DrivableBackend {
        switch self {
        case .cpu: return CPUBackend(network: network, threads: 2)
        case .opencl: return try OpenCLBackend(network: network, device: try DeviceSelection.choose(index: nil, allowCPU: true))
        }
    }
}

/// A network of one neuron per population and no synapses, for single-neuron tests.
func singleNeuronParameters() -> ModelParameters {
    var p = ModelParameters()
    p.network.fullNeuronCounts = [Int](repeating: 1, count: 8)
    p.network.nScaling = 1
    p.network.kScaling = 1
    p.network.connectionProbabilities = [[Double]](repeating: [Double](repeating: 0, count: 8), count: 8)
    p.network.externalIndegrees = [Int](repeating: 0, count: 8)
    p.network.v0OptimizedStd = [Double](repeating: 0, count: 8)
    return p
}
