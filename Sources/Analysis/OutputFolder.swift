import Foundation

/// An error about the output folder: it exists, cannot be written, or could not be moved
/// into place.
public struct OutputError: Error, CustomStringConvertible {
    public var description: String
}

/// Writes a run's files into a hidden staging folder beside the destination and moves it
/// into place only when everything is written, so an interrupted or failed run leaves the
/// complete previous folder or none, never a partial one.
public final class OutputFolder {
    public let destination: URL
    public let staging: URL
    let overwrite: Bool
    private var committed = false

    /// Checks the destination (absent, or `overwrite`) and creates the staging folder, so an
    /// unwritable location fails before any simulation work.
    public init(path: String, overwrite: Bool) throws {
        let fileManager = FileManager.default
        // An empty path would name the working folder.
        guard !path.isEmpty else { throw OutputError(description: "the output folder's path is empty") }
        destination = URL(fileURLWithPath: path).standardizedFileURL
        self.overwrite = overwrite
        var isDirectory: ObjCBool = false
        if fileManager.fileExists(atPath: destination.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw OutputError(description: "output path '\(path)' exists and is not a folder; choose another --output")
            }
            guard overwrite else {
                throw OutputError(description: "output folder '\(path)' already exists; pass --overwrite to replace it or choose another --output")
            }
            try Self.checkReplaceable(destination, named: path)
        }
        let parent = destination.deletingLastPathComponent()
        if !fileManager.fileExists(atPath: parent.path) {
            do {
                try fileManager.createDirectory(at: parent, withIntermediateDirectories: true)
            } catch {
                throw OutputError(description: "cannot create the parent folder of '\(path)': \(error.localizedDescription)")
            }
        }
        let stagingPrefix = ".\(destination.lastPathComponent).partial-"
        staging = parent.appendingPathComponent(stagingPrefix + "\(getpid())")
        try? fileManager.removeItem(at: staging)
        Self.removeAbandonedStaging(in: parent, prefix: stagingPrefix)
        do {
            try fileManager.createDirectory(at: staging, withIntermediateDirectories: false)
        } catch {
            throw OutputError(description: "cannot write to the output location '\(parent.path)': \(error.localizedDescription)")
        }
        guard access(staging.path, W_OK) == 0 else {
            try? fileManager.removeItem(at: staging)
            throw OutputError(description: "the output location '\(parent.path)' is not writable")
        }
    }

    /// Bytes free to this user on the output's file system, if it says.
    public var availableBytes: Int? {
        var stats = statvfs()
        guard statvfs(staging.path, &stats) == 0 else { return nil }
        return Int(stats.f_bavail) * Int(stats.f_frsize)
    }

    /// `--overwrite` replaces a previous output folder (ours or the reference's: it has
    /// `population_nodeids.dat`) or an empty one, never any other folder, nor one that holds
    /// the working folder: `--output . --overwrite` in a project must not delete the project.
    static func checkReplaceable(_ folder: URL, named path: String) throws {
        let working = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).standardizedFileURL.resolvingSymlinksInPath()
        let resolved = folder.resolvingSymlinksInPath()
        if working.path == resolved.path || working.path.hasPrefix(resolved.path.hasSuffix("/") ? resolved.path : resolved.path + "/") {
            throw OutputError(description: "output folder '\(path)' holds the working folder; --overwrite will not replace it")
        }
        let contents = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        guard contents.isEmpty || contents.contains(NESTFormat.populationNodeIDsFileName) else {
            throw OutputError(description: "output folder '\(path)' exists and is not a microcircuit output folder (it has no \(NESTFormat.populationNodeIDsFileName)); --overwrite replaces only those, so choose another --output")
        }
    }

    /// Staging folders of runs to the same destination whose process is gone (killed before
    /// it could clean up, e.g. by the out-of-memory killer): they hold incomplete output only.
    static func removeAbandonedStaging(in parent: URL, prefix: String) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: parent.path)) ?? []
        for name in names where name.hasPrefix(prefix) {
            guard let pid = pid_t(name.dropFirst(prefix.count)), kill(pid, 0) == -1 && errno == ESRCH else { continue }
            try? FileManager.default.removeItem(at: parent.appendingPathComponent(name))
        }
    }

    deinit {
        if !committed { try? FileManager.default.removeItem(at: staging) }
    }

    /// Creates one file in the staging folder, to be written a chunk at a time.
    public func create(_ name: String) throws -> OutputFile {
        try OutputFile(name: name, in: staging)
    }

    /// Writes one file into the staging folder as `fill` formats it, a chunk at a time.
    public func write(_ name: String, _ fill: (inout FileSink) throws -> Void) throws {
        let file = try create(name)
        try fill(&file.sink)
        try file.finish()
    }

    public func write(_ name: String, _ text: String) throws {
        try write(name) { $0.append(contentsOf: text.utf8) }
    }

    /// Moves the staging folder to the destination, replacing an old folder if allowed.
    public func commit() throws {
        let fileManager = FileManager.default
        let old = destination.deletingLastPathComponent()
            .appendingPathComponent(".\(destination.lastPathComponent).old-\(getpid())")
        let replacing = fileManager.fileExists(atPath: destination.path)
        // Absent when the run began, the destination may have been written since (another
        // run to the same folder): without --overwrite it is kept, and this run's files are
        // set aside beside it.
        if replacing && !overwrite {
            throw OutputError(description: "output folder '\(destination.path)' was created by something else while this run was going; it is kept, and \(setAside())")
        }
        do {
            if replacing { try fileManager.moveItem(at: destination, to: old) }
            do {
                try fileManager.moveItem(at: staging, to: destination)
            } catch {
                // The previous folder goes back where it was, not left under a hidden name.
                if replacing { try? fileManager.moveItem(at: old, to: destination) }
                throw error
            }
            committed = true
            if replacing { try? fileManager.removeItem(at: old) }
        } catch {
            throw OutputError(description: "cannot move the finished output into '\(destination.path)': \(error.localizedDescription); \(setAside())")
        }
    }

    /// A finished run's files that cannot take the destination's place are not thrown away:
    /// they move to `NAME.PID` beside it (or stay in the staging folder if even that fails).
    /// Returns what to tell the user.
    private func setAside() -> String {
        let aside = URL(fileURLWithPath: destination.path + ".\(getpid())")
        guard FileManager.default.fileExists(atPath: staging.path) else { return "this run's output is lost" }
        committed = true
        if (try? FileManager.default.moveItem(at: staging, to: aside)) != nil {
            return "this run's output is in '\(aside.path)' instead"
        }
        return "this run's output is left in '\(staging.path)'; move it elsewhere before the next run to '\(destination.lastPathComponent)' removes it"
    }
}

/// A file of the staging folder being written through a `FileSink`. A failed write is
/// reported by `throwIfFailed` (for files written over a whole run) or at the latest by
/// `finish`; one never finished is closed when it goes.
public final class OutputFile {
    public let name: String
    let folder: URL
    public var sink: FileSink
    private var open = true

    init(name: String, in folder: URL) throws {
        self.name = name
        self.folder = folder
        let descriptor = Foundation.open(folder.appendingPathComponent(name).path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw OutputError(description: "cannot create '\(name)' in '\(folder.path)': \(String(cString: strerror(errno)))")
        }
        sink = FileSink(descriptor: descriptor)
    }

    public func throwIfFailed() throws {
        guard sink.failure == 0 else { throw writeError(sink.failure) }
    }

    /// Writes what is buffered and closes the file.
    public func finish() throws {
        sink.flush()
        open = false
        var failure = sink.failure
        if close(sink.descriptor) != 0 && failure == 0 { failure = errno }
        guard failure == 0 else { throw writeError(failure) }
    }

    private func writeError(_ code: Int32) -> OutputError {
        OutputError(description: "cannot write '\(name)' in '\(folder.path)': \(String(cString: strerror(code)))")
    }

    deinit {
        if open { close(sink.descriptor) }
    }
}
