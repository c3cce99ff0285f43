import MicrocircuitModel

/// The network's synapses in compressed sparse rows by source: row s holds the synapses of
/// source s (neurons 0..<neurons, then thalamic neurons), sorted by target, then delay, then
/// weight; the order is canonical. 9 bytes per synapse.
public struct SynapseTable: Sendable {
    /// Number of rows: recurrent neurons followed by thalamic neurons.
    public let sourceCount: Int
    /// `rowStart[s]..<rowStart[s + 1]` are the synapses of source s.
    public let rowStart: [Int]
    public let targets: [UInt32]
    /// Fixed-point weights (`FixedPointWeight` units).
    public let weights: [Int32]
    /// Delays in steps, at least 1.
    public let delays: [UInt8]
    /// Slots of the ring buffers that the synapses' input needs, by sign.
    public let ringSlots: RingSlots

    public var synapseCount: Int { targets.count }

    public init(rowStart: [Int], targets: [UInt32], weights: [Int32], delays: [UInt8]) {
        precondition(rowStart.last == targets.count && targets.count == weights.count && weights.count == delays.count)
        self.sourceCount = rowStart.count - 1
        self.rowStart = rowStart
        self.targets = targets
        self.weights = weights
        self.delays = delays
        self.ringSlots = RingSlots(weights: weights, delays: delays)
    }

    public func row(_ source: Int) -> Range<Int> { rowStart[source]..<rowStart[source + 1] }

    /// Delays are stored in one byte of steps.
    public static let maximumDelaySteps = Int(UInt8.max)

    /// Whole steps of a drawn delay (at least half a step): the nearest, by adding a half and
    /// truncating (one instruction, not a libm call), or `maximumDelaySteps + 1` for any
    /// longer delay. `kernels/build_synapse_table.cl` does the same.
    @inline(__always)
    public static func delaySteps(_ delay: Double, resolution h: Double) -> Int {
        let steps = delay / h + 0.5
        return steps >= Double(maximumDelaySteps + 1) ? maximumDelaySteps + 1 : max(1, Int(steps))
    }

    /// Bytes of the table itself.
    public static func bytes(synapses: Int, sources: Int) -> Int {
        synapses * (MemoryLayout<UInt32>.size + MemoryLayout<Int32>.size + MemoryLayout<UInt8>.size)
            + (sources + 1) * MemoryLayout<Int>.size
    }
}
