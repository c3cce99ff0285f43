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
        do {
            if case let .array(runs)? = document["runs"] {
                return try runs.map { run in try SpikeStatistics(json: run["statistics"] ?? run) }
            }
            return [try SpikeStatistics(json: document)]
        } catch let error as OutputError {
            throw OutputError(description: "'\(path)': \(error)")
        }
    }

    /// Fails unless `path` can be written (its folder exists and is writable, and it is not
    /// a folder itself): checked before long work whose result goes there.
    public static func requireWritable(_ path: String) throws {
        guard !path.isEmpty else { throw OutputError(description: "the output file's path is empty") }
        let url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw OutputError(description: "cannot write '\(path)': it is a folder")
        }
        let folder = url.deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw OutputError(description: "cannot write '\(path)': the folder '\(folder)' does not exist")
        }
        // Creating a file says more than access(2): root passes access() in /proc, for one.
        let probe = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).probe-\(getpid())").path
        let descriptor = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            throw OutputError(description: "cannot write '\(path)': the folder '\(folder)' is not writable (\(String(cString: strerror(errno))))")
        }
        close(descriptor)
        unlink(probe)
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
