@testable import Analysis
import Foundation
import MicrocircuitModel
import Simulation
import XCTest

final class AnalysisTests: XCTestCase {
    /// Two populations of three neurons; times in ms.
    func data(_ spikes: [[(Int32, Double)]]) -> SpikeData {
        SpikeData(populations: spikes.enumerated().map { p, list in
            var population = SpikeData.PopulationSpikes(name: "P\(p)", neurons: 3)
            for (neuron, time) in list.sorted(by: { $0.1 < $1.1 }) {
                population.neuron.append(neuron)
                population.time.append(time)
            }
            return population
        }, window: 0...100)
    }

    func testRatesAndCVsByHand() {
        // Neuron 0: 10, 20, 40 ms -> ISIs 10, 20: mean 15, sd 5, CV 1/3. Neuron 1: two spikes
        // (no CV). Neuron 2: silent. One spike after the window is ignored.
        let stats = SpikeStatistics(data([[(0, 10), (0, 20), (0, 40), (1, 50), (1, 100), (0, 150)], []]),
                                    options: .init(window: 0...100))
        let p = stats.populations[0]
        XCTAssertEqual(p.rates.count, 3)
        XCTAssertEqual(p.rates.mean, (30 + 20 + 0) / 3, accuracy: 1e-12, "rates 30, 20 and 0 /s")
        XCTAssertEqual(p.rates.standardDeviation, (((30 - 50.0 / 3) * (30 - 50.0 / 3) + (20 - 50.0 / 3) * (20 - 50.0 / 3) + (50.0 / 3) * (50.0 / 3)) / 3).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(p.cvs.count, 1)
        XCTAssertEqual(p.cvs.mean, 1.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(p.silent, 1, "only neuron 2 has no spike in the window")
        XCTAssertEqual(stats.populations[1].rates.mean, 0)
        XCTAssertEqual(stats.populations[1].cvs.count, 0)
        // PSTH in 5 ms bins: 4 spikes of 3 neurons in [0, 100]: bin 2 (10 ms) holds one.
        XCTAssertEqual(p.psth.count, 20)
        XCTAssertEqual(p.psth[2], 1000 / (5.0 * 3), accuracy: 1e-12)
        XCTAssertEqual(p.psth.reduce(0, +) * 5 * 3 / 1000, 5, accuracy: 1e-12, "all five spikes in the window")
    }

    func testCorrelationsByHand() {
        // Window 0...8 ms in 2 ms bins (4 bins). Neurons 0 and 1 fire in the same bins
        // (correlation 1); neuron 2 fires in the complementary bins (correlation -1).
        let window = 0.0...8.0
        let c = SpikeStatistics.pairwiseCorrelations([[1, 5], [1.5, 5.5], [3, 7]], window: window, bin: 2)
        XCTAssertEqual(c.count, 3)
        XCTAssertEqual(c[0], 1, accuracy: 1e-12)
        XCTAssertEqual(c[1], -1, accuracy: 1e-12)
        XCTAssertEqual(c[2], -1, accuracy: 1e-12)
        // counts a = [1,1,0,0], b = [1,0,1,0]: centred dot 0 -> correlation 0; silent left out.
        let d = SpikeStatistics.pairwiseCorrelations([[1, 3], [1, 5], []], window: window, bin: 2)
        XCTAssertEqual(d, [0])
        XCTAssertEqual(SpikeStatistics.pairwiseCorrelations([[5, 1], [1.5, 5.5]], window: window, bin: 2), [1], "trains in any order")
        // The analysis's own bins are 2 ms: spikes at 10.5 and 11.5 ms share one (correlation
        // 1; in 1 ms bins -1/99), and a lone spike at 50 ms in another of the 50 bins gives
        // -1/49 with either.
        let stats = SpikeStatistics(data([[(0, 10.5), (1, 11.5), (2, 50)], []]), options: .init(window: 0...100))
        XCTAssertEqual(stats.populations[0].correlations.count, 3)
        XCTAssertEqual(stats.populations[0].correlations.mean, (1 - 2.0 / 49) / 3, accuracy: 1e-12)
    }

    func testSubsampleIsSeededAndDistinct() {
        let a = SpikeStatistics.subsample(1000, count: 200, seed: 7, population: 2)
        XCTAssertEqual(a, SpikeStatistics.subsample(1000, count: 200, seed: 7, population: 2))
        XCTAssertEqual(Set(a).count, 200)
        XCTAssertNotEqual(a, SpikeStatistics.subsample(1000, count: 200, seed: 8, population: 2))
        XCTAssertEqual(SpikeStatistics.subsample(50, count: 200, seed: 7, population: 2), Array(0..<50))
    }

    func testKSAndEMDByHand() {
        let grid = Distribution.Grid(lower: 0, width: 1, bins: 10)
        let a = Distribution([0, 1, 2, 3], grid: grid)
        let b = Distribution([2, 3, 4, 5], grid: grid)
        XCTAssertEqual(a.ksDistance(to: b), 0.5, accuracy: 1e-12, "CDFs differ by 1/2 at 1 and 2")
        XCTAssertEqual(a.earthMoversDistance(to: b), 2, accuracy: 1e-12, "every value moves by 2")
        XCTAssertEqual(a.ksDistance(to: a), 0)
        XCTAssertTrue(a.ksDistance(to: Distribution(grid: grid)).isNaN)
        XCTAssertEqual(Distribution.Grid.rate.bin(0.3), 3, "rates on the grid stay in their bin")
        XCTAssertEqual(Distribution.Grid.correlation.bin(-1), 0)
        XCTAssertEqual(Distribution.Grid.correlation.bin(1), 999, "the upper end falls in the last bin")
        let round = try? Distribution(json: a.json)
        XCTAssertEqual(round, a)
    }

    func testComparisonRule() throws {
        func stats(_ shift: Double, seed: Int) -> SpikeStatistics {
            var spikes: [(Int32, Double)] = []
            for neuron in 0..<3 {
                for k in 0..<(3 + neuron + seed % 2) { spikes.append((Int32(neuron), 5 + Double(k) * (10 + shift) + Double(seed))) }
            }
            return SpikeStatistics(data([spikes, spikes]), options: .init(window: 0...100))
        }
        let references = (0..<4).map { stats(0, seed: $0) }
        XCTAssertTrue(try ValidationComparison(runs: [stats(0, seed: 1)], references: references).passes)
        let shifted = try ValidationComparison(runs: [stats(15, seed: 1)], references: references)
        XCTAssertFalse(shifted.passes)
        XCTAssertTrue(shifted.table.contains("OUTSIDE"))
        XCTAssertEqual(shifted.rows.filter { $0.statistic == .rates }.map(\.passes), [false, false], "the rates moved")
        XCTAssertEqual(shifted.rows.filter { $0.statistic == .cvs }.map(\.passes), [true, true], "regular trains keep CV 0")
        XCTAssertThrowsError(try ValidationComparison(runs: [stats(0, seed: 1)], references: Array(references[0..<2])))

        // Windows of other lengths, or populations of other sizes, are compared with a
        // caveat; windows that only start elsewhere are like with like.
        XCTAssertEqual(shifted.caveats, [])
        var longer = stats(0, seed: 1)
        longer.options.window = 0...250
        XCTAssertEqual(try ValidationComparison(runs: [longer], references: references).caveats,
                       ["the runs' windows last 250 ms and the references' 100 ms: every statistic depends on the window's length, so compare windows of one length (--begin, --end)"])
        var moved = stats(0, seed: 1)
        moved.options.window = 500...600
        XCTAssertEqual(try ValidationComparison(runs: [moved], references: references).caveats, [])
        var larger = stats(0, seed: 1)
        larger.populations[0].neurons *= 5
        XCTAssertEqual(try ValidationComparison(runs: [larger], references: references).caveats,
                       ["the populations' sizes differ (\(larger.populations[0].name): \(larger.populations[0].neurons) neurons in the runs, \(references[0].populations[0].neurons) in the references): runs of another scale compare with references of another network"])
    }

    /// What `run` writes reads back as the run itself.
    func testFolderRoundTrip() throws {
        let derived = try CPUBackendTests.shortRun()
        let network = try Network.build(derived, threads: 2)
        let result = try SimulationDriver(derived: network.derived).run(CPUBackend(network: network, threads: 2))
        let folder = try temporaryFolder(self).appendingPathComponent("run").path
        let output = try OutputFolder(path: folder, overwrite: false)
        try writeRecordings(result, derived: derived, into: output)
        try output.commit()
        let read = try SpikeData(folder: folder)
        let memory = SpikeData(result.spikes, derived: derived)
        XCTAssertNil(read.window, "no summary.json in this folder")
        for (a, b) in zip(read.populations, memory.populations) {
            XCTAssertEqual(a.name, b.name)
            XCTAssertEqual(a.neurons, b.neurons)
            XCTAssertEqual(a.neuron, b.neuron)
            XCTAssertEqual(a.time.count, b.time.count)
            for (x, y) in zip(a.time, b.time) { XCTAssertEqual(x, y, accuracy: 5e-4, "three decimals in the file") }
        }
        // NEST with several threads writes one file per thread and recorder
        // (`spike_recorder-ID-THREAD.dat`), each in its own order: read as one.
        for p in 0..<Population.count {
            let name = NESTFormat.spikeRecorderFileName(population: p, derived: derived)
            let lines = String(decoding: try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name)), as: UTF8.self).split(separator: "\n")
            let (header, rows) = (lines.prefix(3), lines.dropFirst(3))
            for thread in 0..<2 {
                let mine = rows.enumerated().filter { $0.offset % 2 == thread }.map(\.element).reversed()
                try ((header + mine).joined(separator: "\n") + "\n").write(toFile: folder + "/" + name.replacingOccurrences(of: "-0.dat", with: "-\(thread).dat"), atomically: true, encoding: .utf8)
            }
        }
        XCTAssertEqual(try SpikeData(folder: folder).populations.map(\.neuron), read.populations.map(\.neuron))
        XCTAssertEqual(try SpikeData(folder: folder).populations.map(\.time), read.populations.map(\.time))

        let window = derived.parameters.simulation.tPresim...(derived.parameters.simulation.tPresim + derived.parameters.simulation.tSim)
        let fromFile = SpikeStatistics(read, options: .init(window: window))
        let fromMemory = SpikeStatistics(memory, options: .init(window: window))
        for (a, b) in zip(fromFile.populations, fromMemory.populations) {
            XCTAssertEqual(a.rates, b.rates)
            XCTAssertEqual(a.cvs.count, b.cvs.count)
        }
        let parsed = try SpikeStatistics(json: JSONValue.parse(Data(fromFile.json.serialized().utf8)))
        XCTAssertEqual(parsed.populations.map(\.rates), fromFile.populations.map(\.rates))
        XCTAssertEqual(parsed.populations.map(\.correlations), fromFile.populations.map(\.correlations))
        XCTAssertEqual(parsed.populations.map(\.silent), fromFile.populations.map(\.silent))
    }

    /// Files from elsewhere (a reference, an edited or truncated document) are refused with
    /// an error, never by a trap: each case below trapped or allocated terabytes before.
    func testMalformedFilesAreRefused() throws {
        let statistics = SpikeStatistics(data([[(0, 10), (0, 20), (0, 40)], []]), options: .init(window: 0...100))
        // One line, so that each edit below is a plain replacement.
        let text = statistics.json.serialized().replacingOccurrences(of: "\\n\\s*", with: "", options: .regularExpression)
        let rates = #""lower": 0,"width": 0.1,"bins": 5000"#
        XCTAssertTrue(text.contains(rates), "the edits below must find the grid they edit")
        for (original, edited) in [
            (rates, #""lower": 0,"width": 0.1,"bins": 1e12"#),
            (rates, #""lower": 0,"width": 0.1,"bins": -3"#),
            (rates, #""lower": 0,"width": 0,"bins": 5000"#),
            (rates, #""lower": 0,"width": 1e308,"bins": 5000"#),
            (#""window_ms": [0, 100]"#, #""window_ms": [100, 0]"#),
            (#""counts": [[0, 2]"#, #""counts": [[1e300, 2]"#),
            (#""neurons": 3"#, #""neurons": 1e300"#),
        ] {
            XCTAssertTrue(text.contains(original), original)
            let document = text.replacingOccurrences(of: original, with: edited)
            XCTAssertThrowsError(try SpikeStatistics(json: JSONValue.parse(Data(document.utf8))), edited)
        }

        let folder = try temporaryFolder(self)
        let derived = try CPUBackendTests.shortRun()
        try NESTFormat.populationNodeIDs(derived).write(to: folder.appendingPathComponent(NESTFormat.populationNodeIDsFileName), atomically: true, encoding: .utf8)
        for p in 0..<Population.count {
            try Data(spikeFile(population: p, SpikeTrains(steps: [9], neurons: [0]), derived: derived)).write(to: folder.appendingPathComponent(NESTFormat.spikeRecorderFileName(population: p, derived: derived)))
        }
        XCTAssertNoThrow(try SpikeData(folder: folder.path))
        let first = folder.appendingPathComponent(NESTFormat.spikeRecorderFileName(population: 0, derived: derived))
        let written = String(decoding: try Data(contentsOf: first), as: UTF8.self)
        // Windows line ends and a blank line are read as the file means them.
        try (written.replacingOccurrences(of: "\n", with: "\r\n") + "\r\n").write(to: first, atomically: true, encoding: .utf8)
        XCTAssertEqual(try SpikeData(folder: folder.path).populations[0].time, [1.0])
        try #"{"t_presim_ms": 10, "t_sim_ms": -20}"#.write(to: folder.appendingPathComponent("summary.json"), atomically: true, encoding: .utf8)
        XCTAssertNil(try SpikeData(folder: folder.path).window, "a window that ends before it begins is no window")
        for (line, bad) in ["1\tnan", "1", "\t1.0", "1x\t1.0", "-1\t1.0", "99999999999999999999\t1.0", "\(derived.neuronCounts[0] + 1)\t1.0"].enumerated() {
            try (written + "\n" + bad + "\n").write(to: first, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try SpikeData(folder: folder.path), bad) { error in
                XCTAssertTrue("\(error)".contains("malformed spike line 6 in") && "\(error)".hasSuffix("'\(bad)'"), "\(line): \(error)")
            }
        }
    }
}
