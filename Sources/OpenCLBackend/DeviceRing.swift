import Connectivity

/// The device's ring buffers of input, excitatory and inhibitory: `slots x neurons` words
/// each (`RingSlots`), slot-major, of 32 or 64 bits (`OpenCLBackend.ringBits`; RING_BITS in
/// the kernels). Values cross to and from the host as 64-bit sums (tests of delivery).
protocol DeviceRing {
    var bits: Int { get }
    func zero() throws
    func setExcitatory(on kernel: CLKernel, at index: Int) throws
    func setInhibitory(on kernel: CLKernel, at index: Int) throws
    /// Writes one word of each ring (`RingSlots.wordIndices`); 32-bit words take only
    /// values they hold.
    func write(excitatory: Int64, inhibitory: Int64, at indices: RingSlots.PerRing) throws
    func read() throws -> (excitatory: [Int64], inhibitory: [Int64])
}

/// The rings in words of `Word`.
struct DeviceRingWords<Word: FixedWidthInteger & SignedInteger>: DeviceRing {
    let excitatory: CLBuffer<Word>
    let inhibitory: CLBuffer<Word>

    init(_ context: CLContext, slots: RingSlots, neurons: Int) throws {
        excitatory = try CLBuffer(context, count: slots.excitatory * neurons, name: "ring_ex")
        inhibitory = try CLBuffer(context, count: slots.inhibitory * neurons, name: "ring_in")
    }

    var bits: Int { Word.bitWidth }

    func zero() throws {
        try excitatory.zero()
        try inhibitory.zero()
    }

    func setExcitatory(on kernel: CLKernel, at index: Int) throws { try kernel.set(index, excitatory) }

    func setInhibitory(on kernel: CLKernel, at index: Int) throws { try kernel.set(index, inhibitory) }

    func write(excitatory ex: Int64, inhibitory inh: Int64, at indices: RingSlots.PerRing) throws {
        try excitatory.write([Word(ex)], at: indices.excitatory)
        try inhibitory.write([Word(inh)], at: indices.inhibitory)
    }

    func read() throws -> (excitatory: [Int64], inhibitory: [Int64]) {
        (try excitatory.read().map { Int64($0) }, try inhibitory.read().map { Int64($0) })
    }
}

/// The rings for words of `bits` (32 or 64).
func makeDeviceRing(_ context: CLContext, bits: Int, slots: RingSlots, neurons: Int) throws -> any DeviceRing {
    bits == 32 ? try DeviceRingWords<Int32>(context, slots: slots, neurons: neurons)
        : try DeviceRingWords<Int64>(context, slots: slots, neurons: neurons)
}
