import Connectivity
import MicrocircuitModel

/// Words of input sums, one per neuron, ring slot and sign: 32 bits where no neuron's input of
/// one step can reach 2^31 fixed-point units, else 64. A slot's adds wrap modulo 2^bits in any
/// order, so a word holds its slot's sum modulo 2^bits exactly, and, where the sum lies in the
/// signed range, the sum itself: both widths give the same spikes. 32 bits halve the rings (at
/// full scale 37 instead of 75 MB), which the delivery's scattered adds feel in the cache.
public enum RingWidth {
    /// The width `asked` (32 or 64), else the narrowest that holds the network's largest
    /// input of one step, which `largestStepInput` computes (`Network.largestStepInput`, or
    /// on the device), and that bound; nil where 64 bits were asked for, which need none.
    /// Asking for 32 where it does not hold is an error that says why.
    public static func choose(asked: Int?, largestStepInput: () throws -> UInt64) throws -> (bits: Int, largestStepInput: UInt64?) {
        if asked == 64 { return (64, nil) }
        let largest = try largestStepInput()
        let fits = largest <= UInt64(Int32.max)
        if asked == 32 && !fits { throw RingWidthError(largestStepInput: largest) }
        return (fits ? 32 : 64, largest)
    }
}

/// `--ring-bits 32` on a network whose input of one step could overflow 32-bit words.
public struct RingWidthError: Error, CustomStringConvertible {
    public let largestStepInput: UInt64

    public var description: String {
        let picoamperes = { (units: UInt64) in String(format: "%.4g pA", Double(units) * FixedPointWeight.picoamperePerUnit) }
        return "--ring-bits 32: one neuron's input of one step could reach \(picoamperes(largestStepInput)) (its synapses' weights added up), beyond the \(picoamperes(UInt64(Int32.max))) that 32-bit ring words hold; use --ring-bits 64, or leave the choice to the backend"
    }
}

extension Network {
    /// The largest input that one step can bring any neuron, excitatory or inhibitory, in
    /// fixed-point units: its synapses' weights' sizes added up by sign, a thalamic row's
    /// times `largestThalamicCount`. Each synapse adds to a slot at most once (its source
    /// spikes at most once a step), so no slot's sum can be larger. The OpenCL backend
    /// computes the same on the device (`bound_step_input`).
    public func largestStepInput(threads: Int) -> UInt64 {
        let n = derived.totalNeurons
        let table = synapses
        let thalamic = UInt64(derived.largestThalamicCount)
        // A sum per neuron and sign for each chunk of rows (1.2 MB at full scale): no more
        // chunks than a machine's worth of threads, however many are asked for.
        let rowChunks = contiguousChunks(table.rowStart.count - 1, parts: min(max(1, threads), 64))
        var sums = [[UInt64]](repeating: [], count: rowChunks.count)
        sums.withUnsafeMutableBufferPointer { sums in
            table.targets.withUnsafeBufferPointer { targets in
                table.weights.withUnsafeBufferPointer { weights in
                    parallelFor(rowChunks.count, threads: threads) { chunk in
                        var local = [UInt64](repeating: 0, count: 2 * n)
                        for row in rowChunks[chunk] {
                            let multiplicity = row < n ? 1 : thalamic
                            for s in table.row(row) {
                                let weight = weights[s]
                                local[(RingSlots.addsToExcitatoryRing(weight: weight) ? 0 : n) + Int(targets[s])] += multiplicity * UInt64(weight.magnitude)
                            }
                        }
                        sums[chunk] = local
                    }
                }
            }
        }
        guard n > 0 else { return 0 }
        return (0..<(2 * n)).map { i in sums.reduce(0) { $0 + $1[i] } }.max()!
    }
}
