import COpenCL
import Connectivity
import Foundation
import MicrocircuitModel
import Simulation

/// The model on an OpenCL device. The synapse table is uploaded once or built on the device
/// (`init(buildingOnDevice:device:)`); every step is one kernel enqueued without a host wait
/// (`deliver_and_update`: each work-group updates its own neurons and delivers the previous
/// step's spikes to them, two halves that share no data), or `stepsPerLaunch` steps are one
/// `run_steps` launch (the default on GPUs). Spikes
/// are recorded on the device and copied back once per batch of steps, while the device
/// runs the next batch, then put in canonical order. Same arithmetic and random numbers as
/// `CPUBackend`, so the spikes are identical.
public final class OpenCLBackend: SimulationBackend {
    public let name = "opencl"
    /// The device, the ring's words, and where the kernels came from when not from this binary.
    public var device: String {
        "\(info.name) (\(info.platformName), OpenCL device \(info.index), \(ringDescription)\(kernelFolder.map { "; kernels from \($0)" } ?? ""))"
    }
    public var hostThreads: Int { info.isGPU ? 0 : ProcessInfo.processInfo.activeProcessorCount }
    public private(set) var currentStep = 0
    public var recordsSpikes = true
    public private(set) var spikeCount = 0
    public let info: DeviceInfo

    let derived: DerivedParameters
    /// `Kernels.sourceFolder` when the program was built.
    let kernelFolder: String?
    let context: CLContext
    let program: CLProgram
    let deliverAndUpdate: CLKernel
    /// `run_steps`, when more than one step runs per launch.
    private(set) var runSteps: CLKernel?
    /// The steps of a `run_steps` launch, where there is one.
    let stepsPerRunSteps: Int
    /// Steps per launch: 1 (`deliver_and_update`), or more in one `run_steps` launch with a
    /// barrier across work-groups between steps.
    public var stepsPerLaunch: Int { runSteps == nil ? 1 : stepsPerRunSteps }
    /// Why the backend runs one step per launch where it chose more itself (`LaunchOptions`'s
    /// nil): a step's work-groups cannot all be resident on the device. Nil otherwise.
    public private(set) var oneStepPerLaunchBecause: String?
    /// The words of `run_steps`'s barrier across work-groups: grid[0] its failure flag, zeroed
    /// once: it stays set until the host has read it, which it may do after the next launch
    /// has been enqueued. Then its `arrivalCounts` counts of arrivals, each on a 128-byte
    /// line of its own from word 32 (so that the work-groups' arrivals do not all queue at
    /// one line), zeroed before each launch: room for `arrivalCountLines`, so that a kernel
    /// variant may try more counts (Benchmarks/gpu/variants/counts*.patch).
    let grid: CLBuffer<UInt32>
    static let arrivalCounts = 16
    static let arrivalCountLines = 64
    static let arrivalCountWords = 32..<(32 * (1 + arrivalCountLines))
    /// The kernels that run steps, each with the index of its first STEP_PARAMETERS argument.
    var stepKernels: [(kernel: CLKernel, firstStepParameter: Int)] { Self.stepKernels(deliverAndUpdate, runSteps) }

    static func stepKernels(_ deliverAndUpdate: CLKernel, _ runSteps: CLKernel?) -> [(kernel: CLKernel, firstStepParameter: Int)] {
        [(deliverAndUpdate, 1)] + (runSteps.map { [($0, 4)] } ?? [])
    }
    /// Position of `record_steps` among STEP_PARAMETERS (deliver_and_update.cl), followed by
    /// `record_neurons`, `record_total`, `record_capacity`, `record`, then the voltmeter's
    /// `voltage_samples`, `voltage_interval` and `voltage_first_sample`.
    static let recorderParameter = 34
    static let recordParameter = recorderParameter + 4
    static let voltageParameter = recordParameter + 1
    /// Work-items of a step launch.
    let globalSize: Int

    let neuronCount: Int
    public let ringSlots: RingSlots
    let constants: NeuronConstants
    /// Work-items per work-group and neurons per work-item of `deliver_and_update`.
    let layout: StepLayout
    /// The step kernels' work-group shape (`--work-group`, or the device's).
    public var workGroup: WorkGroupShape { layout.shape }
    /// The step kernels' registers, stack and spills, where the compiler reports them
    /// (NVIDIA's, with `-cl-nv-verbose`); empty elsewhere.
    public let stepKernelResources: [String: KernelResources]
    /// Steps per batch between copies of the recorded spikes.
    let batchSteps: Int
    /// Voltmeter samples a batch's recorder holds (0 without voltage recording); a batch that
    /// records voltages ends before it would take more.
    let voltageSampleCapacity: Int
    /// Device memory this backend's buffers take (the estimate checked before uploading).
    public let deviceMemoryBytes: Int

    let potentials: CLBuffer<Double>
    let ring: any DeviceRing
    /// Bits of the ring's words on the device: 32 where no neuron's input of one step can
    /// reach 2^31 units (`largestStepInput`), which halves the ring (at full scale 28 instead
    /// of 56 MB, so that it fits a GPU's L2 cache), else 64; as `LaunchOptions.ringBits` asks.
    /// Either holds every slot's sum exactly (kernels/deliver_and_update.cl, RING_BITS).
    public var ringBits: Int { ring.bits }
    /// The largest input one step can bring any neuron (fixed-point units), which decides
    /// `ringBits`; nil where 64 bits were asked for and it was not computed.
    public let largestStepInput: UInt64?
    /// Two, used by turns: one batch records into one while the host reads the previous
    /// batch's spikes from the other.
    let recorders: [SpikeRecorder]
    /// The recorder of the next batch.
    var nextRecorder = 0
    /// Buffers that only kernels use, kept alive here.
    let resident: [AnyObject]
    let table: DeviceSynapseTable

    public var synapseRowStart: [Int] { table.rowStart }
    /// Where set-up time went: program build, construction on the device (zero for an
    /// uploaded table) and uploads.
    public private(set) var setupTimings = SetupTimings()
    /// The step launches' device times since the last `resetKernelTimes()`, when the launch
    /// options ask for them; nil otherwise.
    public private(set) var kernelTimes: KernelTimes?
    /// Device seconds one barrier across a step's work-groups takes on its own (a launch of
    /// many barriers and no steps, timed at set-up), when `run_steps` is used and the launch
    /// options ask for kernel times; nil otherwise.
    public private(set) var barrierSeconds: Double?
    /// When the last timed batch's last launch ended (device clock, ns).
    var lastLaunchEnd: UInt64?

    /// Bytes of device memory a network of `synapses` synapses and rings of `slots` needs,
    /// with ring words of 64 bits (their width is known only once the table is).
    static func deviceMemory(_ d: DerivedParameters, synapses: Int, slots: RingSlots, builtOnDevice: Bool, layout: StepLayout, batchSteps: Int) -> Int {
        let n = d.totalNeurons
        let rows = n + d.thalamicNeurons
        return DeviceSynapseTable.bytes(synapses: synapses, rows: rows, builtOnDevice: builtOnDevice)
            + (layout.deliveryByOneItem ? rows * (layout.groups(neurons: n) + 1) * 4 : 0)
            + n * (3 * 8 + 4 + 1) + slots.total * n * 8 + 2 * n * 8
            + 3 * rows * 8
            + 2 * SpikeRecorder.bytes(capacity: recordCapacity(d, batchSteps: batchSteps), voltageSamples: voltageSampleCapacity(d, batchSteps: batchSteps), neurons: n)
    }

    /// A GPU's spike list entry gives a spiking row as its first synapse in 32 bits and its
    /// length above an 8-bit count (`list_entry` in the kernel): refuses a table beyond that.
    /// No network of the model's parameters comes near (full scale: 3e8 synapses, rows of
    /// ~10^4).
    static func requireRowsAddressable(rowStart: [Int]) throws {
        let synapses = rowStart.last ?? 0
        let longest = zip(rowStart.dropFirst(), rowStart).map { $0 - $1 }.max() ?? 0
        guard synapses < 1 << 32, longest < 1 << 24 else {
            throw OpenCLUnavailable(description: "the network has \(synapses) synapses and a row of \(longest); the OpenCL backend's step kernels on GPUs address fewer than 2^32 synapses and rows shorter than 2^24; use --backend cpu")
        }
    }

    /// A batch's voltmeter samples: all of a batch's, at most as many as a run's chunk takes
    /// (~100 at full scale, so a batch of 1,000 steps at the default interval).
    static func voltageSampleCapacity(_ d: DerivedParameters, batchSteps: Int) -> Int {
        d.voltageSamplesHeld == 0 ? 0 : min(batchSteps / d.schedule.voltageInterval + 1, d.voltageSamplesHeld)
    }

    /// No neuron spikes twice within `refractory + 1` steps, so this bounds a batch's spikes.
    static func recordCapacity(_ d: DerivedParameters, batchSteps: Int) -> Int {
        let perNeuron = (batchSteps + d.schedule.refractory) / (d.schedule.refractory + 1)
        return d.totalNeurons * perNeuron
    }

    /// Uploads the host-built `network` to `device` (from `DeviceSelection`); a device that
    /// works in host memory uses the host's synapse table in place.
    public convenience init(network: Network, device: OpenCLDevice, launch: LaunchOptions = LaunchOptions()) throws {
        try self.init(derived: network.derived, initialPotentials: network.initialPotentials,
                      synapses: .upload(network.synapses, inPlace: device.info.sharesHostMemory), device: device,
                      layout: .preferred(for: device.info, neurons: network.derived.totalNeurons, launch: launch), launch: launch)
    }

    /// Builds the network of `derived` on `device` itself: only the initial potentials and
    /// the row starts cross the bus. The same synapses as `Network.build` on the host.
    public convenience init(buildingOnDevice derived: DerivedParameters, device: OpenCLDevice, launch: LaunchOptions = LaunchOptions()) throws {
        try self.init(derived: derived, initialPotentials: Network.initialPotentials(derived), synapses: .build, device: device,
                      layout: .preferred(for: device.info, neurons: derived.totalNeurons, launch: launch), launch: launch)
    }

    enum SynapseSource {
        /// Built on the host: copied to the device, or used in place by a device that works
        /// in host memory.
        case upload(SynapseTable, inPlace: Bool = false)
        /// Built on the device.
        case build
    }

    init(derived d: DerivedParameters, initialPotentials: [Double], synapses: SynapseSource, device: OpenCLDevice,
         layout preferred: StepLayout, launch: LaunchOptions) throws {
        try DeviceSelection.requireCapabilities(device.info)
        info = device.info
        derived = d
        neuronCount = d.totalNeurons
        constants = NeuronConstants(d)
        batchSteps = launch.batchSteps
        voltageSampleCapacity = launch.voltageSampleCapacity ?? OpenCLBackend.voltageSampleCapacity(d, batchSteps: launch.batchSteps)
        stepsPerRunSteps = launch.steps(on: device.info)
        kernelTimes = launch.timesKernels ? KernelTimes() : nil

        // Estimated before anything is allocated; a device build's ring size is bounded
        // from the delay distributions, as the host's memory estimate does.
        let (synapseCount, slotBound, builtOnDevice): (Int, RingSlots, Bool)
        switch synapses {
        case .upload(let table, _): (synapseCount, slotBound, builtOnDevice) = (table.synapseCount, table.ringSlots, false)
        case .build: (synapseCount, slotBound, builtOnDevice) = (d.synapsesIncludingThalamic, MemoryEstimate.ringSlotsBound(d), true)
        }
        let needed = OpenCLBackend.deviceMemory(d, synapses: synapseCount, slots: slotBound, builtOnDevice: builtOnDevice,
                                                layout: preferred, batchSteps: launch.batchSteps)
        deviceMemoryBytes = needed
        guard needed <= info.globalMemory else {
            throw OpenCLUnavailable(description: "not enough device memory: the network needs about \(formatBytes(needed)) but \(info.name) has \(formatBytes(info.globalMemory)); reduce --scale or use --backend cpu")
        }
        let largest = synapseCount * 4
        guard largest <= info.maxAllocation else {
            throw OpenCLUnavailable(description: "the synapse targets need one \(formatBytes(largest)) buffer but \(info.name) allocates at most \(formatBytes(info.maxAllocation)) at once; reduce --scale or use --backend cpu")
        }

        var clock = Stopwatch()
        let context = try CLContext(device: device.id, profiling: launch.timesKernels)
        self.context = context
        let kernelFolder = Kernels.sourceFolder
        self.kernelFolder = kernelFolder
        let sources = try Kernels.sources(from: kernelFolder)
        let info = info
        func buildProgram(ringBits: Int) throws -> CLProgram {
            let options = [Kernels.buildOptions, Kernels.deviceOptions(info), preferred.buildOptions,
                           "-DARRIVAL_COUNTS=\(OpenCLBackend.arrivalCounts)u", "-DRING_BITS=\(ringBits)"]
            return try CLProgram(context, sources: sources, options: options.joined(separator: " "))
        }
        // Built for the ring width asked for, or for 32 bits, which the model's networks take
        // (FixedPointWeight), and again for 64 if the table turns out not to.
        var program = try buildProgram(ringBits: launch.ringBits ?? 32)
        setupTimings.compile = clock.lap()

        let table: DeviceSynapseTable
        switch synapses {
        case .upload(let host, let inPlace):
            table = try DeviceSynapseTable(uploading: host, context: context, sharing: inPlace)
        case .build:
            table = try DeviceSynapseTable(building: d, context: context, program: program, groupSize: min(128, info.maxWorkGroupSize))
        }
        self.table = table
        let (ringBits, largestStepInput) = try RingWidth.choose(asked: launch.ringBits) {
            try table.largestStepInput(neurons: d.totalNeurons, thalamicMultiplicity: d.largestThalamicCount, context: context, program: program)
        }
        self.largestStepInput = largestStepInput
        // The bound's time counts with the table's: its construction, or its upload.
        if case .build = synapses { setupTimings.construction = clock.lap() } else { setupTimings.upload = clock.lap() }
        if ringBits == 64, launch.ringBits == nil {
            program = try buildProgram(ringBits: 64)
            setupTimings.compile += clock.lap()
        }
        self.program = program
        try Kernels.writeBinary(of: program)
        deliverAndUpdate = try CLKernel(program, name: "deliver_and_update", arguments: 48)
        runSteps = stepsPerRunSteps > 1 ? try CLKernel(program, name: "run_steps", arguments: 51) : nil
        let stepKernels = Self.stepKernels(deliverAndUpdate, runSteps)
        let stepKernelNames = Set(stepKernels.map(\.kernel.name))
        stepKernelResources = Kernels.resources(inBuildLog: (try? program.buildLog()) ?? "").filter { stepKernelNames.contains($0.key) }
        let largestGroup = try stepKernels.map { try $0.kernel.maximumWorkGroupSize() }.min()!
        if let shape = launch.workGroup, shape.groupSize > largestGroup {
            throw OpenCLUnavailable(description: "--work-group \(shape): \(info.name) runs the step kernels in work-groups of at most \(largestGroup) work-items")
        }
        var layout = preferred
        layout.groupSize = min(preferred.groupSize, largestGroup)
        self.layout = layout
        globalSize = layout.groups(neurons: neuronCount) * layout.groupSize
        setupTimings.compile += clock.lap()

        if !layout.deliveryByOneItem { try OpenCLBackend.requireRowsAddressable(rowStart: table.rowStart) }
        ringSlots = table.ringSlots
        // Only a CPU device's delivery, to each work-group's own neurons, looks up segments; a
        // kernel argument cannot be an empty buffer.
        let segments = layout.deliveryByOneItem
            ? try table.indexSegments(groups: layout.groups(neurons: neuronCount), neuronsPerGroup: layout.neuronsPerGroup,
                                      context: context, program: program)
            : try CLBuffer<UInt32>(context, count: 1, name: "segments")

        potentials = try CLBuffer(context, initialPotentials, name: "v")
        let currentsEx = try CLBuffer<Double>(context, count: neuronCount, name: "i_ex")
        let currentsIn = try CLBuffer<Double>(context, count: neuronCount, name: "i_in")
        let refractory = try CLBuffer<Int32>(context, count: neuronCount, name: "refractory")
        ring = try makeDeviceRing(context, bits: ringBits, slots: ringSlots, neurons: neuronCount)
        let populations = try CLBuffer(context, d.populationIndices, name: "population_of")
        let dc = try CLBuffer(context, constants.dcAmplitudes, name: "dc_amplitude")
        let transient = try CLBuffer(context, constants.dcTransientAmplitudes, name: "transient_amplitude")
        let lambdas = try CLBuffer(context, d.backgroundPoisson.flatMap(\.cdf), name: "background_cdf")
        let thalamicCDF = try CLBuffer(context, d.thalamicPoisson.cdf, name: "thalamic_cdf")
        // Three spike lists in rotation (step n's is filled while n-1's is delivered and
        // n+1's is emptied), each part of one buffer.
        let listCapacity = neuronCount + d.thalamicNeurons
        let spikeRows = try CLBuffer<UInt32>(context, count: 3 * listCapacity, name: "spike_rows")
        let spikeCounts = try CLBuffer<UInt32>(context, count: 3 * listCapacity, name: "spike_counts")
        let spikeTotals = try CLBuffer<UInt32>(context, [0, 0, 0], name: "spike_totals")
        let capacity = launch.recordCapacity ?? OpenCLBackend.recordCapacity(d, batchSteps: launch.batchSteps)
        let (samples, neurons) = (voltageSampleCapacity, neuronCount)
        recorders = try (0..<2).map { _ in try SpikeRecorder(context, capacity: capacity, voltageSamples: samples, neurons: neurons) }
        grid = try CLBuffer(context, count: OpenCLBackend.arrivalCountWords.upperBound, name: "grid")
        for buffer in [currentsEx, currentsIn] as [CLBuffer<Double>] { try buffer.zero() }
        try grid.zero()
        try refractory.zero()
        try ring.zero()
        resident = [currentsEx, currentsIn, refractory, populations, dc, transient, lambdas, thalamicCDF, segments,
                    spikeRows, spikeCounts, spikeTotals]

        let transientSteps = constants.dcTransientSteps
        let thalamicSteps = d.schedule.thalamicSpikeSteps
        // STEP_PARAMETERS in deliver_and_update.cl, in order.
        let stepParameters: [(CLKernel, Int) throws -> Void] = [
            { try $0.set($1, UInt32(self.neuronCount)) },
            { try $0.set($1, UInt32(self.ringSlots.excitatory)) },
            { try $0.set($1, UInt32(self.ringSlots.inhibitory)) },
            { try $0.set($1, UInt32(clamping: self.constants.firstBackgroundStep)) },
            { try $0.set($1, UInt32(clamping: transientSteps.isEmpty ? 0 : transientSteps.lowerBound)) },
            { try $0.set($1, UInt32(clamping: transientSteps.isEmpty ? 0 : transientSteps.upperBound)) },
            { try $0.set($1, UInt32(clamping: thalamicSteps.isEmpty ? 0 : thalamicSteps.lowerBound)) },
            { try $0.set($1, UInt32(clamping: thalamicSteps.isEmpty ? 0 : thalamicSteps.upperBound)) },
            { try $0.set($1, UInt32(d.thalamicNeurons)) },
            { try $0.set($1, d.parameters.simulation.seed) },
            { try $0.set($1, self.potentials) },
            { try $0.set($1, currentsEx) },
            { try $0.set($1, currentsIn) },
            { try $0.set($1, refractory) },
            { try self.ring.setExcitatory(on: $0, at: $1) },
            { try self.ring.setInhibitory(on: $0, at: $1) },
            { try $0.set($1, populations) },
            { try $0.set($1, dc) },
            { try $0.set($1, transient) },
            { try $0.set($1, lambdas) },
            { try $0.set($1, thalamicCDF) },
            { try $0.set($1, self.constants.externalWeight) },
            { try $0.set($1, self.constants.p22) },
            { try $0.set($1, self.constants.p11) },
            { try $0.set($1, self.constants.p21) },
            { try $0.set($1, self.constants.p20) },
            { try $0.set($1, self.constants.threshold) },
            { try $0.set($1, self.constants.reset) },
            { try $0.set($1, self.constants.refractorySteps) },
            { try $0.set($1, FixedPointWeight.picoamperePerUnit) },
            { try $0.set($1, spikeRows) },
            { try $0.set($1, spikeCounts) },
            { try $0.set($1, spikeTotals) },
            { try $0.set($1, UInt32(listCapacity)) },
            { try $0.set($1, self.recorders[0].steps) },  // recorderParameter, set by each batch
            { try $0.set($1, self.recorders[0].neurons) },
            { try $0.set($1, self.recorders[0].total) },
            { try $0.set($1, UInt32(capacity)) },
            { try $0.set($1, Int32(1)) },  // record (recordParameter), reset by advance
            { try $0.set($1, self.recorders[0].voltages) },  // voltageParameter, set by each batch
            { try $0.set($1, UInt32(0)) },
            { try $0.set($1, UInt32(0)) },
            { try $0.set($1, table.rowStartBuffer) },
            { try $0.set($1, table.targets) },
            { try $0.set($1, table.weights) },
            { try $0.set($1, table.delays) },
            { try $0.set($1, segments) },
        ]
        for (kernel, first) in stepKernels {
            for (offset, set) in stepParameters.enumerated() { try set(kernel, first + offset) }
        }
        if let runSteps {
            try runSteps.set(2, grid)
            // Polls before a wait counts as stuck: ~1-4 s on a GPU (a poll is a trip to L2),
            // ~2 s on a CPU device (long enough that a descheduled worker thread is not
            // taken for a work-group that will never run).
            try limitBarrierPolls(to: UInt32(info.isGPU ? 1 << 22 : 1 << 31))
            do {
                try passBarriers(2)
            } catch let refusal as OpenCLUnavailable where launch.stepsPerLaunch == nil {
                oneStepPerLaunchBecause = refusal.description
                self.runSteps = nil
            }
            if launch.timesKernels, self.runSteps != nil {
                // The difference of launches of 1000 and 2000 barriers, so that what a launch
                // costs besides its barriers (start-up, waking a CPU device's threads) drops
                // out; each the fastest of three, as the least disturbed.
                let durations = try [1000, 2000].map { count in
                    try (0..<3).map { _ in
                        let (start, end) = try passBarriers(count, timed: true)!.executionInterval()
                        return Double(end - start) * 1e-9
                    }.min()!
                }
                barrierSeconds = max(0, durations[1] - durations[0]) / 1000
            }
        }
        try context.finish()
        setupTimings.upload += clock.lap()
    }

    /// Enqueues the steps batch by batch; each batch's spikes are read while the device
    /// runs the next, so the device waits for the host only after the last.
    public func advance(steps: Int, recordingInto spikes: inout SpikeTrains, voltages: inout VoltageTrace?) throws {
        var remaining = steps
        for (kernel, first) in stepKernels {
            try kernel.set(first + Self.recordParameter, Int32(recordsSpikes ? 1 : 0))
        }
        precondition(voltages == nil || voltageSampleCapacity > 0, "voltages asked of a backend set up without voltage recording")
        let schedule = derived.schedule
        var running: Batch?
        while remaining > 0 {
            var count = min(remaining, batchSteps)
            if voltages != nil {
                // Ends before the step of the sample that its recorder has no room for.
                count = min(count, schedule.stepsTaking(atMost: voltageSampleCapacity, from: currentStep))
            }
            let batch = try enqueueBatch(steps: count, samplingVoltages: voltages != nil)
            if let running { try collect(running, spikes: &spikes, voltages: &voltages) }
            running = batch
            remaining -= count
        }
        if let running { try collect(running, spikes: &spikes, voltages: &voltages) }
    }

    /// A batch of steps enqueued: its recorder, the voltmeter samples it takes (nil when it
    /// takes none), an event for its end, and its timed launches.
    struct Batch {
        let recorder: SpikeRecorder
        let voltageSamples: Range<Int>?
        let finished: CLEvent
        let launchEvents: [CLEvent]
    }

    /// Enqueues `steps` steps from `currentStep` recording into the next recorder, whose
    /// spikes the host has read by now (the batch before last used it).
    func enqueueBatch(steps: Int, samplingVoltages: Bool = false) throws -> Batch {
        let recorder = recorders[nextRecorder]
        nextRecorder = (nextRecorder + 1) % recorders.count
        try recorder.total.zero()
        let schedule = derived.schedule
        let samples = samplingVoltages ? schedule.voltageSamples(in: currentStep..<(currentStep + steps)) : nil
        for (kernel, first) in stepKernels {
            let parameter = first + Self.recorderParameter
            try kernel.set(parameter, recorder.steps)
            try kernel.set(parameter + 1, recorder.neurons)
            try kernel.set(parameter + 2, recorder.total)
            let voltage = first + Self.voltageParameter
            try kernel.set(voltage, recorder.voltages)
            try kernel.set(voltage + 1, UInt32(samples == nil ? 0 : schedule.voltageInterval))
            try kernel.set(voltage + 2, UInt32(samples?.lowerBound ?? 0))
        }
        var enqueued = 0
        var launchEvents: [CLEvent] = []
        while enqueued < steps {
            let count = min(stepsPerLaunch, steps - enqueued)
            try enqueueSteps(from: currentStep, count: count, timedInto: &launchEvents)
            currentStep += count
            enqueued += count
        }
        return Batch(recorder: recorder, voltageSamples: samples, finished: try context.marker(), launchEvents: launchEvents)
    }

    /// Enqueues `count` steps from `first`: one `deliver_and_update` launch per step, or one
    /// `run_steps` launch for all. Only step numbers change between launches. When kernel
    /// times are kept, the launches' events are appended to `launchEvents`.
    func enqueueSteps(from first: Int, count: Int, timedInto launchEvents: inout [CLEvent]) throws {
        let timed = kernelTimes != nil
        var clock = timed ? Stopwatch() : nil
        if count > 1, runSteps != nil {
            if let event = try launchRunSteps(first: UInt32(first), count: UInt32(count), timed: timed) { launchEvents.append(event) }
        } else {
            for step in first..<(first + count) {
                try deliverAndUpdate.set(0, UInt32(step))
                if let event = try launch(deliverAndUpdate, timed: timed) { launchEvents.append(event) }
            }
        }
        if let lap = clock?.lap() {
            kernelTimes!.enqueueSeconds += lap
            kernelTimes!.steps += count
        }
    }

    /// Enqueues a step kernel over the step's work-groups; `timed`: returns its event.
    func launch(_ kernel: CLKernel, timed: Bool = false) throws -> CLEvent? {
        try kernel.enqueue(global: globalSize, local: layout.groupSize, timed: timed)
    }

    /// Launches `run_steps` (steps `first` ..< `first + count`, or with `count` 0, `first`
    /// barriers alone), its barriers' arrival counts zeroed first.
    func launchRunSteps(first: UInt32, count: UInt32, timed: Bool) throws -> CLEvent? {
        guard let runSteps else { return nil }
        try runSteps.set(0, first)
        try runSteps.set(1, count)
        try grid.zero(OpenCLBackend.arrivalCountWords)
        return try launch(runSteps, timed: timed)
    }

    /// Adds a finished batch's launches to `kernelTimes`.
    func readLaunchTimes(_ launchEvents: [CLEvent]) throws {
        guard kernelTimes != nil, !launchEvents.isEmpty else { return }
        var first = UInt64.max, last = UInt64.min, busy: UInt64 = 0
        for event in launchEvents {
            let (start, end) = try event.executionInterval()
            first = min(first, start)
            last = max(last, end)
            busy += end - start
        }
        kernelTimes!.launches += launchEvents.count
        kernelTimes!.busySeconds += Double(busy) * 1e-9
        kernelTimes!.spanSeconds += Double(last - first) * 1e-9
        if let lastLaunchEnd, first > lastLaunchEnd { kernelTimes!.batchGapSeconds += Double(first - lastLaunchEnd) * 1e-9 }
        lastLaunchEnd = last
    }

    /// Starts `kernelTimes` afresh (e.g. after the presimulation).
    public func resetKernelTimes() {
        if kernelTimes != nil { kernelTimes = KernelTimes() }
        lastLaunchEnd = nil
    }

    /// How many polls a wait at `run_steps`'s barrier makes before it takes a work-group
    /// for one that will never arrive (`spin_limit` in the kernel).
    func limitBarrierPolls(to polls: UInt32) throws {
        try runSteps?.set(3, polls)
    }

    /// `run_steps` with no steps: `count` barriers across all work-groups. Refuses the mode
    /// when they cannot all be resident at once (a wait would never end); two at set-up
    /// check that before anything runs.
    @discardableResult
    func passBarriers(_ count: Int, timed: Bool = false) throws -> CLEvent? {
        let event = try launchRunSteps(first: UInt32(count), count: 0, timed: timed)
        try throwIfBarrierFailed()
        return event
    }

    /// `after`: once that event has completed, without waiting for later kernels.
    func throwIfBarrierFailed(after event: CLEvent? = nil) throws {
        guard try grid.read(count: 1, at: 0, after: event)[0] != 0 else { return }
        let fewerGroups = WorkGroupShape(checked: layout.groupSize, min(4096, layout.neuronsPerItem == 1 ? 2 : 2 * layout.neuronsPerItem))
        throw OpenCLUnavailable(description: "--steps-per-launch \(stepsPerLaunch): the \(layout.groups(neurons: neuronCount)) work-groups of a step cannot all run at once on \(info.name), so a barrier across them never completes; use --steps-per-launch 1, or fewer, larger work-groups (e.g. --work-group \(fewerGroups))")
    }

    /// Waits for `batch` to finish (the only host wait), copies its recorded spikes back and
    /// sorts them into canonical order (without recording, only counts them), and copies its
    /// voltmeter samples back.
    func collect(_ batch: Batch, spikes: inout SpikeTrains, voltages: inout VoltageTrace?) throws {
        let recorder = batch.recorder
        if runSteps != nil { try throwIfBarrierFailed(after: batch.finished) }
        let total = Int(try recorder.total.read(after: batch.finished)[0])
        try readLaunchTimes(batch.launchEvents)
        spikeCount += total
        if let samples = batch.voltageSamples {
            let values = try recorder.voltages.read(count: samples.count * neuronCount, after: batch.finished)
            for (k, m) in samples.enumerated() {
                voltages!.steps.append(derived.schedule.voltageSampleStep(m))
                voltages!.samples.append(absolutePotentials(values[(k * neuronCount)..<((k + 1) * neuronCount)]))
            }
        }
        guard recordsSpikes else { return }
        guard total <= recorder.steps.count else {
            throw OpenCLUnavailable(description: "the device's spike recording buffer overflowed (\(total) spikes for \(recorder.steps.count) places); no spikes were dropped silently, but this run cannot continue")
        }
        let steps = try recorder.steps.read(count: total, after: batch.finished)
        let neurons = try recorder.neurons.read(count: total, after: batch.finished)
        var keys = zip(steps, neurons).map { UInt64($0) << 32 | UInt64($1) }
        keys.sort()
        for key in keys {
            spikes.steps.append(UInt32(truncatingIfNeeded: key >> 32))
            spikes.neurons.append(UInt32(truncatingIfNeeded: key))
        }
    }

    public func membranePotentials() throws -> [Double] {
        absolutePotentials(try potentials.read()[...])
    }

    /// The device keeps potentials relative to E_L (NEST's state); users see them absolute.
    func absolutePotentials(_ relative: ArraySlice<Double>) -> [Double] {
        let eL = derived.parameters.neuron.eL
        return relative.map { $0 + eL }
    }
}

extension OpenCLBackend {
    /// Sets the input that neuron `neuron` receives in step `step` (fixed-point units), for
    /// tests that drive single neurons; `step` must lie within the ring's span ahead.
    func setInput(step: Int, neuron: Int, excitatory: Int64, inhibitory: Int64) throws {
        precondition(step >= currentStep && step < currentStep + ringSlots.span)
        try ring.write(excitatory: excitatory, inhibitory: inhibitory, at: ringSlots.wordIndices(step: step, neuron: neuron, neurons: neuronCount))
    }

    /// The ring buffers, each slot-major, for tests of delivery.
    func ringSnapshot() throws -> (excitatory: [Int64], inhibitory: [Int64]) { try ring.read() }
}

/// Where a batch's spikes are recorded on the device: step and neuron of each, and how many
/// there are (more than the places only if the capacity's bound were wrong); and its
/// voltmeter samples, one row of every neuron's potential (relative to E_L) per sample.
struct SpikeRecorder {
    let steps: CLBuffer<UInt32>
    let neurons: CLBuffer<UInt32>
    let total: CLBuffer<UInt32>
    let voltages: CLBuffer<Double>

    init(_ context: CLContext, capacity: Int, voltageSamples: Int, neurons count: Int) throws {
        steps = try CLBuffer(context, count: capacity, name: "record_steps")
        neurons = try CLBuffer(context, count: capacity, name: "record_neurons")
        total = try CLBuffer(context, [0], name: "record_total")
        // One element when off: a kernel argument cannot be an empty buffer.
        voltages = try CLBuffer(context, count: max(1, voltageSamples * count), name: "voltage_samples")
    }

    static func bytes(capacity: Int, voltageSamples: Int, neurons: Int) -> Int {
        2 * capacity * 4 + 4 + max(1, voltageSamples * neurons) * 8
    }
}
