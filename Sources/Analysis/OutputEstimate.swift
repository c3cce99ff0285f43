import Foundation
import MicrocircuitModel

/// Bytes a run's output files will take, estimated before it runs, so that a disk too full
/// for them is found before the simulation, not after it.
public struct OutputEstimate: Sendable {
    /// Spike-recorder files, at `DerivedParameters.recordedSpikesBound` spikes.
    public var spikeFiles: Int
    /// Voltmeter files, with potentials of 19 characters (what the simulation's potentials
    /// print as: a sign, two digits, a point and up to 15 decimals).
    public var voltmeterFiles: Int

    public var total: Int { spikeFiles + voltmeterFiles }

    public init(_ derived: DerivedParameters) {
        let digits = { (value: Int) in String(value).count }
        let sender = digits(derived.totalNeurons)
        let time = digits(Int(Double(derived.schedule.total) * derived.resolution)) + 4
        let headerBytes = 100  // three header lines, ~70 bytes
        spikeFiles = Population.count * headerBytes + derived.recordedSpikesBound * (sender + 1 + time + 1)
        voltmeterFiles = derived.recordedVoltageSamples == 0 ? 0
            : Population.count * headerBytes + derived.recordedVoltageSamples * (sender + 1 + time + 1 + 19 + 1)
    }

    /// Throws when the estimate exceeds `available` bytes on the file system of `location`.
    public func check(available: Int?, location: String) throws {
        guard let available, total > available else { return }
        throw OutputError(description: "not enough disk space: this run writes about \(formatBytes(total)) (spike files \(formatBytes(spikeFiles)), voltmeter files \(formatBytes(voltmeterFiles))) but only \(formatBytes(available)) is free in '\(location)'; choose another --output, or reduce --t-sim or turn off voltage recording")
    }
}
