import Connectivity
import MicrocircuitModel

/// A built network: what every backend starts from. Initial potentials are drawn here, on
/// the host, so that all backends start from the same state.
public struct Network: Sendable {
    public let derived: DerivedParameters
    public let synapses: SynapseTable
    /// Initial membrane potentials relative to E_L (mV), one per neuron.
    public let initialPotentials: [Double]

    public init(derived: DerivedParameters, synapses: SynapseTable) {
        self.derived = derived
        self.synapses = synapses
        self.initialPotentials = Network.initialPotentials(derived)
    }

    /// Builds the synapse table and the initial state.
    public static func build(_ derived: DerivedParameters, threads: Int) throws -> Network {
        Network(derived: derived, synapses: try NetworkBuilder.build(derived, threads: threads))
    }

    /// V0 ~ N(mean, std) per the `v0_type` option, one Philox block per neuron.
    public static func initialPotentials(_ derived: DerivedParameters) -> [Double] {
        let net = derived.parameters.network
        let key = RandomStream.initialPotential.key(seed: derived.parameters.simulation.seed)
        let eL = derived.parameters.neuron.eL
        var potentials = [Double](repeating: 0, count: derived.totalNeurons)
        for p in 0..<Population.count {
            let (mean, std) = net.initialPotential == .optimized
                ? (net.v0OptimizedMean[p], net.v0OptimizedStd[p]) : (net.v0OriginalMean, net.v0OriginalStd)
            for i in derived.firstNeuron[p]..<(derived.firstNeuron[p] + derived.neuronCounts[p]) {
                let z = RandomDraw.normalPair((UInt32(i), 0, 0, 0), key).0
                potentials[i] = mean + std * z - eL
            }
        }
        return potentials
    }
}
