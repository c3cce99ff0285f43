import COpenCL
import Foundation

/// A device as `microcircuit devices` lists it.
public struct DeviceInfo: Sendable {
    public var index: Int
    public var platformName: String
    public var platformVersion: String
    public var name: String
    public var vendor: String
    public var version: String
    public var isGPU: Bool
    public var typeName: String
    public var globalMemory: Int
    public var maxAllocation: Int
    public var computeUnits: Int
    public var maxWorkGroupSize: Int
    public var extensions: [String]
    /// Whether the device works in host memory (a CPU device such as PoCL): a buffer can then
    /// be the host array itself rather than a copy.
    public var sharesHostMemory: Bool

    public var hasFP64: Bool { extensions.contains("cl_khr_fp64") }
    public var hasInt64Atomics: Bool { extensions.contains("cl_khr_int64_base_atomics") }
    /// The extensions the kernels need that this device lacks.
    public var missingExtensions: [String] {
        ["cl_khr_fp64", "cl_khr_int64_base_atomics"].filter { !extensions.contains($0) }
    }
}

/// A device and its description; the handle stays inside this module.
public struct OpenCLDevice: @unchecked Sendable {
    public let info: DeviceInfo
    let id: cl_device_id?
}

/// Enumerates platforms and devices. Devices are numbered across all platforms in the
/// order the ICD loader reports them; `--device N` refers to that number.
public enum OpenCL {
    static func platformIDs() throws -> [cl_platform_id?] {
        var count: cl_uint = 0
        let status = clGetPlatformIDs(0, nil, &count)
        if status == CL_PLATFORM_NOT_FOUND_KHR || (status == CL_SUCCESS && count == 0) {
            throw OpenCLUnavailable(description: "no OpenCL platform found (install an ICD, e.g. Debian's pocl-opencl-icd or the NVIDIA driver's OpenCL library); use --backend cpu to run without OpenCL")
        }
        try check(status, "clGetPlatformIDs")
        var ids = [cl_platform_id?](repeating: nil, count: Int(count))
        try check(clGetPlatformIDs(count, &ids, nil), "clGetPlatformIDs")
        return ids
    }

    /// Every device of every platform, with its index.
    public static func devices() throws -> [OpenCLDevice] {
        var result: [OpenCLDevice] = []
        for platform in try platformIDs() {
            var count: cl_uint = 0
            let status = clGetDeviceIDs(platform, cl_device_type(CL_DEVICE_TYPE_ALL), 0, nil, &count)
            if status == CL_DEVICE_NOT_FOUND { continue }
            try check(status, "clGetDeviceIDs")
            var ids = [cl_device_id?](repeating: nil, count: Int(count))
            try check(clGetDeviceIDs(platform, cl_device_type(CL_DEVICE_TYPE_ALL), count, &ids, nil), "clGetDeviceIDs")
            for id in ids {
                let type: cl_device_type = try deviceValue(id, CL_DEVICE_TYPE)
                let isGPU = type & cl_device_type(CL_DEVICE_TYPE_GPU) != 0
                let typeName = isGPU ? "GPU" : type & cl_device_type(CL_DEVICE_TYPE_CPU) != 0 ? "CPU"
                    : type & cl_device_type(CL_DEVICE_TYPE_ACCELERATOR) != 0 ? "accelerator" : "other"
                let info = DeviceInfo(
                    index: result.count,
                    platformName: try platformString(platform, CL_PLATFORM_NAME),
                    platformVersion: try platformString(platform, CL_PLATFORM_VERSION),
                    name: try deviceString(id, CL_DEVICE_NAME),
                    vendor: try deviceString(id, CL_DEVICE_VENDOR),
                    version: try deviceString(id, CL_DEVICE_VERSION),
                    isGPU: isGPU, typeName: typeName,
                    globalMemory: Int(try deviceValue(id, CL_DEVICE_GLOBAL_MEM_SIZE) as cl_ulong),
                    maxAllocation: Int(try deviceValue(id, CL_DEVICE_MAX_MEM_ALLOC_SIZE) as cl_ulong),
                    computeUnits: Int(try deviceValue(id, CL_DEVICE_MAX_COMPUTE_UNITS) as cl_uint),
                    maxWorkGroupSize: Int(try deviceValue(id, CL_DEVICE_MAX_WORK_GROUP_SIZE) as Int),
                    extensions: try deviceString(id, CL_DEVICE_EXTENSIONS).split(separator: " ").map(String.init),
                    // Deprecated since OpenCL 2.0 but still answered; a device that does not
                    // answer gets copies, which is always correct.
                    sharesHostMemory: ((try? deviceValue(id, CL_DEVICE_HOST_UNIFIED_MEMORY)) as cl_bool?) == cl_bool(CL_TRUE))
                result.append(OpenCLDevice(info: info, id: id))
            }
        }
        return result
    }

    static func platformString(_ id: cl_platform_id?, _ parameter: Int32) throws -> String {
        try infoString("clGetPlatformInfo") { clGetPlatformInfo(id, cl_platform_info(parameter), $0, $1, $2) }
    }

    static func deviceString(_ id: cl_device_id?, _ parameter: Int32) throws -> String {
        try infoString("clGetDeviceInfo") { clGetDeviceInfo(id, cl_device_info(parameter), $0, $1, $2) }
    }

    /// A string from one of OpenCL's two-call info queries (size, then contents).
    static func infoString(_ call: String, _ query: (Int, UnsafeMutableRawPointer?, UnsafeMutablePointer<Int>?) -> cl_int) throws -> String {
        var size = 0
        try check(query(0, nil, &size), call)
        var bytes = [CChar](repeating: 0, count: size + 1)
        try bytes.withUnsafeMutableBytes { try check(query(size, $0.baseAddress, nil), call) }
        return decodeCString(bytes).trimmingCharacters(in: " ")
    }

    static func deviceValue<T: FixedWidthInteger>(_ id: cl_device_id?, _ parameter: Int32) throws -> T {
        var value: T = 0
        try check(clGetDeviceInfo(id, cl_device_info(parameter), MemoryLayout<T>.size, &value, nil), "clGetDeviceInfo")
        return value
    }
}

/// The text of a NUL-terminated C buffer.
func decodeCString(_ bytes: [CChar]) -> String {
    String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s = s.dropFirst() }
        while s.last == set || s.last == "\0" { s = s.dropLast() }
        return String(s)
    }
}
