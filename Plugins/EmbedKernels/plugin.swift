import PackagePlugin

/// Embeds the target's `.cl` files (the `kernels/` folder, linked into the target) as Swift
/// string literals. Re-runs whenever a kernel is added, edited or removed.
@main
struct EmbedKernels: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        guard let target = target as? SourceModuleTarget else { return [] }
        let kernels = target.sourceFiles.map(\.url).filter { $0.pathExtension == "cl" }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedKernels.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(kernels.count) OpenCL kernel files",
                executable: try context.tool(named: "embed-kernels").url,
                arguments: [output.path] + kernels.map(\.path),
                inputFiles: kernels,
                outputFiles: [output])
        ]
    }
}
