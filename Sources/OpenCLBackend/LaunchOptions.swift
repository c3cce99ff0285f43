/// How the OpenCL backend launches its steps. None of it changes the spikes.
public struct LaunchOptions: Sendable, Equatable {
    /// 1: one `deliver_and_update` launch per step. More: one `run_steps` launch runs that
    /// many steps, with a barrier across work-groups between them. Nil: the device's choice
    /// (`steps(on:)`).
    public var stepsPerLaunch: Int?
    /// The step kernels' work-group shape instead of the one the device prefers.
    public var workGroup: WorkGroupShape?
    /// Steps between copies of the recorded spikes to the host.
    public var batchSteps = 1000
    /// Whether to time every step launch on the device (`OpenCLBackend.kernelTimes`).
    public var timesKernels = false
    /// Bits of the device ring's words (`OpenCLBackend.ringBits`): 32, refused where a
    /// neuron's input of one step could overflow them; 64; or nil, 32 where none can.
    public var ringBits: Int?
    /// Places in each recording buffer instead of the bound that refractoriness gives, which
    /// no batch can exceed: set by tests only, to see that an overflow is reported, not lost.
    var recordCapacity: Int?
    /// Voltmeter samples in each recording buffer instead of the backend's choice: set by
    /// tests only, to cut batches short by samples.
    var voltageSampleCapacity: Int?

    public init(stepsPerLaunch: Int? = nil, workGroup: WorkGroupShape? = nil, batchSteps: Int = 1000, timesKernels: Bool = false,
                ringBits: Int? = nil) {
        precondition(ringBits.map { [32, 64].contains($0) } ?? true, "ring words of 32 or 64 bits")
        self.stepsPerLaunch = stepsPerLaunch
        self.workGroup = workGroup
        self.batchSteps = batchSteps
        self.timesKernels = timesKernels
        self.ringBits = ringBits
    }

    /// The steps per launch on a device of `info`: as asked, else a recording batch's worth on
    /// GPUs, where launching costs as much as a step's work (the backend falls back to 1 where
    /// a step's work-groups cannot all be resident at once), and 1 on CPU devices, whose
    /// barrier between steps spins on cores that other work may need.
    func steps(on info: DeviceInfo) -> Int { max(1, stepsPerLaunch ?? (info.isGPU ? batchSteps : 1)) }
}

/// Work-items per work-group and neurons per work-item of the step kernels, written
/// `256x1` (`--work-group`).
public struct WorkGroupShape: Sendable, Equatable, CustomStringConvertible {
    /// The most work-items per group `--work-group` takes; a device may allow fewer (NVIDIA's
    /// 1024). The kernels' local arrays are sized for the shape (MAX_GROUP_SIZE).
    public static let largestGroup = 1024

    public var groupSize: Int
    /// 1, 2, or a multiple of 4 (four neurons share one Philox block of background draws).
    public var neuronsPerItem: Int

    /// Checks both numbers; the message says what is allowed.
    public init(groupSize: Int, neuronsPerItem: Int) throws(WorkGroupShapeError) {
        guard (1...Self.largestGroup).contains(groupSize) else {
            throw WorkGroupShapeError(reason: "work-items per group must be in [1, \(Self.largestGroup)], got \(groupSize)")
        }
        guard neuronsPerItem == 1 || neuronsPerItem == 2 || (neuronsPerItem > 0 && neuronsPerItem % 4 == 0 && neuronsPerItem <= 4096) else {
            throw WorkGroupShapeError(reason: "neurons per work-item must be 1, 2 or a multiple of 4 up to 4096, got \(neuronsPerItem)")
        }
        self.init(checked: groupSize, neuronsPerItem)
    }

    /// A shape already known to be one the kernels take.
    init(checked groupSize: Int, _ neuronsPerItem: Int) {
        self.groupSize = groupSize
        self.neuronsPerItem = neuronsPerItem
    }

    /// Parses `WORK_ITEMSxNEURONS_PER_ITEM`, e.g. `256x1`.
    public init(parsing text: String) throws(WorkGroupShapeError) {
        let parts = text.split(separator: "x", omittingEmptySubsequences: false)
        guard parts.count == 2, let items = Int(parts[0]), let neurons = Int(parts[1]) else {
            throw WorkGroupShapeError(reason: "expected WORK_ITEMSxNEURONS_PER_ITEM such as 256x1, got '\(text)'")
        }
        try self.init(groupSize: items, neuronsPerItem: neurons)
    }

    public var description: String { "\(groupSize)x\(neuronsPerItem)" }
}

public struct WorkGroupShapeError: Error, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}

/// How a step spreads the neurons over work-items and work-groups; each work-group owns
/// `neuronsPerGroup` consecutive neurons (see the kernel).
struct StepLayout: Equatable {
    var groupSize: Int
    /// 1, 2, or a multiple of 4 (four neurons share one Philox block of background draws).
    var neuronsPerItem: Int
    /// Whether one work-item delivers its work-group's spikes with plain adds (CPU devices)
    /// rather than all of them with atomic adds (GPUs).
    var deliveryByOneItem: Bool

    var neuronsPerGroup: Int { groupSize * neuronsPerItem }

    var shape: WorkGroupShape { WorkGroupShape(checked: groupSize, neuronsPerItem) }

    func groups(neurons: Int) -> Int { (neurons + neuronsPerGroup - 1) / neuronsPerGroup }

    var buildOptions: String {
        "-DMAX_GROUP_SIZE=\(groupSize)u -DNEURONS_PER_ITEM=\(neuronsPerItem)u -DDELIVERY_BY_ONE_ITEM=\(deliveryByOneItem ? 1 : 0)"
    }

    /// GPUs: one neuron per work-item, 256 per work-group. CPU devices: 64 work-items per
    /// work-group and four neurons per work-item (one Philox block); with many steps per
    /// launch, one work-group per compute unit instead, since a CPU device runs only that many
    /// at once and the barrier between steps needs them all running. A shape the launch
    /// options give replaces these; the delivery stays the device's kind.
    static func preferred(for info: DeviceInfo, neurons: Int, launch: LaunchOptions) -> StepLayout {
        let byOneItem = !info.isGPU
        if let shape = launch.workGroup {
            return StepLayout(groupSize: shape.groupSize, neuronsPerItem: shape.neuronsPerItem, deliveryByOneItem: byOneItem)
        }
        if info.isGPU {
            return StepLayout(groupSize: min(256, info.maxWorkGroupSize), neuronsPerItem: 1, deliveryByOneItem: false)
        }
        let groupSize = min(64, info.maxWorkGroupSize)
        guard launch.steps(on: info) > 1 else { return StepLayout(groupSize: groupSize, neuronsPerItem: 4, deliveryByOneItem: true) }
        let perBlockRow = 4 * groupSize * max(1, info.computeUnits)
        return StepLayout(groupSize: groupSize, neuronsPerItem: 4 * max(1, (neurons + perBlockRow - 1) / perBlockRow),
                          deliveryByOneItem: true)
    }
}

/// Where the step launches' time went, from the device's own timestamps
/// (`LaunchOptions.timesKernels`): whether a step is bound by the kernels' work or by
/// launching them.
public struct KernelTimes: Sendable, Equatable {
    public var launches = 0
    public var steps = 0
    /// The launches' execution times added up (each from its start to its end on the device).
    public var busySeconds = 0.0
    /// From the first launch's start to the last one's end, added up over the batches
    /// between copies of the recorded spikes; minus `busySeconds`, the device's idle time
    /// between launches.
    public var spanSeconds = 0.0
    /// Host wall time spent in the calls that enqueue the launches.
    public var enqueueSeconds = 0.0
    /// The device's idle time from the end of one batch's last launch to the start of the
    /// next batch's first: the host's turn (copying spikes back, enqueueing), which reading a
    /// batch while the next one runs should leave near zero.
    public var batchGapSeconds = 0.0

    public init() {}

    public var idleSeconds: Double { max(0, spanSeconds - busySeconds) }
}
