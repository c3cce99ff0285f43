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
    case cpu, opencl, openclAsOnGPU, openclInWideGroups

    /// The backend on this machine: the CPU with 2 threads; the first usable OpenCL device
    /// (PoCL in CI) in the layout it prefers, using the host's synapse table in place where
    /// the device works in host memory; and the same device as a GPU runs: the table copied,
    /// every work-item delivering with atomic adds, in work-groups of 64, so that a volley
    /// of more than 64 spikes is gathered in several chunks, and in work-groups of 512, more
    /// than the 256 of the GPU's default shape (the kernels' local arrays are sized for it);
    /// all three one step per launch, which a GPU would not run unasked (Tests/races.sh runs
    /// these tests on Oclgrind, which says it is a GPU).
    func make(_ network: Network) throws -> DrivableBackend {
        let device = { try DeviceSelection.choose(index: nil, allowCPU: true) }
        switch self {
        case .cpu: return try CPUBackend(network: network, threads: 2)
        case .opencl: return try OpenCLBackend(network: network, device: try device(), launch: LaunchOptions(stepsPerLaunch: 1))
        case .openclAsOnGPU:
            return try OpenCLBackend(derived: network.derived, initialPotentials: network.initialPotentials, synapses: .upload(network.synapses),
                                     device: try device(), layout: StepLayout(groupSize: 64, neuronsPerItem: 1, deliveryByOneItem: false),
                                     launch: LaunchOptions(stepsPerLaunch: 1))
        case .openclInWideGroups:
            return try OpenCLBackend(derived: network.derived, initialPotentials: network.initialPotentials, synapses: .upload(network.synapses),
                                     device: try device(), layout: StepLayout(groupSize: 512, neuronsPerItem: 1, deliveryByOneItem: false),
                                     launch: LaunchOptions(stepsPerLaunch: 1))
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
