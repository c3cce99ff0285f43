import COpenCL

/// Chooses the OpenCL device: `--device N` exactly, or the first GPU with what the kernels
/// need, or (with `allowCPU`) the first such device of any type.
public enum DeviceSelection {
    /// `indexSource` names where the index came from, for the error when there is no such device.
    public static func choose(index: Int?, allowCPU: Bool, indexSource: String = "--device") throws -> OpenCLDevice {
        let devices = try OpenCL.devices()
        guard !devices.isEmpty else {
            throw OpenCLUnavailable(description: "no OpenCL device found; use --backend cpu")
        }
        if let index {
            guard devices.indices.contains(index) else {
                throw OpenCLUnavailable(description: "invalid \(indexSource) \(index): there \(devices.count == 1 ? "is 1 device (0)" : "are \(devices.count) devices (0 ... \(devices.count - 1))"); see `microcircuit devices`")
            }
            let device = devices[index]
            try requireCapabilities(device.info)
            return device
        }
        let usable = devices.filter { $0.info.missingExtensions.isEmpty }
        if let gpu = usable.first(where: { $0.info.isGPU }) { return gpu }
        if allowCPU, let any = usable.first { return any }
        if let first = devices.first, usable.isEmpty { try requireCapabilities(first.info) }
        throw OpenCLUnavailable(description: "no OpenCL GPU with cl_khr_fp64 and cl_khr_int64_base_atomics found; use --backend cpu, or --device N for another device")
    }

    public static func requireCapabilities(_ info: DeviceInfo) throws {
        let missing = info.missingExtensions
        guard missing.isEmpty else {
            throw OpenCLUnavailable(description: "device \(info.index) (\(info.name)) lacks \(missing.joined(separator: " and ")), which the kernels need (double-precision state and 64-bit integer input sums); use --backend cpu or another --device")
        }
    }
}
