import Analysis
import Foundation
import MicrocircuitModel
import Simulation
import XCTest

/// The CPU backend against NEST's statistics (`validation/reference/`, ten NEST seeds at
/// scale 0.1, 500 + 5000 ms) by `ValidationComparison`'s rule. One run of ours per drive
/// keeps the suite short (~10 s): a 5 s window is what the reference data uses, and scale 0.1
/// is the smallest at which the reference's protocol is meaningful; `validation/report.sh`
/// runs five seeds of both backends.
final class ValidationTests: XCTestCase {
    func compareWithNEST(background: BackgroundInput, seed: UInt32) throws -> ValidationComparison {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("validation/reference/nest_\(background.rawValue)_scale0.1.json").path
        let references = try StatisticsFile.load(path, options: { _ in fatalError("a statistics file needs no options") })
        XCTAssertGreaterThanOrEqual(references.count, 5)
        var p = ModelParameters()
        p.network.nScaling = 0.1
        p.network.kScaling = 0.1
        p.network.backgroundInput = background
        p.simulation.tPresim = references[0].options.window.lowerBound
        p.simulation.tSim = references[0].options.window.upperBound - references[0].options.window.lowerBound
        p.simulation.seed = seed
        let derived = try DerivedParameters(p)
        let threads = ProcessInfo.processInfo.activeProcessorCount
        let network = try Network.build(derived, threads: threads)
        let result = try SimulationDriver(derived: derived).run(CPUBackend(network: network, threads: threads))
        let ours = SpikeStatistics(SpikeData(result.spikes, derived: derived), options: references[0].options)
        return try ValidationComparison(runs: [ours], references: references)
    }

    func testPoissonDrivenNetworkMatchesNESTStatistics() throws {
        let comparison = try compareWithNEST(background: .poisson, seed: 2024)
        XCTAssertTrue(comparison.passes, "\n" + comparison.table)
    }

    func testDCDrivenNetworkMatchesNESTStatistics() throws {
        let comparison = try compareWithNEST(background: .dc, seed: 2024)
        XCTAssertTrue(comparison.passes, "\n" + comparison.table)
    }
}
