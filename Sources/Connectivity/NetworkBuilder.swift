import MicrocircuitModel

/// A construction failure that is not a parameter error.
public struct ConstructionError: Error, CustomStringConvertible {
    public var description: String
}

/// Builds the `SynapseTable` of a model in parallel. The result is identical for any thread
/// count: every synapse's endpoints, weight and delay are Philox draws named by (projection,
/// synapse index), and each row is written in a fixed order and then sorted.
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

        // Pass 2: draw every synapse again and write it to its position.
        let total = rowStart[rows]
        let minimumDelay = h / 2
        var overflowDelay = [Double](repeating: 0, count: blocks.count)
        var targets = [UInt32](repeating: 0, count: total)
        var weights = [Int32](repeating: 0, count: total)
        var delays = [UInt8](repeating: 0, count: total)
        targets.withUnsafeMutableBufferPointer { targets in
            weights.withUnsafeMutableBufferPointer { weights in
                delays.withUnsafeMutableBufferPointer { delays in
                    overflowDelay.withUnsafeMutableBufferPointer { overflowDelay in
                        counts.withUnsafeMutableBufferPointer { positions in
                            parallelFor(blocks.count, threads: threads) { b in
                                let projection = projections[blocks[b].projection]
                                let first = projection.sources.lowerBound
                                for k in blocks[b].synapses {
                                    let (source, target) = projection.endpoints(k, seed: seed)
                                    let (weight, delay) = projection.parameters(k, seed: seed, minimumDelay: minimumDelay)
                                    let delaySteps = max(1, (delay / h).rounded())
                                    if delaySteps > Double(UInt8.max) {
                                        overflowDelay[b] = max(overflowDelay[b], delay)
                                        continue
                                    }
                                    let position = positions[b][source - first]
                                    positions[b][source - first] = position + 1
                                    targets[position] = UInt32(target)
                                    weights[position] = FixedPointWeight.quantize(weight)
                                    delays[position] = UInt8(delaySteps)
                                }
                            }
                        }
                    }
                }
            }
        }
        if let worst = overflowDelay.max(), worst > 0 {
            throw ConstructionError(description: "a synaptic delay of \(worst) ms is longer than the \(Int(UInt8.max)) steps (\(Double(UInt8.max) * h) ms) a synapse can hold at resolution \(h) ms; use a coarser resolution or shorter delays")
        }

        sortRows(rowStart: rowStart, targets: &targets, weights: &weights, delays: &delays, threads: threads)
        return SynapseTable(rowStart: rowStart, targets: targets, weights: weights, delays: delays)
    }

    /// Sorts each row by (target, delay, weight): a canonical order that also lets a thread
    /// find the part of a row that falls in its target range by binary search.
    public static func sortRows(rowStart: [Int], targets: inout [UInt32], weights: inout [Int32], delays: inout [UInt8], threads: Int) {
        let rows = rowStart.count - 1
        let chunks = contiguousChunks(rows, parts: max(1, threads) * 8)
        targets.withUnsafeMutableBufferPointer { targets in
            weights.withUnsafeMutableBufferPointer { weights in
                delays.withUnsafeMutableBufferPointer { delays in
                    parallelFor(chunks.count, threads: threads) { c in
                        var keys: [UInt64] = []
                        for s in chunks[c] {
                            let row = rowStart[s]..<rowStart[s + 1]
                            keys.removeAll(keepingCapacity: true)
                            for i in row {
                                keys.append(UInt64(targets[i]) << 40 | UInt64(delays[i]) << 32 | UInt64(UInt32(bitPattern: weights[i])))
                            }
                            keys.sort()
                            for (i, key) in zip(row, keys) {
                                targets[i] = UInt32(truncatingIfNeeded: key >> 40)
                                delays[i] = UInt8(truncatingIfNeeded: key >> 32)
                                weights[i] = Int32(bitPattern: UInt32(truncatingIfNeeded: key))
                            }
                        }
                    }
                }
            }
        }
    }
}
