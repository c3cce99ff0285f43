import Connectivity

/// What the CPU backend does with its rings off a step's path, whatever their words.
protocol RingWords {
    var bits: Int { get }
    func deallocate()
    /// Writes one word of each ring (`RingSlots.wordIndices`); 32-bit words take only
    /// values they hold.
    func write(excitatory: Int64, inhibitory: Int64, at indices: RingSlots.PerRing)
    func read() -> (excitatory: [Int64], inhibitory: [Int64])
}

/// One ring buffer of input: `slots x neurons` words, slot-major (`RingSlots`).
struct InputRing<Word: FixedWidthInteger & SignedInteger> {
    let words: UnsafeMutableBufferPointer<Word>
    let slots: Int
    let neurons: Int

    init(slots: Int, neurons: Int) {
        words = .allocate(capacity: slots * neurons)
        words.initialize(repeating: 0)
        self.slots = slots
        self.neurons = neurons
    }

    /// The word of `target`, `delay` steps after the step of slot `origin` (delay < slots).
    @inline(__always)
    func word(origin: Int, delay: Int, target: Int) -> UnsafeMutablePointer<Word> {
        var slot = origin + delay
        if slot >= slots { slot -= slots }
        return words.baseAddress! + slot * neurons + target
    }
}

/// The CPU backend's rings, excitatory and inhibitory (`RingSlots`).
struct InputRings<Word: FixedWidthInteger & SignedInteger>: RingWords {
    let excitatory: InputRing<Word>
    let inhibitory: InputRing<Word>

    init(slots: RingSlots, neurons: Int) {
        excitatory = InputRing(slots: slots.excitatory, neurons: neurons)
        inhibitory = InputRing(slots: slots.inhibitory, neurons: neurons)
    }

    var bits: Int { Word.bitWidth }

    func deallocate() {
        excitatory.words.deallocate()
        inhibitory.words.deallocate()
    }

    /// The word that a synapse's input goes to: its target's, `delay` steps after the step
    /// whose slots are `origin` (`RingSlots.slots(of:)`), in the ring of its weight's sign.
    @inline(__always)
    func word(weight: Int32, delay: UInt8, target: UInt32, after origin: RingSlots.PerRing) -> UnsafeMutablePointer<Word> {
        RingSlots.addsToExcitatoryRing(weight: weight)
            ? excitatory.word(origin: origin.excitatory, delay: Int(delay), target: Int(target))
            : inhibitory.word(origin: origin.inhibitory, delay: Int(delay), target: Int(target))
    }

    /// Neuron `neuron`'s two sums of the step whose slots start at `start`
    /// (`RingSlots.wordIndices` of neuron 0), and its words emptied for their next turn.
    @inline(__always)
    func take(_ neuron: Int, at start: RingSlots.PerRing) -> (excitatory: Int64, inhibitory: Int64) {
        let ex = excitatory.words.baseAddress! + start.excitatory + neuron
        let inh = inhibitory.words.baseAddress! + start.inhibitory + neuron
        defer {
            ex.pointee = 0
            inh.pointee = 0
        }
        return (Int64(ex.pointee), Int64(inh.pointee))
    }

    func write(excitatory ex: Int64, inhibitory inh: Int64, at indices: RingSlots.PerRing) {
        excitatory.words[indices.excitatory] = Word(ex)
        inhibitory.words[indices.inhibitory] = Word(inh)
    }

    func read() -> (excitatory: [Int64], inhibitory: [Int64]) {
        (excitatory.words.map { Int64($0) }, inhibitory.words.map { Int64($0) })
    }
}
