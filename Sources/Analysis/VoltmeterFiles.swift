import MicrocircuitModel
import Simulation

/// The voltmeter's files of a run, one per population in NEST's format, written while the
/// run goes: each chunk's samples are appended as soon as the chunk is done, so a run holds
/// one chunk's samples instead of all of them (at full scale 0.6 GB per second of biological
/// time), and a full disk stops it at once instead of at the end.
///
/// Formatting a potential costs far more than writing it, so each sample's rows are formatted
/// by `threads` workers, in pieces of at most `pieceNeurons` neurons of one population (~25 kB
/// of text), and the pieces written in order.
public final class VoltmeterFiles {
    private let files: [OutputFile]
    private let resolution: Double
    private let threads: Int
    private let pieces: [(population: Int, neurons: Range<Int>)]
    private var formatted: [[UInt8]]

    /// Creates the files in `folder`'s staging folder and writes their headers.
    public init(derived: DerivedParameters, version: String, threads: Int, pieceNeurons: Int = 1024, in folder: OutputFolder) throws {
        resolution = derived.resolution
        self.threads = threads
        files = try (0..<Population.count).map { p in
            let file = try folder.create(NESTFormat.voltmeterFileName(population: p, derived: derived))
            file.sink.append(contentsOf: NESTFormat.voltmeterHeader(version: version))
            return file
        }
        pieces = (0..<Population.count).flatMap { p in
            let count = derived.neuronCounts[p]
            return contiguousChunks(count, parts: (count + pieceNeurons - 1) / pieceNeurons).map { part in
                (p, (derived.firstNeuron[p] + part.lowerBound)..<(derived.firstNeuron[p] + part.upperBound))
            }
        }
        formatted = Array(repeating: [], count: pieces.count)
    }

    /// Appends every population's rows of `trace`'s samples.
    public func append(_ trace: VoltageTrace) throws {
        for (step, sample) in zip(trace.steps, trace.samples) {
            formatted.withUnsafeMutableBufferPointer { formatted in
                parallelFor(pieces.count, threads: threads) { k in
                    formatted[k].removeAll(keepingCapacity: true)
                    NESTFormat.appendVoltmeterRows(pieces[k].neurons, of: sample, step: step, resolution: resolution, to: &formatted[k])
                }
            }
            for (piece, bytes) in zip(pieces, formatted) { files[piece.population].sink.append(contentsOf: bytes) }
        }
        for file in files { try file.throwIfFailed() }
    }

    /// Writes what is buffered and closes the files.
    public func finish() throws {
        for file in files { try file.finish() }
    }
}
