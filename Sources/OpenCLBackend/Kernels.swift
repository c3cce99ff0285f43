import Foundation

/// The program's source files, in compilation order (helpers first), and the build options:
/// OpenCL C 1.2 and no fast-math, so doubles round exactly as on the host.
enum Kernels {
    static let files = ["philox.cl", "build_synapse_table.cl", "deliver_and_update.cl"]
    static let buildOptions = "-cl-std=CL1.2"

    /// Options for one device: PREFETCH_BY_BUILTIN where clang's `__builtin_prefetch` is known
    /// to become the CPU's prefetch instruction (PoCL, where it took the full-scale RTF from
    /// 9.4 to 5.6); elsewhere the kernels use OpenCL C's `prefetch` (Oclgrind, for one, cannot
    /// run the builtin). Where the device takes NVIDIA's compiler options, `-cl-nv-verbose`
    /// too: the build log then holds what its assembler made of each kernel
    /// (`resources(inBuildLog:)`).
    static func deviceOptions(_ info: DeviceInfo) -> String {
        "-DPREFETCH_BY_BUILTIN=\(info.platformName.hasPrefix("Portable Computing Language") ? 1 : 0)"
            + (info.extensions.contains("cl_nv_compiler_options") ? " -cl-nv-verbose" : "")
    }

    /// Each kernel's resources as NVIDIA's assembler (ptxas) reports them in a build log:
    /// "Compiling entry function 'K'", "Function properties for K" followed by "S bytes stack
    /// frame, A bytes spill stores, B bytes spill loads", and "Used R registers, ...". Empty
    /// for any other log.
    static func resources(inBuildLog log: String) -> [String: KernelResources] {
        var found: [String: KernelResources] = [:]
        var entry: String?
        var propertiesOf: String?
        for line in log.split(whereSeparator: \.isNewline) {
            let words = line.split(separator: " ")
            if line.contains("Compiling entry function"), let name = line.split(separator: "'").dropFirst().first {
                entry = String(name)
                found[String(name)] = KernelResources()
            } else if line.contains("Function properties for"), let name = words.last {
                propertiesOf = String(name)
            } else if line.contains("stack frame"), let entry, propertiesOf == entry {
                let numbers = words.compactMap { Int($0) }
                if numbers.count == 3 {
                    found[entry]!.stackBytes = numbers[0]
                    found[entry]!.spillBytes = numbers[1] + numbers[2]
                }
            } else if let entry, let used = words.firstIndex(of: "Used"), used + 2 < words.count,
                      words[used + 2].hasPrefix("registers"), let registers = Int(words[used + 1]) {
                found[entry]!.registers = registers
            }
        }
        return found
    }

    /// The folder that `MICROCIRCUIT_KERNELS` names, whose sources replace the embedded ones:
    /// for trying a kernel change on a machine without Swift (a GPU machine with only the
    /// binary) without rebuilding. Nil when unset or empty.
    static var sourceFolder: String? { path(named: "MICROCIRCUIT_KERNELS") }

    /// Where `MICROCIRCUIT_PROGRAM_BINARY` asks for the built program (`CLProgram.binary`),
    /// for reading what the device's compiler made of the kernels (NVIDIA's PTX). Nil when
    /// unset or empty.
    static var binaryPath: String? { path(named: "MICROCIRCUIT_PROGRAM_BINARY") }

    /// The environment variable `name`'s path; nil when unset or empty.
    private static func path(named name: String) -> String? {
        guard let path = ProcessInfo.processInfo.environment[name], !path.isEmpty else { return nil }
        return path
    }

    /// Writes `program`'s binary to `binaryPath`, if set, whole or not at all.
    static func writeBinary(of program: CLProgram) throws {
        guard let path = binaryPath else { return }
        let binary = Data(try program.binary())
        do {
            try binary.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw OpenCLUnavailable(description: "MICROCIRCUIT_PROGRAM_BINARY: cannot write '\(path)': \(error.localizedDescription)")
        }
    }

    /// The sources from `folder`, else the embedded ones.
    static func sources(from folder: String? = sourceFolder) throws -> [String] {
        try files.map { name in
            if let folder {
                let path = URL(fileURLWithPath: folder).appendingPathComponent(name).path
                guard let source = try? String(contentsOfFile: path, encoding: .utf8) else {
                    throw OpenCLUnavailable(description: "MICROCIRCUIT_KERNELS: cannot read kernel source '\(path)' (the folder must hold \(files.joined(separator: ", ")))")
                }
                return source
            }
            guard let source = EmbeddedKernels.sources[name] else {
                throw OpenCLUnavailable(description: "kernel source \(name) is not embedded in this binary (kernels/ is incomplete)")
            }
            return source
        }
    }
}

/// What NVIDIA's assembler made of a kernel, per work-item.
public struct KernelResources: Sendable, Equatable {
    public var registers = 0
    public var stackBytes = 0
    /// Spill stores and loads together.
    public var spillBytes = 0

    public init(registers: Int = 0, stackBytes: Int = 0, spillBytes: Int = 0) {
        self.registers = registers
        self.stackBytes = stackBytes
        self.spillBytes = spillBytes
    }
}
