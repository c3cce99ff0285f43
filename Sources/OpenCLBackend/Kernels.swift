/// The program's source files, in compilation order (helpers first), and the build options:
/// OpenCL C 1.2 and no fast-math, so doubles round exactly as on the host.
enum Kernels {
    static let files = ["philox.cl", "build_synapse_table.cl", "deliver_and_update.cl"]
    static let buildOptions = "-cl-std=CL1.2"

    /// Options for one device: PREFETCH_BY_BUILTIN where clang's `__builtin_prefetch` is known
    /// to become the CPU's prefetch instruction (PoCL, where it took the full-scale RTF from
    /// 9.4 to 5.6); elsewhere the kernels use OpenCL C's `prefetch` (Oclgrind, for one, cannot
    /// run the builtin).
    static func deviceOptions(_ info: DeviceInfo) -> String {
        "-DPREFETCH_BY_BUILTIN=\(info.platformName.hasPrefix("Portable Computing Language") ? 1 : 0)"
    }

    static func sources() throws -> [String] {
        try files.map { name in
            guard let source = EmbeddedKernels.sources[name] else {
                throw OpenCLUnavailable(description: "kernel source \(name) is not embedded in this binary (kernels/ is incomplete)")
            }
            return source
        }
    }
}
