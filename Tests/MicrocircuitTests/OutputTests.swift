@testable import Analysis
import Foundation
import MicrocircuitModel
import Simulation
import XCTest

final class OutputTests: XCTestCase {
    static func derived() throws -> DerivedParameters {
        var p = ModelParameters()
        p.network.nScaling = 0.01
        p.network.kScaling = 0.01
        p.network.backgroundInput = .poisson
        return try DerivedParameters(p)
    }

    func testNESTSpikeFilesAndNodeIDs() throws {
        let d = try Self.derived()
        let l23i = UInt32(d.firstNeuron[1])
        let spikes = SpikeTrains(steps: [0, 9, 9, 12344], neurons: [0, 3, l23i, 5])
        let l23e = String(decoding: spikeFile(population: 0, spikes, derived: d), as: UTF8.self)
        XCTAssertEqual(l23e, "# microcircuit version: test\n# RecordingBackendASCII version: 2\nsender\ttime_ms\n1\t0.100\n4\t1.000\n6\t1234.500\n")
        XCTAssertTrue(String(decoding: spikeFile(population: 1, spikes, derived: d), as: UTF8.self).hasSuffix("\n\(l23i + 1)\t1.000\n"))
        XCTAssertEqual(NESTFormat.spikeRecorderFileName(population: 0, derived: d), "spike_recorder-\(d.totalNeurons + 1)-0.dat")
        let ids = NESTFormat.populationNodeIDs(d).split(separator: "\n")
        XCTAssertEqual(ids.first, "1 \(d.neuronCounts[0])")
        XCTAssertEqual(ids.last, "\(d.firstNeuron[7] + 1) \(d.totalNeurons)")
    }

    /// Time stamps are rounded to the microsecond, not truncated: at some resolutions the
    /// product of step and resolution falls just below the stamp (3 x 0.3 = 0.8999999999999999,
    /// 803 x 0.01 = 8.0299999999999994).
    func testTimesAreRoundedToThreeDecimals() {
        for (ms, text) in [(3 * 0.3, "0.900"), (803 * 0.01, "8.030"), (12345 * 0.1, "1234.500"), (0.1, "0.100")] {
            var out: [UInt8] = []
            NESTFormat.appendMilliseconds(ms, to: &out)
            XCTAssertEqual(String(decoding: out, as: UTF8.self), text, "\(ms)")
        }
    }

    /// Rates by hand: neurons in a 1000 ms window with 3, 1 and 0 spikes (of the 3, one
    /// exactly on each edge of the window, which counts, and one outside).
    func testStatisticsByHand() throws {
        let d = try Self.derived()
        let neuron = UInt32(d.firstNeuron[4])
        // Steps 4999 and 14999 have time stamps 500.0 and 1500.0 ms.
        // A second neuron with one spike (1 /s) is not silent.
        let spikes = SpikeTrains(steps: [4998, 4999, 7000, 8000, 14999, 15000], neurons: [neuron, neuron, neuron, neuron + 1, neuron, neuron])
        let stats = statistics(spikes, derived: d, begin: 500, end: 1500)
        let n = Double(d.neuronCounts[4])
        XCTAssertEqual(stats[4].rateMean, 4 / n, accuracy: 1e-12)
        XCTAssertEqual(stats[4].rateStd, (10 / n - (4 / n) * (4 / n)).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(stats[4].silentFraction, (n - 2) / n, accuracy: 1e-12)
        XCTAssertEqual(stats[0].rateMean, 0)
        XCTAssertEqual(stats[0].silentFraction, 1)
    }

    /// Synaptic events for bench: the spiking rows' lengths, from the simulation phase on.
    func testSynapticEventsByHand() {
        let spikes = SpikeTrains(steps: [3, 5, 5, 9], neurons: [0, 1, 2, 1])
        let rowStart = [0, 4, 10, 11]  // rows of 4, 6 and 1 synapses
        XCTAssertEqual(spikes.synapticEvents(rowStart: rowStart, fromStep: 0), 4 + 6 + 1 + 6)
        XCTAssertEqual(spikes.synapticEvents(rowStart: rowStart, fromStep: 5), 6 + 1 + 6, "step 3 is before the phase")
    }

    func testOutputFolderIsAllOrNothing() throws {
        let root = try temporaryFolder(self)
        let path = root.appendingPathComponent("run").path
        do {
            let folder = try OutputFolder(path: path, overwrite: false)
            try folder.write("a.dat", "first")
            // Dropped without commit: nothing at the destination, no staging left behind.
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root.path), [])

        let first = try OutputFolder(path: path, overwrite: false)
        try first.write("a.dat", "first")
        try first.write(NESTFormat.populationNodeIDsFileName, "1 1\n")
        try first.commit()
        XCTAssertEqual(String(decoding: FileManager.default.contents(atPath: path + "/a.dat")!, as: UTF8.self), "first")

        XCTAssertThrowsError(try OutputFolder(path: path, overwrite: false)) { error in
            XCTAssertTrue("\(error)".contains("--overwrite"))
        }
        let second = try OutputFolder(path: path, overwrite: true)
        try second.write("b.dat", "second")
        try second.commit()
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: path), ["b.dat"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root.path), ["run"])

        // A folder that appears while a run without --overwrite goes on is kept, and the
        // run's own files are set aside beside it, not thrown away.
        let other = root.appendingPathComponent("raced").path
        let aside = other + ".\(getpid())"
        do {
            let racing = try OutputFolder(path: other, overwrite: false)
            try racing.write("mine.dat", "mine")
            try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: false)
            XCTAssertTrue(FileManager.default.createFile(atPath: other + "/theirs.dat", contents: Data("theirs".utf8)))
            XCTAssertThrowsError(try racing.commit()) { error in
                XCTAssertTrue("\(error)".contains("it is kept, and this run's output is in '\(aside)' instead"), "\(error)")
            }
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: other), ["theirs.dat"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: aside), ["mine.dat"])
        try FileManager.default.removeItem(atPath: other)
        try FileManager.default.removeItem(atPath: aside)

        // A final move that fails puts the previous folder back under its own name.
        XCTAssertTrue(FileManager.default.createFile(atPath: path + "/" + NESTFormat.populationNodeIDsFileName, contents: Data("1 1\n".utf8)))
        let third = try OutputFolder(path: path, overwrite: true)
        try FileManager.default.removeItem(at: third.staging)
        XCTAssertThrowsError(try third.commit())
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: path).sorted(), ["b.dat", NESTFormat.populationNodeIDsFileName])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root.path), ["run"])
    }

    /// Files are formatted straight to the disk a chunk at a time: one larger than several
    /// chunks arrives whole, and a write that fails (a full disk) is an error naming the file.
    func testFilesAreWrittenInChunksAndFailuresReported() throws {
        let root = try temporaryFolder(self)
        let folder = try OutputFolder(path: root.appendingPathComponent("run").path, overwrite: false)
        let line = Array("12345\t1234.500\t-58.123456789012345\n".utf8)
        let lines = 3 * FileSink.chunkBytes / line.count + 7
        try folder.write("big.dat") { sink in
            for _ in 0..<lines { sink.append(contentsOf: line) }
        }
        let written = try XCTUnwrap(FileManager.default.contents(atPath: folder.staging.path + "/big.dat"))
        XCTAssertEqual(written.count, lines * line.count)
        XCTAssertEqual(Array(written.suffix(2 * line.count)), line + line)

        try FileManager.default.createSymbolicLink(atPath: folder.staging.path + "/full.dat", withDestinationPath: "/dev/full")
        XCTAssertThrowsError(try folder.write("full.dat") { sink in
            for _ in 0..<lines { sink.append(contentsOf: line) }
        }) { error in
            XCTAssertTrue("\(error)".contains("cannot write 'full.dat'") && "\(error)".contains("No space left on device"), "\(error)")
        }
        XCTAssertThrowsError(try folder.write("full.dat", "short")) { error in
            XCTAssertTrue("\(error)".contains("No space left on device"), "a file within one chunk fails when it is finished: \(error)")
        }
    }

    /// The files written during the run, chunk by chunk (the voltmeter's a few samples at a
    /// time, formatted in parallel pieces), at once or by the writing thread, hold exactly
    /// what a run that keeps all its recordings formats at the end; the run hands on no chunk
    /// of more samples than it may hold, and keeps nothing itself.
    func testFilesWrittenDuringTheRunHoldEverything() throws {
        let derived = try shortRunWithVoltmeter(every: 0.3)
        let network = try Network.build(derived, threads: 2)
        let kept = try SimulationDriver(derived: derived).run(CPUBackend(network: network, threads: 2))
        let keptVoltages = try XCTUnwrap(kept.voltages)
        XCTAssertGreaterThan(keptVoltages.steps.count, 100)
        XCTAssertGreaterThan(kept.spikes.count, 1000)

        for inBackground in [false, true] {
            let output = try OutputFolder(path: try temporaryFolder(self).appendingPathComponent("run").path, overwrite: false)
            // Pieces of 50 neurons: every population's rows of a sample come from several.
            let files = try RecordingFiles(derived: derived, version: "test", threads: 3, pieceNeurons: 50, in: output)
            let writer = RecordingWriter(files, inBackground: inBackground)
            var driver = SimulationDriver(derived: derived)
            driver.voltageSamplesPerChunk = 7
            driver.chunkSteps = 50
            var samplesHandedOn: [Int] = []
            var spikesHandedOn = 0
            let streamed = try driver.run(CPUBackend(network: network, threads: 2), recordings: { spikes, voltages in
                samplesHandedOn.append(voltages?.steps.count ?? -1)
                spikesHandedOn += spikes.count
                try writer.append(spikes: spikes, voltages: voltages)
            })
            try writer.finish()
            XCTAssertEqual(streamed.spikes.count, 0)
            XCTAssertNil(streamed.voltages)
            XCTAssertEqual(spikesHandedOn, kept.spikes.count)
            XCTAssertEqual(samplesHandedOn.reduce(0, +), keptVoltages.steps.count)
            XCTAssertEqual(samplesHandedOn.max(), 7)
            XCTAssertTrue(samplesHandedOn.contains { $0 < 7 }, "chunks that end at a phase or after 50 steps take fewer")
            for population in 0..<Population.count {
                for (name, expected) in [(NESTFormat.spikeRecorderFileName(population: population, derived: derived), spikeFile(population: population, kept.spikes, derived: derived)),
                                         (NESTFormat.voltmeterFileName(population: population, derived: derived), voltmeterFile(population: population, keptVoltages, derived: derived))] {
                    XCTAssertEqual(FileManager.default.contents(atPath: output.staging.path + "/" + name), Data(expected), "\(name), in the background: \(inBackground)")
                }
            }
        }
    }

    /// A disk that fills during the run stops it after the chunk that met it (with the writing
    /// thread, at the next chunk), naming the file, instead of simulating to the end first.
    func testAFullDiskStopsTheRunAtOnce() throws {
        let derived = try shortRunWithVoltmeter(every: 0.1)
        for inBackground in [false, true] {
            let output = try OutputFolder(path: try temporaryFolder(self).appendingPathComponent("run").path, overwrite: false)
            for population in 0..<Population.count {
                let name = NESTFormat.voltmeterFileName(population: population, derived: derived)
                try FileManager.default.createSymbolicLink(atPath: output.staging.path + "/" + name, withDestinationPath: "/dev/full")
            }
            let writer = RecordingWriter(try RecordingFiles(derived: derived, version: "test", threads: 2, in: output), inBackground: inBackground)
            defer { writer.stop() }
            let backend = try CPUBackend(network: Network.build(derived, threads: 2), threads: 2)
            var driver = SimulationDriver(derived: derived)
            driver.chunkSteps = 200
            driver.chunkSeconds = 0
            XCTAssertThrowsError(try driver.run(backend, recordings: writer.append)) { error in
                XCTAssertTrue("\(error)".contains("cannot write 'voltmeter-") && "\(error)".contains("No space left on device"), "\(error)")
            }
            XCTAssertLessThan(backend.currentStep, derived.schedule.total, "in the background: \(inBackground)")
        }
    }

    /// A potential's digits, formed on the stack, are those of its `description`: the
    /// shortest decimal that reads back as the same Double.
    func testShortestDigitsAreTheDescription() {
        var values: [Double] = [0, -0.0, 1, -65, -57.52094850803053, 0x1p-1070, -2.2250738585072014e-308, .greatestFiniteMagnitude,
                                .leastNonzeroMagnitude, .infinity, -.infinity, .nan, -.nan, .signalingNaN, 0.1, 1e16, 123456789012345680]
        var state: UInt64 = 0x9E3779B97F4A7C15
        for _ in 0..<20_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            values.append(Double(bitPattern: state))
            values.append(-70 + Double(state >> 11) * 0x1p-53 * 30)
        }
        for value in values {
            var bytes: [UInt8] = []
            bytes.appendShortest(value)
            XCTAssertEqual(String(decoding: bytes, as: UTF8.self), value.description)
        }
    }

    /// The disk estimate covers what a run writes, spikes (at three times the full-scale
    /// rates) and potentials (nearly exactly), and refuses a file system with less room.
    func testOutputEstimateCoversTheFiles() throws {
        let derived = try shortRunWithVoltmeter(every: 1)
        let network = try Network.build(derived, threads: 2)
        let output = try OutputFolder(path: try temporaryFolder(self).appendingPathComponent("run").path, overwrite: false)
        try writeRecordings(try SimulationDriver(derived: derived).run(CPUBackend(network: network, threads: 2)), derived: derived, into: output)
        func bytes(_ prefix: String) throws -> Int {
            try FileManager.default.contentsOfDirectory(atPath: output.staging.path).filter { $0.hasPrefix(prefix) }
                .reduce(0) { $0 + (try FileManager.default.attributesOfItem(atPath: output.staging.path + "/" + $1)[.size] as! Int) }
        }
        let estimate = OutputEstimate(derived)
        let spikeBytes = try bytes(NESTFormat.spikeRecorderLabel), voltageBytes = try bytes(NESTFormat.voltmeterLabel)
        XCTAssertGreaterThan(spikeBytes, 0)
        XCTAssertGreaterThanOrEqual(estimate.spikeFiles, spikeBytes)
        XCTAssertGreaterThanOrEqual(estimate.voltmeterFiles, voltageBytes)
        XCTAssertLessThan(Double(estimate.voltmeterFiles), 1.1 * Double(voltageBytes))
        XCTAssertNoThrow(try estimate.check(available: estimate.total, location: "disk"))
        XCTAssertThrowsError(try estimate.check(available: estimate.total - 1, location: "disk")) { error in
            XCTAssertTrue("\(error)".contains("not enough disk space") && "\(error)".contains("free in 'disk'"), "\(error)")
        }
        XCTAssertNotNil(output.availableBytes)
    }

    /// `--overwrite` replaces previous output folders and empty ones, nothing else: not a
    /// folder of other files, not the working folder or one that holds it, not an empty path
    /// (which would name the working folder).
    func testOverwriteReplacesOnlyOutputFolders() throws {
        let root = try temporaryFolder(self)
        let manager = FileManager.default
        let other = root.appendingPathComponent("notes")
        try manager.createDirectory(at: other, withIntermediateDirectories: false)
        XCTAssertTrue(manager.createFile(atPath: other.path + "/thesis.tex", contents: Data("precious".utf8)))
        XCTAssertThrowsError(try OutputFolder(path: other.path, overwrite: true)) { error in
            XCTAssertTrue("\(error)".contains("not a microcircuit output folder"), "\(error)")
        }
        XCTAssertTrue(manager.fileExists(atPath: other.path + "/thesis.tex"))

        let working = manager.currentDirectoryPath
        defer { _ = manager.changeCurrentDirectoryPath(working) }
        let inner = other.appendingPathComponent("inner")
        try manager.createDirectory(at: inner, withIntermediateDirectories: false)
        XCTAssertTrue(manager.changeCurrentDirectoryPath(inner.path))
        for path in [".", ".."] {
            XCTAssertThrowsError(try OutputFolder(path: path, overwrite: true), "'\(path)'") { error in
                XCTAssertTrue("\(error)".contains("holds the working folder"), "\(error)")
            }
        }
        XCTAssertThrowsError(try OutputFolder(path: "", overwrite: false)) { error in
            XCTAssertTrue("\(error)".contains("path is empty"), "\(error)")
        }
        XCTAssertTrue(manager.changeCurrentDirectoryPath(working))

        let empty = root.appendingPathComponent("empty")
        try manager.createDirectory(at: empty, withIntermediateDirectories: false)
        let replacing = try OutputFolder(path: empty.path, overwrite: true)
        try replacing.write(NESTFormat.populationNodeIDsFileName, "1 1\n")
        try replacing.commit()
        XCTAssertEqual(try manager.contentsOfDirectory(atPath: empty.path), [NESTFormat.populationNodeIDsFileName])
    }

    /// A run killed outright leaves its staging folder; the next run to the same destination
    /// removes it once no process has its number (a live one's is left alone).
    func testAbandonedStagingIsRemoved() throws {
        let root = try temporaryFolder(self)
        let manager = FileManager.default
        // Above Linux's largest process number (2^22), so no process has it.
        let abandoned = root.appendingPathComponent(".run.partial-4194305")
        let live = root.appendingPathComponent(".run.partial-1")
        let otherRun = root.appendingPathComponent(".other.partial-4194305")
        for folder in [abandoned, live, otherRun] { try manager.createDirectory(at: folder, withIntermediateDirectories: false) }
        let output = try OutputFolder(path: root.appendingPathComponent("run").path, overwrite: false)
        XCTAssertFalse(manager.fileExists(atPath: abandoned.path))
        XCTAssertTrue(manager.fileExists(atPath: live.path), "process 1 is alive")
        XCTAssertTrue(manager.fileExists(atPath: otherRun.path), "another destination's")
        XCTAssertTrue(manager.fileExists(atPath: output.staging.path))
    }

    func testUnwritableLocationFailsUpFront() throws {
        XCTAssertThrowsError(try OutputFolder(path: "/proc/microcircuit-output", overwrite: false)) { error in
            XCTAssertTrue("\(error)".contains("cannot"), "\(error)")
        }
    }

    func testSummaryHasTheDocumentedFields() throws {
        let d = try Self.derived()
        let stats = statistics(SpikeTrains(), derived: d, begin: 500, end: 1500)
        var timings = PhaseTimings()
        timings.simulation = 2
        let summary = RunSummary(version: "test", backend: "cpu", device: "host", synapsesBuiltOn: "host", derived: d, synapses: 10,
                                 spikesTotal: 0, timings: timings, peakMemoryBytes: 1, populations: stats)
        let json = summary.json
        for key in ["backend", "device", "seed", "n_scaling", "k_scaling", "bg_input_type", "t_presim_ms", "t_sim_ms",
                    "spikes_total", "real_time_factor", "timing_s", "peak_memory_bytes", "populations"] {
            XCTAssertNotNil(json[key], key)
        }
        XCTAssertEqual(json["real_time_factor"], .number(2))
        let reparsed = try JSONValue.parse(Data(json.serialized().utf8))
        XCTAssertEqual(reparsed, json)
    }
}

final class SpikeComparisonTests: XCTestCase {
    func testReportsTheFirstSpikeOnlyOneBackendEmitted() throws {
        let d = try OutputTests.derived()
        let l4e = UInt32(d.firstNeuron[2])
        let cpu = SpikeTrains(steps: [3, 5, 5], neurons: [1, 2, l4e])
        XCTAssertEqual(SpikeComparison(cpu: cpu, opencl: cpu, derived: d).description, "identical: 3 spikes")
        let missing = SpikeComparison(cpu: cpu, opencl: SpikeTrains(steps: [3, 5], neurons: [1, l4e]), derived: d)
        XCTAssertEqual(missing.difference, SpikeComparison.Difference(index: 1, step: 5, neuron: 2, population: .l23e, spikedIn: "cpu"))
        let extra = SpikeComparison(cpu: cpu, opencl: SpikeTrains(steps: [3, 5, 5, 9], neurons: [1, 2, l4e, 0]), derived: d)
        XCTAssertEqual(extra.difference, SpikeComparison.Difference(index: 3, step: 9, neuron: 0, population: .l23e, spikedIn: "opencl"))
        XCTAssertEqual(extra.description, "different: first difference at spike 3: step 9 (t = 1.0 ms), neuron 0 (NEST id 1, L23E): only the opencl backend spiked")
        let shifted = SpikeComparison(cpu: cpu, opencl: SpikeTrains(steps: [3, 4, 5], neurons: [1, l4e, 2]), derived: d)
        XCTAssertEqual(shifted.difference?.spikedIn, "opencl")
        XCTAssertEqual(shifted.difference?.population, .l4e)

        // Chunk by chunk (steps 0-4 and 5-9): the same first difference, counted across
        // chunks, and kept when later chunks differ too.
        var chunked = SpikeComparison(derived: d)
        chunked.compare(cpu: SpikeTrains(steps: [3], neurons: [1]), opencl: SpikeTrains(steps: [3], neurons: [1]))
        chunked.compare(cpu: SpikeTrains(steps: [5, 5], neurons: [2, l4e]), opencl: SpikeTrains(steps: [5, 5, 9], neurons: [2, l4e, 0]))
        XCTAssertEqual(chunked.difference, extra.difference)
        chunked.compare(cpu: SpikeTrains(steps: [12], neurons: [0]), opencl: SpikeTrains())
        XCTAssertEqual(chunked.difference, extra.difference)
    }
}
