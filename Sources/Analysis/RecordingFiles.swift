import MicrocircuitModel
import Simulation

/// A run's recordings in the reference's files (`NESTFormat`), written while the run goes:
/// the node ids at once, then each chunk's spikes and voltmeter samples as soon as the chunk
/// is done. A run of any length so holds one chunk's recordings instead of all of them (at
/// full scale 2 MB of spikes and, with the voltmeter, 0.6 GB of potentials per second of
/// biological time), and a full disk stops it after that chunk instead of at its end.
///
/// Formatting a potential costs far more than writing it, so each voltmeter sample's rows are
/// formatted by `threads` workers, in pieces of at most `pieceNeurons` neurons of one
/// population (~25 kB of text), and the pieces written in order. Spikes are few: one pass
/// sends each to its population's file.
public final class RecordingFiles {
    private let spikeFiles: [OutputFile]
    /// Empty when the voltmeter is off.
    private let voltmeterFiles: [OutputFile]
    private let populationOf: [UInt8]
    private let resolution: Double
    private let threads: Int
    private let pieces: [(population: Int, neurons: Range<Int>)]
    private var formatted: [[UInt8]]

    /// Writes the node ids and creates the recorders' files, headers written, in `folder`'s
    /// staging folder.
    public init(derived: DerivedParameters, version: String, threads: Int, pieceNeurons: Int = 1024, in folder: OutputFolder) throws {
        try folder.write(NESTFormat.populationNodeIDsFileName, NESTFormat.populationNodeIDs(derived))
        func create(_ name: (Int) -> String, header: [UInt8]) throws -> [OutputFile] {
            try (0..<Population.count).map { p in
                let file = try folder.create(name(p))
                file.sink.append(contentsOf: header)
                return file
            }
        }
        spikeFiles = try create({ NESTFormat.spikeRecorderFileName(population: $0, derived: derived) },
                                header: NESTFormat.spikeRecorderHeader(version: version))
        voltmeterFiles = derived.parameters.simulation.recordVoltage
            ? try create({ NESTFormat.voltmeterFileName(population: $0, derived: derived) }, header: NESTFormat.voltmeterHeader(version: version))
            : []
        populationOf = derived.populationIndices
        resolution = derived.resolution
        self.threads = threads
        pieces = (0..<Population.count).flatMap { p in
            let count = derived.neuronCounts[p]
            return contiguousChunks(count, parts: (count + pieceNeurons - 1) / pieceNeurons).map { part in
                (p, (derived.firstNeuron[p] + part.lowerBound)..<(derived.firstNeuron[p] + part.upperBound))
            }
        }
        formatted = Array(repeating: [], count: pieces.count)
    }

    /// Appends a chunk's spikes (in canonical order) and voltmeter samples.
    public func append(spikes: SpikeTrains, voltages: VoltageTrace?) throws {
        for (step, neuron) in zip(spikes.steps, spikes.neurons) {
            NESTFormat.appendSpikeRow(step: Int(step), neuron: Int(neuron), resolution: resolution,
                                      to: &spikeFiles[Int(populationOf[Int(neuron)])].sink)
        }
        if let voltages {
            precondition(!voltmeterFiles.isEmpty, "voltmeter samples for a run without the voltmeter")
            for (step, sample) in zip(voltages.steps, voltages.samples) {
                formatted.withUnsafeMutableBufferPointer { formatted in
                    parallelFor(pieces.count, threads: threads) { k in
                        formatted[k].removeAll(keepingCapacity: true)
                        NESTFormat.appendVoltmeterRows(pieces[k].neurons, of: sample, step: step, resolution: resolution, to: &formatted[k])
                    }
                }
                for (piece, bytes) in zip(pieces, formatted) { voltmeterFiles[piece.population].sink.append(contentsOf: bytes) }
            }
        }
        for file in spikeFiles + voltmeterFiles { try file.throwIfFailed() }
    }

    /// Writes what is buffered and closes the files.
    public func finish() throws {
        for file in spikeFiles + voltmeterFiles { try file.finish() }
    }
}
