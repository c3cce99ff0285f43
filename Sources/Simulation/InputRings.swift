/// What the CPU backend does with its rings off a step's path, whatever their words.
protocol RingWords {
    var bits: Int { get }
    func deallocate()
    /// Writes one word of each ring; 32-bit words take only values they hold.
    func write(excitatory: Int64, inhibitory: Int64, at index: Int)
    func read() -> (excitatory: [Int64], inhibitory: [Int64])
}

/// The CPU backend's rings: `slots x neurons` words each, slot-major.
struct InputRings<Word: FixedWidthInteger & SignedInteger>: RingWords {
    let excitatory: UnsafeMutableBufferPointer<Word>
    let inhibitory: UnsafeMutableBufferPointer<Word>

    init(words: Int) {
        excitatory = .allocate(capacity: words)
        excitatory.initialize(repeating: 0)
        inhibitory = .allocate(capacity: words)
        inhibitory.initialize(repeating: 0)
    }

    var bits: Int { Word.bitWidth }

    func deallocate() {
        excitatory.deallocate()
        inhibitory.deallocate()
    }

    /// The word that synapse input of `weight`'s sign goes to.
    @inline(__always)
    func word(at index: Int, sign weight: Int64) -> UnsafeMutablePointer<Word> {
        (weight >= 0 ? excitatory.baseAddress! : inhibitory.baseAddress!) + index
    }

    @inline(__always)
    func add(_ input: Int64, at index: Int) {
        word(at: index, sign: input).pointee &+= Word(truncatingIfNeeded: input)
    }

    /// The slot's two sums, and the slot emptied for its next turn.
    @inline(__always)
    func take(at index: Int) -> (excitatory: Int64, inhibitory: Int64) {
        defer {
            excitatory[index] = 0
            inhibitory[index] = 0
        }
        return (Int64(excitatory[index]), Int64(inhibitory[index]))
    }

    func write(excitatory ex: Int64, inhibitory inh: Int64, at index: Int) {
        excitatory[index] = Word(ex)
        inhibitory[index] = Word(inh)
    }

    func read() -> (excitatory: [Int64], inhibitory: [Int64]) {
        (excitatory.map { Int64($0) }, inhibitory.map { Int64($0) })
    }
}
