import Foundation
import MicrocircuitModel

/// Host memory a run will need, estimated from the parameters before anything large is
/// allocated, so that a run that cannot fit is refused up front instead of being killed.
public struct MemoryEstimate: Sendable {
    public var synapseTable: Int
    /// Transient during construction: per-block histograms and write positions.
    public var construction: Int
    /// Neuron state and the two fixed-point delay ring buffers.
    public var simulationState: Int
    /// Spikes (at up to three times the full-scale rates, at least 1 spike/s) and voltages,
    /// of the chunks of the run held at once.
    public var recording: Int

    public var total: Int { synapseTable + construction + simulationState + recording }

    /// `synapsesOnHost`: false when the synapses are built on an OpenCL device and never
    /// reach host memory. `runs`: backends that simulate side by side, each with its own state
    /// and recordings (verify runs two). The recordings are handed on a chunk at a time (to be
    /// written or compared): a run holds two chunks' (one being written while the next is
    /// simulated) and, on the OpenCL backend, the samples' copy from the device.
    public init(_ derived: DerivedParameters, synapsesOnHost: Bool = true, runs: Int = 1) {
        let rows = derived.totalNeurons + derived.thalamicNeurons
        let synapses = synapsesOnHost ? derived.synapsesIncludingThalamic : 0
        synapseTable = SynapseTable.bytes(synapses: synapses, sources: rows)
        // Histograms: one Int per source row of each block of synapses, plus row bookkeeping.
        let blocks = synapsesOnHost ? synapses / NetworkBuilder.blockSize + Population.count * (Population.count + 1) : 0
        let largestPopulation = max(derived.neuronCounts.max() ?? 0, derived.thalamicNeurons)
        construction = blocks * largestPopulation * MemoryLayout<Int>.size + 3 * rows * MemoryLayout<Int>.size
        let slots = MemoryEstimate.ringSlotsBound(derived)
        simulationState = runs * (derived.totalNeurons * (3 * MemoryLayout<Double>.size + MemoryLayout<Int32>.size)
            + slots.total * derived.totalNeurons * MemoryLayout<Int64>.size)
        let spikes = 2 * derived.recordedSpikesBound(steps: min(derived.schedule.total, DerivedParameters.maximumChunkSteps))
        let voltageSamples = 3 * derived.voltageSamplesHeld * derived.totalNeurons
        recording = runs * (spikes * 2 * MemoryLayout<UInt32>.size + voltageSamples * MemoryLayout<Double>.size)
    }

    /// Ring-buffer slots that a network of these parameters needs, from its delay
    /// distributions (8 standard deviations), before it is built. The excitatory ring's bound
    /// covers inhibitory delays too: an inhibitory weight that rounds to zero goes there.
    public static func ringSlotsBound(_ derived: DerivedParameters) -> RingSlots {
        let net = derived.parameters.network
        let stim = derived.parameters.stimulus
        // Compared as doubles: a delay too long for an Int is refused when drawn, not here.
        func steps(_ longestDelay: Double) -> Int {
            Int(min(Double(SynapseTable.maximumDelaySteps), (longestDelay / derived.resolution).rounded(.up)))
        }
        let inhibitory = steps(net.delayInhibitoryMean * (1 + 8 * net.delayRelativeStd))
        let excitatory = max(inhibitory, steps(net.delayExcitatoryMean * (1 + 8 * net.delayRelativeStd)),
                             steps(stim.thalamicDelayMean * (1 + 8 * stim.thalamicDelayRelativeStd)))
        return RingSlots(longestDelay: (excitatory, inhibitory))
    }

    /// MemAvailable from /proc/meminfo, if readable.
    public static func availableBytes() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            let fields = line.split(separator: " ")
            if fields.count >= 2, let kib = Int(fields[1]) { return kib * 1024 }
        }
        return nil
    }

    /// What would make it fit: the synapse table grows with the scale, while the recordings
    /// are at most a few chunks' whatever the run's length.
    var remedy: String {
        recording > synapseTable ? "turn off voltage recording, or reduce --scale" : "reduce --scale (or --n-scaling, --k-scaling)"
    }

    /// Throws when the estimate exceeds `available` bytes.
    public func check(available: Int?) throws {
        guard let available, total > available else { return }
        throw ConstructionError(description: "not enough memory: this run needs about \(formatBytes(total)) (synapses \(formatBytes(synapseTable)), construction \(formatBytes(construction)), state \(formatBytes(simulationState)), recording \(formatBytes(recording))) but only \(formatBytes(available)) is available; " + remedy)
    }
}
