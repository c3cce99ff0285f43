/// The device's ring buffers of input, excitatory and inhibitory: `slots x neurons` words
/// each, slot-major, of 32 or 64 bits (`OpenCLBackend.ringBits`; RING_BITS in the kernels).
/// Values cross to and from the host as 64-bit sums (tests of delivery).
enum DeviceRing {
    case narrow(excitatory: CLBuffer<Int32>, inhibitory: CLBuffer<Int32>)
    case wide(excitatory: CLBuffer<Int64>, inhibitory: CLBuffer<Int64>)

    init(_ context: CLContext, bits: Int, words: Int) throws {
        switch bits {
        case 32: self = .narrow(excitatory: try CLBuffer(context, count: words, name: "ring_ex"),
                                inhibitory: try CLBuffer(context, count: words, name: "ring_in"))
        case 64: self = .wide(excitatory: try CLBuffer(context, count: words, name: "ring_ex"),
                              inhibitory: try CLBuffer(context, count: words, name: "ring_in"))
        default: preconditionFailure("ring words of \(bits) bits")
        }
    }

    func zero() throws {
        switch self {
        case .narrow(let ex, let inh): try ex.zero(); try inh.zero()
        case .wide(let ex, let inh): try ex.zero(); try inh.zero()
        }
    }

    func setExcitatory(on kernel: CLKernel, at index: Int) throws {
        switch self {
        case .narrow(let ex, _): try kernel.set(index, ex)
        case .wide(let ex, _): try kernel.set(index, ex)
        }
    }

    func setInhibitory(on kernel: CLKernel, at index: Int) throws {
        switch self {
        case .narrow(_, let inh): try kernel.set(index, inh)
        case .wide(_, let inh): try kernel.set(index, inh)
        }
    }

    /// Writes one word of each ring; a 32-bit ring takes only values it holds.
    func write(excitatory: Int64, inhibitory: Int64, at offset: Int) throws {
        switch self {
        case .narrow(let ex, let inh):
            try ex.write([Int32(excitatory)], at: offset)
            try inh.write([Int32(inhibitory)], at: offset)
        case .wide(let ex, let inh):
            try ex.write([excitatory], at: offset)
            try inh.write([inhibitory], at: offset)
        }
    }

    func read() throws -> (excitatory: [Int64], inhibitory: [Int64]) {
        switch self {
        case .narrow(let ex, let inh): return (try ex.read().map(Int64.init), try inh.read().map(Int64.init))
        case .wide(let ex, let inh): return (try ex.read(), try inh.read())
        }
    }
}
