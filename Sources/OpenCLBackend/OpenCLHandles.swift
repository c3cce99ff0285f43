import COpenCL
import Foundation

/// A context with two in-order command queues on one device: `queue` for kernels and
/// everything in their order, `transferQueue` for reads that must not wait for kernels
/// enqueued after the ones they read (`CLBuffer.read(after:)`). Owns the handles. With
/// `profiling`, `queue` keeps device timestamps for the commands that ask for an event.
final class CLContext {
    let device: cl_device_id?
    let context: cl_context
    let queue: cl_command_queue
    let transferQueue: cl_command_queue

    init(device: cl_device_id?, profiling: Bool = false) throws {
        self.device = device
        var status: cl_int = 0
        var devices = [device]
        guard let context = clCreateContext(nil, 1, &devices, nil, nil, &status) else {
            throw OpenCLError(call: "clCreateContext", status: status)
        }
        try check(status, "clCreateContext")
        self.context = context
        let properties = profiling ? cl_command_queue_properties(CL_QUEUE_PROFILING_ENABLE) : 0
        guard let queue = clCreateCommandQueue(context, device, properties, &status) else {
            clReleaseContext(context)
            throw OpenCLError(call: "clCreateCommandQueue", status: status)
        }
        guard let transferQueue = clCreateCommandQueue(context, device, 0, &status) else {
            clReleaseCommandQueue(queue)
            clReleaseContext(context)
            throw OpenCLError(call: "clCreateCommandQueue", status: status)
        }
        self.queue = queue
        self.transferQueue = transferQueue
    }

    deinit {
        clReleaseCommandQueue(transferQueue)
        clReleaseCommandQueue(queue)
        clReleaseContext(context)
    }

    func finish() throws { try check(clFinish(queue), "clFinish") }

    /// An event that completes when everything enqueued on `queue` so far has.
    func marker() throws -> CLEvent {
        var event: cl_event?
        try check(clEnqueueMarkerWithWaitList(queue, 0, nil, &event), "clEnqueueMarkerWithWaitList")
        return CLEvent(event!)
    }
}

/// A device buffer of `count` elements of `Element`.
final class CLBuffer<Element> {
    let memory: cl_mem
    let count: Int
    unowned let context: CLContext
    /// The host array a shared buffer works in, kept alive (and so unmoved) as long as the
    /// buffer: the buffer holds a reference to the array's storage, so no copy of the array
    /// can ever be mutated in place, and the storage is freed only with the buffer.
    private let sharedValues: [Element]?

    var bytes: Int { count * MemoryLayout<Element>.stride }
    /// Whether the buffer is a host array itself (`init(_:sharing:name:)`).
    var isShared: Bool { sharedValues != nil }

    init(_ context: CLContext, count: Int, name: String) throws {
        self.context = context
        self.count = max(1, count)
        memory = try Self.create(context, flags: CL_MEM_READ_WRITE, bytes: self.count * MemoryLayout<Element>.stride, host: nil, name: name)
        sharedValues = nil
    }

    /// A buffer holding a copy of `values` (blocking upload).
    convenience init(_ context: CLContext, _ values: [Element], name: String) throws {
        try self.init(context, count: values.count, name: name)
        if !values.isEmpty { try write(values, at: 0) }
    }

    /// A read-only buffer that is `values` itself, for a device that shares host memory
    /// (`DeviceInfo.sharesHostMemory`): nothing is copied and no second copy is held.
    init(_ context: CLContext, sharing values: [Element], name: String) throws {
        precondition(!values.isEmpty)
        self.context = context
        count = values.count
        let host = values.withUnsafeBytes { UnsafeMutableRawPointer(mutating: $0.baseAddress) }
        memory = try Self.create(context, flags: CL_MEM_READ_ONLY | CL_MEM_USE_HOST_PTR, bytes: count * MemoryLayout<Element>.stride,
                                 host: host, name: name)
        sharedValues = values
    }

    private static func create(_ context: CLContext, flags: Int32, bytes: Int, host: UnsafeMutableRawPointer?, name: String) throws -> cl_mem {
        var status: cl_int = 0
        guard let memory = clCreateBuffer(context.context, cl_mem_flags(flags), bytes, host, &status), status == CL_SUCCESS else {
            throw OpenCLError(call: "clCreateBuffer(\(name), \(bytes) bytes)", status: status)
        }
        return memory
    }

    deinit { clReleaseMemObject(memory) }

    func write(_ values: [Element], at offset: Int) throws {
        precondition(offset + values.count <= count)
        try values.withUnsafeBytes { raw in
            try check(clEnqueueWriteBuffer(context.queue, memory, cl_bool(CL_TRUE), offset * MemoryLayout<Element>.stride,
                                           raw.count, raw.baseAddress, 0, nil, nil), "clEnqueueWriteBuffer")
        }
    }

    /// Reads `count` elements from `offset`; blocks until done. In the queue's order, or with
    /// `event`, on the transfer queue as soon as `event` has completed, whatever the kernel
    /// queue holds after it.
    func read(count readCount: Int? = nil, at offset: Int = 0, after event: CLEvent? = nil) throws -> [Element] {
        let n = readCount ?? count - offset
        precondition(offset + n <= count)
        guard n > 0 else { return [] }
        let waitList: [cl_event?] = event.map { [$0.event] } ?? []
        return try [Element](unsafeUninitializedCapacity: n) { buffer, initialized in
            try waitList.withUnsafeBufferPointer { events in
                try check(clEnqueueReadBuffer(event == nil ? context.queue : context.transferQueue, memory, cl_bool(CL_TRUE),
                                              offset * MemoryLayout<Element>.stride, n * MemoryLayout<Element>.stride, buffer.baseAddress,
                                              cl_uint(events.count), events.isEmpty ? nil : events.baseAddress, nil), "clEnqueueReadBuffer")
            }
            initialized = n
        }
    }

    /// Sets the elements in `range`, by default all, to zero (asynchronously, in queue order).
    func zero(_ range: Range<Int>? = nil) throws {
        let range = range ?? 0..<count
        precondition(range.upperBound <= count)
        let stride = MemoryLayout<Element>.stride
        var pattern: UInt8 = 0
        try check(clEnqueueFillBuffer(context.queue, memory, &pattern, 1, range.lowerBound * stride, range.count * stride, 0, nil, nil),
                  "clEnqueueFillBuffer")
    }
}

/// A program built from OpenCL C sources for the context's device.
final class CLProgram {
    let program: cl_program
    let context: CLContext

    init(_ context: CLContext, sources: [String], options: String) throws {
        self.context = context
        var status: cl_int = 0
        let cStrings = sources.map { strdup($0) }
        defer { cStrings.forEach { free($0) } }
        var pointers = cStrings.map { UnsafePointer<CChar>($0) }
        guard let program = clCreateProgramWithSource(context.context, cl_uint(sources.count), &pointers, nil, &status) else {
            throw OpenCLError(call: "clCreateProgramWithSource", status: status)
        }
        self.program = program
        var device = context.device
        let buildStatus = clBuildProgram(program, 1, &device, options, nil, nil)
        if buildStatus != CL_SUCCESS {
            var error = OpenCLError(call: "clBuildProgram", status: buildStatus)
            error.buildLog = try? buildLog()
            throw error
        }
    }

    deinit { clReleaseProgram(program) }

    func buildLog() throws -> String {
        try OpenCL.infoString("clGetProgramBuildInfo") {
            clGetProgramBuildInfo(program, context.device, cl_program_build_info(CL_PROGRAM_BUILD_LOG), $0, $1, $2)
        }
    }

    /// What the device's compiler made of the program: PTX text on NVIDIA's devices, the
    /// implementation's own format elsewhere.
    func binary() throws -> [UInt8] {
        var size = 0
        try check(clGetProgramInfo(program, cl_program_info(CL_PROGRAM_BINARY_SIZES), MemoryLayout<Int>.size, &size, nil),
                  "clGetProgramInfo(CL_PROGRAM_BINARY_SIZES)")
        var bytes = [UInt8](repeating: 0, count: size)
        try bytes.withUnsafeMutableBufferPointer { buffer in
            var pointer = buffer.baseAddress
            try check(clGetProgramInfo(program, cl_program_info(CL_PROGRAM_BINARIES), MemoryLayout.size(ofValue: pointer), &pointer, nil),
                      "clGetProgramInfo(CL_PROGRAM_BINARIES)")
        }
        return bytes
    }
}

/// A kernel whose argument count is checked against the Swift side when it is created, so
/// the `.cl` file and its caller cannot drift apart silently.
final class CLKernel {
    let kernel: cl_kernel
    let name: String
    let context: CLContext

    init(_ program: CLProgram, name: String, arguments: Int) throws {
        self.name = name
        self.context = program.context
        var status: cl_int = 0
        guard let kernel = clCreateKernel(program.program, name, &status) else {
            throw OpenCLError(call: "clCreateKernel(\(name))", status: status)
        }
        self.kernel = kernel
        var count: cl_uint = 0
        try check(clGetKernelInfo(kernel, cl_kernel_info(CL_KERNEL_NUM_ARGS), MemoryLayout<cl_uint>.size, &count, nil), "clGetKernelInfo")
        guard Int(count) == arguments else {
            throw OpenCLError(call: "clCreateKernel(\(name))", status: CL_INVALID_KERNEL_ARGS,
                              hint: "the kernel has \(count) arguments but the host passes \(arguments)")
        }
    }

    deinit { clReleaseKernel(kernel) }

    func set<T: BitwiseCopyable>(_ index: Int, _ value: T) throws {
        var copy = value
        try check(clSetKernelArg(kernel, cl_uint(index), MemoryLayout<T>.size, &copy), "clSetKernelArg(\(name), \(index))")
    }

    func set<E>(_ index: Int, _ buffer: CLBuffer<E>) throws {
        var memory: cl_mem? = buffer.memory
        try check(clSetKernelArg(kernel, cl_uint(index), MemoryLayout<cl_mem>.size, &memory), "clSetKernelArg(\(name), \(index))")
    }

    /// The largest work-group this kernel can run with on the context's device.
    func maximumWorkGroupSize() throws -> Int {
        var size = 0
        try check(clGetKernelWorkGroupInfo(kernel, context.device, cl_kernel_work_group_info(CL_KERNEL_WORK_GROUP_SIZE),
                                           MemoryLayout<Int>.size, &size, nil), "clGetKernelWorkGroupInfo")
        return size
    }

    /// Enqueues over `global` work-items (rounded up to a multiple of `local` when given);
    /// does not wait. `timed`: returns the launch's event, for its device timestamps (the
    /// context must be profiling).
    @discardableResult
    func enqueue(global: Int, local: Int? = nil, timed: Bool = false) throws -> CLEvent? {
        var globalSize = max(1, local.map { (global + $0 - 1) / $0 * $0 } ?? global)
        var event: cl_event?
        let status = withUnsafeMutablePointer(to: &event) { eventPointer in
            let wanted = timed ? eventPointer : nil
            guard var localSize = local else {
                return clEnqueueNDRangeKernel(context.queue, kernel, 1, nil, &globalSize, nil, 0, nil, wanted)
            }
            return clEnqueueNDRangeKernel(context.queue, kernel, 1, nil, &globalSize, &localSize, 0, nil, wanted)
        }
        try check(status, "clEnqueueNDRangeKernel(\(name))")
        return event.map(CLEvent.init)
    }
}

/// A command's event; owns the handle.
final class CLEvent {
    let event: cl_event

    init(_ event: cl_event) { self.event = event }

    deinit { clReleaseEvent(event) }

    /// When the command started and ended on the device (nanoseconds, the device's clock);
    /// the command must have finished.
    func executionInterval() throws -> (start: UInt64, end: UInt64) {
        func time(_ what: Int32) throws -> UInt64 {
            var value: cl_ulong = 0
            try check(clGetEventProfilingInfo(event, cl_profiling_info(what), MemoryLayout<cl_ulong>.size, &value, nil), "clGetEventProfilingInfo")
            return UInt64(value)
        }
        let start = try time(CL_PROFILING_COMMAND_START)
        return (start, max(start, try time(CL_PROFILING_COMMAND_END)))
    }
}
