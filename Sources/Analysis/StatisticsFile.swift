import Foundation
import MicrocircuitModel

/// Reading statistics for `compare`: an output folder (analysed on the spot), an
/// `analysis.json`, or a reference document holding several runs (`{"runs": [...]}`).
public enum StatisticsFile {
    public static func load(_ path: String, options: (SpikeData) throws -> SpikeStatistics.Options) throws -> [SpikeStatistics] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw OutputError(description: "'\(path)' does not exist")
        }
        if isDirectory.boolValue {
            let data = try SpikeData(folder: path)
            return [SpikeStatistics(data, options: try options(data))]
        }
        guard let bytes = FileManager.default.contents(atPath: path) else { throw OutputError(description: "cannot read '\(path)'") }
        let document: JSONValue
        do { document = try JSONValue.parse(bytes) } catch { throw OutputError(description: "'\(path)': \(error)") }
        if case let .array(runs)? = document["runs"] {
            return try runs.map { run in try SpikeStatistics(json: run["statistics"] ?? run) }
        }
        return [try SpikeStatistics(json: document)]
    }

    /// Writes `bytes` to `path` through a temporary file, so readers never see half a file.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw OutputError(description: "cannot write '\(path)': \(error.localizedDescription)")
        }
    }
}
