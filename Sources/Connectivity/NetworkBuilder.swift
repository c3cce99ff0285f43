import MicrocircuitModel

/// A construction failure that is not a parameter error.
public struct ConstructionError: Error, CustomStringConvertible {
    public var description: String

    public init(description: String) { self.description = description }

    /// A drawn delay rounded to more than `SynapseTable.maximumDelaySteps` steps (the host
    /// and the device builders both refuse it).
    public static func delayTooLong(resolution h: Double) -> ConstructionError {
        let most = SynapseTable.maximumDelaySteps
        // Rounded to 1e-9 ms, so that 255 x 0.01 prints as 2.55 and not 2.5500000000000003.
        let longest = (Double(most) * h * 1e9).rounded() / 1e9
        return ConstructionError(description: "a synaptic delay is longer than the \(most) steps (\(longest) ms) a synapse can hold at resolution \(h) ms; use a coarser resolution or shorter delays")
    }
}

/// Builds the `SynapseTable` of a model in parallel. The result is identical for any thread
/// count: every synapse's endpoints, weight and delay are Philox draws named by (projection,
/// synapse index), and each row is written in a fixed order and then stably sorted by target.
public enum NetworkBuilder {
    /// Synapses per work item. Each item keeps a histogram over its source population.
    static let blockSize = 1 << 20

    struct Block {
        var projection: Int
        var synapses: Range<Int>
    }

    public static func build(_ derived: DerivedParameters, threads: Int) throws -> SynapseTable {
        let seed = derived.parameters.simulation.seed
        let h = derived.resolution
        let projections = Projection.all(derived)
        let rows = derived.totalNeurons + derived.thalamicNeurons
        var blocks: [Block] = []
        for (index, projection) in projections.enumerated() {
            for start in stride(from: 0, to: projection.count, by: blockSize) {
                blocks.append(Block(projection: index, synapses: start..<min(projection.count, start + blockSize)))
            }
        }

        // Pass 1: per block, how many of its synapses each source row receives.
        var counts = [[Int]](repeating: [], count: blocks.count)
        counts.withUnsafeMutableBufferPointer { counts in
            parallelFor(blocks.count, threads: threads) { b in
                let projection = projections[blocks[b].projection]
                var histogram = [Int](repeating: 0, count: projection.sources.count)
                for k in blocks[b].synapses {
                    histogram[projection.endpoints(k, seed: seed).source - projection.sources.lowerBound] += 1
                }
                counts[b] = histogram
            }
        }

        // Row starts, then each block's first write position per source (blocks in order).
        var rowLength = [Int](repeating: 0, count: rows)
        for (b, block) in blocks.enumerated() {
            let first = projections[block.projection].sources.lowerBound
            for (s, n) in counts[b].enumerated() { rowLength[first + s] += n }
        }
        var rowStart = [Int](repeating: 0, count: rows + 1)
        for s in 0..<rows { rowStart[s + 1] = rowStart[s] + rowLength[s] }
        var next = Array(rowStart.dropLast())
        for (b, block) in blocks.enumerated() {
            let first = projections[block.projection].sources.lowerBound
            for s in counts[b].indices {
                let n = counts[b][s]
                counts[b][s] = next[first + s]
                next[first + s] += n
            }
        }

        // Pass 2: draw every synapse again, order the block's synapses by source in a local
        // buffer, and copy each source's run to its place in the row: contiguous writes
        // instead of one random write per synapse into gigabytes of table.
        let total = rowStart[rows]
        let minimumDelay = minimumDelay(resolution: h)
        var longestDelay = [Int](repeating: 1, count: blocks.count)
        // Every position is written exactly once below (the row starts partition 0..<total),
        // so the gigabytes of table need no zero-filling first.
        var (targets, weights, delays) = uninitializedTable(count: total) { targets, weights, delays in
            longestDelay.withUnsafeMutableBufferPointer { longestDelay in
                // Each worker takes every workers-th block and reuses its buffers from block
                // to block (fresh megabytes per block cost a page fault per 4 KiB).
                let workers = min(max(1, threads), blocks.count)
                parallelFor(workers, threads: workers) { worker in
                    let scratch = BlockScratch()
                    for b in stride(from: worker, to: blocks.count, by: workers) {
                        let projection = projections[blocks[b].projection]
                        let first = projection.sources.lowerBound
                        let synapses = blocks[b].synapses
                        scratch.prepare(synapses: synapses.count, sources: projection.sources.count)
                        // Kept in a register: the workers' entries of longestDelay share cache
                        // lines, and a store per synapse made the lines travel between cores.
                        var longest = 1
                        defer { longestDelay[b] = longest }
                        for (j, k) in synapses.enumerated() {
                            let (source, target) = projection.endpoints(k, seed: seed)
                            let (weight, delay) = projection.parameters(k, seed: seed, minimumDelay: minimumDelay)
                            let delaySteps = SynapseTable.delaySteps(delay, resolution: h)
                            longest = max(longest, delaySteps)
                            scratch.drawn[j] = SynapseKey.pack(target: UInt32(target), delay: UInt8(min(delaySteps, SynapseTable.maximumDelaySteps)),
                                                               weight: FixedPointWeight.quantize(weight))
                            scratch.sourceOf[j] = Int32(source - first)
                            scratch.runStart[source - first + 1] += 1
                        }
                        for s in 0..<projection.sources.count { scratch.runStart[s + 1] += scratch.runStart[s] }
                        _ = scratch.cursor.update(fromContentsOf: scratch.runStart)
                        for j in 0..<synapses.count {
                            let s = Int(scratch.sourceOf[j])
                            scratch.bySource[scratch.cursor[s]] = scratch.drawn[j]
                            scratch.cursor[s] += 1
                        }
                        for s in 0..<projection.sources.count {
                            var position = counts[b][s]
                            for j in scratch.runStart[s]..<scratch.runStart[s + 1] {
                                let (target, delay, weight) = SynapseKey.unpack(scratch.bySource[j])
                                targets.initializeElement(at: position, to: target)
                                delays.initializeElement(at: position, to: delay)
                                weights.initializeElement(at: position, to: weight)
                                position += 1
                            }
                        }
                    }
                }
            }
        }
        if let longest = longestDelay.max(), longest > SynapseTable.maximumDelaySteps {
            throw ConstructionError.delayTooLong(resolution: h)
        }

        sortRows(rowStart: rowStart, targets: &targets, weights: &weights, delays: &delays, threads: threads)
        return SynapseTable(rowStart: rowStart, targets: targets, weights: weights, delays: delays)
    }

    /// Delays below this are redrawn (they would round to zero steps).
    public static func minimumDelay(resolution h: Double) -> Double { h / 2 }

    /// Three arrays of `count` elements, which `fill` must initialize completely.
    static func uninitializedTable(
        count: Int,
        _ fill: (UnsafeMutableBufferPointer<UInt32>, UnsafeMutableBufferPointer<Int32>, UnsafeMutableBufferPointer<UInt8>) -> Void
    ) -> ([UInt32], [Int32], [UInt8]) {
        var weights: [Int32] = [], delays: [UInt8] = []
        let targets = [UInt32](unsafeUninitializedCapacity: count) { targets, targetCount in
            weights = [Int32](unsafeUninitializedCapacity: count) { weights, weightCount in
                delays = [UInt8](unsafeUninitializedCapacity: count) { delays, delayCount in
                    fill(targets, weights, delays)
                    delayCount = count
                }
                weightCount = count
            }
            targetCount = count
        }
        return (targets, weights, delays)
    }

    /// Sorts each row by its packed synapses (target, then delay, then weight), so that a
    /// thread finds the part of a row that falls in its target range by binary search and the
    /// table is canonical: the same synapses give the same table whatever order they were
    /// placed in (the device's builder places them in arbitrary order). A radix sort over the
    /// target bytes first, then insertion sort within each run of one target (multapses,
    /// a few synapses at most).
    public static func sortRows(rowStart: [Int], targets: inout [UInt32], weights: inout [Int32], delays: inout [UInt8], threads: Int) {
        let rows = rowStart.count - 1
        let chunks = contiguousChunks(rows, parts: max(1, threads) * 8)
        targets.withUnsafeMutableBufferPointer { targets in
            weights.withUnsafeMutableBufferPointer { weights in
                delays.withUnsafeMutableBufferPointer { delays in
                    parallelFor(chunks.count, threads: threads) { c in
                        // Two buffers of the chunk's longest row, the sort passing keys between them.
                        let longest = chunks[c].map { rowStart[$0 + 1] - rowStart[$0] }.max() ?? 0
                        var keys = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: longest)
                        var scratch = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: longest)
                        defer {
                            keys.deallocate()
                            scratch.deallocate()
                        }
                        var histogram = [Int](repeating: 0, count: 256)
                        for s in chunks[c] {
                            let row = rowStart[s]..<rowStart[s + 1]
                            guard row.count > 1 else { continue }
                            var largest: UInt32 = 0
                            for (j, i) in row.enumerated() {
                                keys[j] = SynapseKey.pack(target: targets[i], delay: delays[i], weight: weights[i])
                                largest = max(largest, targets[i])
                            }
                            var shift: UInt64 = 40
                            while shift < 64 && (UInt64(largest) << 40) >> shift > 0 {
                                for k in 0..<256 { histogram[k] = 0 }
                                for j in 0..<row.count { histogram[Int((keys[j] >> shift) & 0xFF)] += 1 }
                                var start = 0
                                for k in 0..<256 { (histogram[k], start) = (start, start + histogram[k]) }
                                for j in 0..<row.count {
                                    let digit = Int((keys[j] >> shift) & 0xFF)
                                    scratch[histogram[digit]] = keys[j]
                                    histogram[digit] += 1
                                }
                                swap(&keys, &scratch)
                                shift += 8
                            }
                            var runStart = 0
                            for j in 1...row.count where j == row.count || keys[j] >> 40 != keys[runStart] >> 40 {
                                if j - runStart > 1 { insertionSort(keys, runStart..<j) }
                                runStart = j
                            }
                            for (j, i) in row.enumerated() {
                                (targets[i], delays[i], weights[i]) = SynapseKey.unpack(keys[j])
                            }
                        }
                    }
                }
            }
        }
    }

    @inline(__always)
    static func insertionSort(_ keys: UnsafeMutableBufferPointer<UInt64>, _ range: Range<Int>) {
        for i in (range.lowerBound + 1)..<range.upperBound {
            let key = keys[i]
            var j = i
            while j > range.lowerBound && keys[j - 1] > key {
                keys[j] = keys[j - 1]
                j -= 1
            }
            keys[j] = key
        }
    }
}

/// One construction worker's buffers for a block of synapses: the packed synapses in drawing
/// order, their source rows, the same synapses ordered by source, where each source's run
/// starts, and a cursor per source. Raw memory, allocated once per worker and grown when a
/// block needs more: the drawing loop writes them for every synapse, and arrays would check
/// uniqueness and bounds on each write.
final class BlockScratch {
    private(set) var drawn = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: 0)
    private(set) var sourceOf = UnsafeMutableBufferPointer<Int32>.allocate(capacity: 0)
    private(set) var bySource = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: 0)
    private(set) var runStart = UnsafeMutableBufferPointer<Int>.allocate(capacity: 0)
    private(set) var cursor = UnsafeMutableBufferPointer<Int>.allocate(capacity: 0)

    deinit {
        drawn.deallocate()
        sourceOf.deallocate()
        bySource.deallocate()
        runStart.deallocate()
        cursor.deallocate()
    }

    /// Room for `synapses` synapses (contents left to be overwritten) and zeroed run starts
    /// for `sources` sources (`runStart` has `sources + 1` entries).
    func prepare(synapses: Int, sources: Int) {
        if drawn.count < synapses {
            drawn.deallocate()
            sourceOf.deallocate()
            bySource.deallocate()
            drawn = .allocate(capacity: synapses)
            sourceOf = .allocate(capacity: synapses)
            bySource = .allocate(capacity: synapses)
        }
        if runStart.count < sources + 1 {
            runStart.deallocate()
            cursor.deallocate()
            runStart = .allocate(capacity: sources + 1)
            cursor = .allocate(capacity: sources + 1)
        }
        runStart.initialize(repeating: 0)
    }
}

/// A synapse packed into 64 bits: the target in the top 24 bits (validated to fit), the
/// delay in the next 8, the fixed-point weight in the low 32.
enum SynapseKey {
    @inline(__always)
    static func pack(target: UInt32, delay: UInt8, weight: Int32) -> UInt64 {
        UInt64(target) << 40 | UInt64(delay) << 32 | UInt64(UInt32(bitPattern: weight))
    }

    @inline(__always)
    static func unpack(_ key: UInt64) -> (target: UInt32, delay: UInt8, weight: Int32) {
        (UInt32(truncatingIfNeeded: key >> 40), UInt8(truncatingIfNeeded: key >> 32),
         Int32(bitPattern: UInt32(truncatingIfNeeded: key)))
    }
}
