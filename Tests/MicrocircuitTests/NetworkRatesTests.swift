import Analysis
import Foundation
import MicrocircuitModel
import Simulation
import XCTest

/// The whole model against NEST: per-population mean rates at scale 0.1 with Poisson drive
/// must lie in the band that five NEST seeds span (`network_rates.json`).
final class NetworkRatesTests: XCTestCase {
    struct Run: Decodable { var seed: Int; var rates_hz: [Double] }
    struct Document: Decodable {
        var n_scaling: Double
        var k_scaling: Double
        var t_presim_ms: Double
        var t_sim_ms: Double
        var runs: [String: [Run]]
    }

    func testPopulationRatesLieWithinNESTsSeedToSeedBand() throws {
        let reference = try fixture("network_rates.json", as: Document.self)
        let nest = try XCTUnwrap(reference.runs["poisson"])
        var p = ModelParameters()
        p.network.nScaling = reference.n_scaling
        p.network.kScaling = reference.k_scaling
        p.network.backgroundInput = .poisson
        p.simulation.tPresim = reference.t_presim_ms
        p.simulation.tSim = reference.t_sim_ms
        p.simulation.seed = 2024
        let derived = try DerivedParameters(p)
        let network = try Network.build(derived, threads: ProcessInfo.processInfo.activeProcessorCount)
        let backend = try CPUBackend(network: network, threads: ProcessInfo.processInfo.activeProcessorCount)
        let result = try SimulationDriver(derived: derived).run(backend)
        let statistics = statistics(result.spikes, derived: derived, begin: p.simulation.tPresim, end: p.simulation.tPresim + p.simulation.tSim)
        for population in Population.allCases {
            let rates = nest.map { $0.rates_hz[population.rawValue] }
            let mean = rates.reduce(0, +) / Double(rates.count)
            let sd = (rates.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(rates.count - 1)).squareRoot()
            // Our run is one more realization: allow 4 seed-to-seed standard deviations plus
            // 5 % of the mean (five seeds estimate the spread only roughly).
            let tolerance = 4 * sd + 0.05 * mean
            let ours = statistics[population.rawValue].rateMean
            XCTAssertEqual(ours, mean, accuracy: tolerance,
                           "\(population.name): \(ours) /s vs NEST \(rates.map { String(format: "%.3f", $0) })")
        }
    }
}
