import ArgumentParser
import MicrocircuitModel
import OpenCLBackend

/// `microcircuit devices`: every OpenCL platform and device, and whether it can run the model.
struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices", abstract: "List OpenCL platforms and devices and what they support.")

    func run() throws {
        let devices = try failing { try OpenCL.devices() }
        var platform = ""
        for device in devices {
            let info = device.info
            if info.platformName != platform {
                platform = info.platformName
                print("platform: \(info.platformName) (\(info.platformVersion))")
            }
            let usable = info.missingExtensions.isEmpty ? "usable" : "unusable: lacks \(info.missingExtensions.joined(separator: ", "))"
            print("  device \(info.index): \(info.name) [\(info.typeName)] \(info.version)")
            let memory = info.sharesHostMemory ? "host memory" : "memory"
            print("    \(memory) \(formatBytes(info.globalMemory)) (largest buffer \(formatBytes(info.maxAllocation))), \(info.computeUnits) compute units, work-groups up to \(info.maxWorkGroupSize)")
            print("    fp64 \(info.hasFP64 ? "yes" : "no"), 64-bit atomics \(info.hasInt64Atomics ? "yes" : "no"): \(usable)")
        }
    }
}
