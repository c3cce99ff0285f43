import CPrefetch
import Connectivity
import MicrocircuitModel

extension CPUBackend {
    /// Adds the weights of the spikes emitted in step `origin` to the ring-buffer slots of
    /// their arrival steps, for the targets in `range` only.
    func deliverPreviousSpikes<Word>(toTargets range: Range<Int>, emittedIn origin: Int, into rings: InputRings<Word>) {
        guard origin >= 0 else { return }
        let originSlots = ringSlots.slots(of: origin)
        let table = network.synapses
        table.targets.withUnsafeBufferPointer { targets in
            table.weights.withUnsafeBufferPointer { weights in
                table.delays.withUnsafeBufferPointer { delays in
                    let synapses = (targets, weights, delays)
                    for source in previousSpikes {
                        deliver(table.row(Int(source)), multiplicity: 1, toTargets: range, after: originSlots, synapses, into: rings)
                    }
                    for (row, count) in previousThalamic {
                        deliver(table.row(Int(row)), multiplicity: Int64(count), toTargets: range, after: originSlots, synapses, into: rings)
                    }
                }
            }
        }
    }

    /// How many synapses ahead delivery prefetches the ring slot it will add to (the first
    /// ones of a segment before it starts). The slots are scattered over tens of megabytes at
    /// full scale, so without it each add waits for memory. RTF on 2 cores, scale 0.5: none
    /// 2.56-2.69, 16: 2.16-2.18, 32: 1.93-2.00, 64: 1.85-1.91, 128: 1.81-1.83; full scale:
    /// none 7.7-8.5, 64: 4.70-4.74, 128: 4.55-4.57; scale 0.1 (ring in cache): no change.
    /// 64 rather than 128: a smaller cache elsewhere could lose lines fetched that early.
    static let prefetchDistance = 64

    @inline(__always)
    private func deliver<Word>(
        _ row: Range<Int>, multiplicity: Int64, toTargets range: Range<Int>, after origin: RingSlots.PerRing,
        _ synapses: (targets: UnsafeBufferPointer<UInt32>, weights: UnsafeBufferPointer<Int32>, delays: UnsafeBufferPointer<UInt8>),
        into rings: InputRings<Word>
    ) {
        let (targets, weights, delays) = synapses
        let begin = firstIndex(in: targets, row, notBelow: UInt32(range.lowerBound))
        let end = firstIndex(in: targets, begin..<row.upperBound, notBelow: UInt32(range.upperBound))
        @inline(__always) func word(_ i: Int) -> UnsafeMutablePointer<Word> {
            rings.word(weight: weights[i], delay: delays[i], target: targets[i], after: origin)
        }
        for i in begin..<min(end, begin + Self.prefetchDistance) { prefetch_for_write(word(i)) }
        for i in begin..<end {
            if i + Self.prefetchDistance < end { prefetch_for_write(word(i + Self.prefetchDistance)) }
            word(i).pointee &+= Word(truncatingIfNeeded: Int64(weights[i]) * multiplicity)
        }
    }

    /// Binary search: the first index of `row` whose target is at least `bound` (rows are
    /// sorted by target).
    @inline(__always)
    private func firstIndex(in targets: UnsafeBufferPointer<UInt32>, _ row: Range<Int>, notBelow bound: UInt32) -> Int {
        var low = row.lowerBound
        var high = row.upperBound
        while low < high {
            let mid = (low + high) / 2
            if targets[mid] < bound { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// Thalamic (parrot) neurons emit Poisson counts while the volley is on; drawn from word
    /// q % 4 of the block (q / 4, step), so any backend reproduces them.
    func drawThalamicSpikes(step: Int) {
        previousThalamic.removeAll(keepingCapacity: true)
        let derived = network.derived
        guard step >= 0, derived.schedule.thalamicSpikeSteps.contains(step) else { return }
        let key = RandomStream.thalamicPoisson.key(seed: seed)
        var block: Philox.Counter = (0, 0, 0, 0)
        for q in 0..<derived.thalamicNeurons {
            if q & 3 == 0 { block = RandomDraw.poissonBlock(group: q >> 2, step: step, key: key) }
            let count = RandomDraw.poisson(RandomDraw.word(block, q), derived.thalamicPoisson)
            if count > 0 { previousThalamic.append((UInt32(derived.totalNeurons + q), count)) }
        }
    }
}
