import Analysis
import Foundation
import MicrocircuitModel
import Simulation
import XCTest

/// Reads `Tests/Fixtures/<name>`, the NEST reference data written by
/// `Tests/Fixtures/generate_nest_fixtures.py`.
func fixture<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent(name)
    let data = try XCTUnwrap(FileManager.default.contents(atPath: url.path), "missing fixture \(url.path)")
    return try JSONDecoder().decode(T.self, from: data)
}

/// A fresh temporary folder, removed when the test ends.
func temporaryFolder(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("microcircuit-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// One population's spike-recorder file as `run` writes it, in memory.
func spikeFile(population p: Int, _ spikes: SpikeTrains, derived: DerivedParameters) -> [UInt8] {
    var bytes: [UInt8] = []
    NESTFormat.writeSpikeFile(population: p, spikes, derived: derived, version: "test", to: &bytes)
    return bytes
}
