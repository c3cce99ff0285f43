/// The program's source files, in compilation order (helpers first), and the build options:
/// OpenCL C 1.2 and no fast-math, so doubles round exactly as on the host.
enum Kernels {
    static let files = ["philox.cl", "build_synapse_table.cl", "deliver_and_update.cl"]
    static let buildOptions = "-cl-std=CL1.2"

    static func sources() throws -> [String] {
        try files.map { name in
            guard let source = EmbeddedKernels.sources[name] else {
                throw OpenCLUnavailable(description: "kernel source \(name) is not embedded in this binary (kernels/ is incomplete)")
            }
            return source
        }
    }
}
