/// Spikes as parallel arrays of (step, neuron), in canonical order: by step, then by global
/// neuron id. A spike in step n has time stamp (n + 1) * resolution.
public struct SpikeTrains: Equatable, Sendable {
    public var steps: [UInt32] = []
    public var neurons: [UInt32] = []

    public init() {}

    public init(steps: [UInt32], neurons: [UInt32]) {
        precondition(steps.count == neurons.count)
        self.steps = steps
        self.neurons = neurons
    }

    public var count: Int { steps.count }

    public mutating func append(step: Int, neurons ids: some Sequence<UInt32>) {
        for id in ids {
            steps.append(UInt32(step))
            neurons.append(id)
        }
    }

    /// Synapses that carried these spikes from step `first` on: the sum of the spiking rows'
    /// lengths in a table with row starts `rowStart` (sources in global id order).
    public func synapticEvents(rowStart: [Int], fromStep first: Int) -> Int {
        var events = 0
        for (step, neuron) in zip(steps, neurons) where Int(step) >= first {
            events += rowStart[Int(neuron) + 1] - rowStart[Int(neuron)]
        }
        return events
    }

    /// The first index at which two spike trains differ, or nil if they are identical.
    public func firstDifference(from other: SpikeTrains) -> Int? {
        let shared = min(count, other.count)
        for i in 0..<shared where steps[i] != other.steps[i] || neurons[i] != other.neurons[i] {
            return i
        }
        return count == other.count ? nil : shared
    }
}
