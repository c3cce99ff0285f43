/// Slots of the two ring buffers of input: one per step ahead that a synapse's input can
/// arrive, up to the longest delay (steps) of the synapses that add to the ring, plus the
/// slot of the step being updated. Synapses of weight >= 0 add to the excitatory ring, those
/// of weight < 0 to the inhibitory one (a weight that rounds to zero adds nothing, wherever
/// it goes). The model's inhibitory delays are half its excitatory ones, so the inhibitory
/// ring needs half the slots: at full scale 60 and 30, which takes the rings of 32-bit words
/// from 37 MB to 28.
public struct RingSlots: Equatable, Sendable {
    public let excitatory: Int
    public let inhibitory: Int

    /// One number for each ring: a step's slot, where it starts, a word's index.
    public typealias PerRing = (excitatory: Int, inhibitory: Int)

    /// `longestDelay`: the longest delay of each ring's synapses (steps; at least 1).
    public init(longestDelay: PerRing) {
        excitatory = max(1, longestDelay.excitatory) + 1
        inhibitory = max(1, longestDelay.inhibitory) + 1
    }

    /// Whether a synapse of this weight adds to the excitatory ring.
    @inlinable
    public static func addsToExcitatoryRing(weight: Int32) -> Bool { weight >= 0 }

    /// The longest delay of either ring (steps).
    public var longestDelay: Int { max(excitatory, inhibitory) - 1 }

    /// Slots of both rings together.
    public var total: Int { excitatory + inhibitory }

    /// How many steps ahead input can be written to both rings (tests that drive neurons).
    public var span: Int { min(excitatory, inhibitory) }

    /// Step `step`'s slot in each ring: step n's input goes to slot n % slots.
    public func slots(of step: Int) -> PerRing { (step % excitatory, step % inhibitory) }

    /// Where neuron `neuron`'s words of step `step` lie in the rings of `neurons` neurons
    /// (slot-major): neuron 0's are where the step's slots start.
    public func wordIndices(step: Int, neuron: Int, neurons: Int) -> PerRing {
        let slot = slots(of: step)
        return (slot.excitatory * neurons + neuron, slot.inhibitory * neurons + neuron)
    }

    /// The rings of a table's synapses, from their weights and delays.
    public init(weights: [Int32], delays: [UInt8]) {
        // Branch-free, so that the compiler vectorizes the pass over the table.
        var longest: (excitatory: UInt8, inhibitory: UInt8) = (1, 1)
        weights.withUnsafeBufferPointer { weights in
            delays.withUnsafeBufferPointer { delays in
                for k in 0..<weights.count {
                    let excitatory = RingSlots.addsToExcitatoryRing(weight: weights[k])
                    longest.excitatory = max(longest.excitatory, excitatory ? delays[k] : 0)
                    longest.inhibitory = max(longest.inhibitory, excitatory ? 0 : delays[k])
                }
            }
        }
        self.init(longestDelay: (Int(longest.excitatory), Int(longest.inhibitory)))
    }
}
