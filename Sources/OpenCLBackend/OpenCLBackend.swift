import COpenCL
import Connectivity
import MicrocircuitModel
import Simulation

/// The model on an OpenCL device. The synapse table is uploaded once or built on the device
/// (`init(buildingOnDevice:device:)`); every step is one
/// kernel enqueued without a host wait (`deliver_and_update`: each work-group delivers the
/// previous step's spikes to its own neurons, then updates them), two during the thalamic
/// volley. Spikes are recorded on the device and copied
/// back once per batch of steps, then put in canonical order. Same arithmetic and random
/// numbers as `CPUBackend`, so the spikes are identical.
public final class OpenCLBackend: SimulationBackend {
    public let name = "opencl"
    public var device: String { "\(info.name) (\(info.platformName), OpenCL device \(info.index))" }
    public private(set) var currentStep = 0
    public var recordsSpikes = true
    public private(set) var spikeCount = 0
    public let info: DeviceInfo

    let derived: DerivedParameters
    let context: CLContext
    let program: CLProgram
    let deliverAndUpdate: CLKernel
    let emitThalamicSpikes: CLKernel

    let neuronCount: Int
    let slots: Int
    let constants: NeuronConstants
    /// Work-items per work-group and neurons per work-item of `deliver_and_update`.
    let layout: StepLayout
    /// Steps per batch between copies of the recorded spikes.
    let batchSteps: Int
    /// Device memory this backend's buffers take (the estimate checked before uploading).
    public let deviceMemoryBytes: Int

    let potentials: CLBuffer<Double>
    let ringEx: CLBuffer<Int64>
    let ringIn: CLBuffer<Int64>
    let recordSteps: CLBuffer<UInt32>
    let recordNeurons: CLBuffer<UInt32>
    let recordTotal: CLBuffer<UInt32>
    let overflow: CLBuffer<UInt32>
    /// Buffers that only kernels use, kept alive here.
    let resident: [AnyObject]
    let table: DeviceSynapseTable

    public var synapseRowStart: [Int] { table.rowStart }
    /// Where set-up time went: program build, construction on the device (zero for an
    /// uploaded table) and uploads.
    public private(set) var setupTimings = SetupTimings()

    /// Bytes of device memory a network of `synapses` synapses and `slots` ring slots needs.
    static func deviceMemory(_ d: DerivedParameters, synapses: Int, slots: Int, builtOnDevice: Bool, layout: StepLayout, batchSteps: Int) -> Int {
        let n = d.totalNeurons
        let rows = n + d.thalamicNeurons
        return DeviceSynapseTable.bytes(synapses: synapses, rows: rows, builtOnDevice: builtOnDevice)
            + rows * (layout.groups(neurons: n) + 1) * 4
            + n * (3 * 8 + 4 + 1) + 2 * slots * n * 8
            + 3 * rows * 8 + 2 * recordCapacity(d, batchSteps: batchSteps) * 4
    }

    /// No neuron spikes twice within `refractory + 1` steps, so this bounds a batch's spikes.
    static func recordCapacity(_ d: DerivedParameters, batchSteps: Int) -> Int {
        let perNeuron = (batchSteps + d.schedule.refractory) / (d.schedule.refractory + 1)
        return d.totalNeurons * perNeuron
    }

    /// Uploads the host-built `network` to `device` (from `DeviceSelection`).
    public convenience init(network: Network, device: OpenCLDevice, batchSteps: Int = 1000) throws {
        try self.init(derived: network.derived, initialPotentials: network.initialPotentials, synapses: .upload(network.synapses),
                      device: device, batchSteps: batchSteps, layout: .preferred(for: device.info))
    }

    /// Builds the network of `derived` on `device` itself: only the initial potentials and
    /// the row starts cross the bus. The same synapses as `Network.build` on the host.
    public convenience init(buildingOnDevice derived: DerivedParameters, device: OpenCLDevice, batchSteps: Int = 1000) throws {
        try self.init(derived: derived, initialPotentials: Network.initialPotentials(derived), synapses: .build,
                      device: device, batchSteps: batchSteps, layout: .preferred(for: device.info))
    }

    enum SynapseSource {
        case upload(SynapseTable)
        case build
    }

    init(derived d: DerivedParameters, initialPotentials: [Double], synapses: SynapseSource, device: OpenCLDevice, batchSteps: Int,
         layout preferred: StepLayout) throws {
        try DeviceSelection.requireCapabilities(device.info)
        info = device.info
        derived = d
        neuronCount = d.totalNeurons
        constants = NeuronConstants(d)
        self.batchSteps = batchSteps

        // Estimated before anything is allocated; a device build's ring size is bounded
        // from the delay distributions, as the host's memory estimate does.
        let (synapseCount, slotBound, builtOnDevice): (Int, Int, Bool)
        switch synapses {
        case .upload(let table): (synapseCount, slotBound, builtOnDevice) = (table.synapseCount, table.maxDelay + 1, false)
        case .build: (synapseCount, slotBound, builtOnDevice) = (d.synapsesIncludingThalamic, MemoryEstimate.ringSlotsBound(d), true)
        }
        let needed = OpenCLBackend.deviceMemory(d, synapses: synapseCount, slots: slotBound, builtOnDevice: builtOnDevice,
                                                layout: preferred, batchSteps: batchSteps)
        deviceMemoryBytes = needed
        guard needed <= info.globalMemory else {
            throw OpenCLUnavailable(description: "not enough device memory: the network needs about \(formatBytes(needed)) but \(info.name) has \(formatBytes(info.globalMemory)); reduce --scale or use --backend cpu")
        }
        let largest = synapseCount * 4
        guard largest <= info.maxAllocation else {
            throw OpenCLUnavailable(description: "the synapse targets need one \(formatBytes(largest)) buffer but \(info.name) allocates at most \(formatBytes(info.maxAllocation)) at once; reduce --scale or use --backend cpu")
        }

        var clock = Stopwatch()
        let context = try CLContext(device: device.id)
        self.context = context
        program = try CLProgram(context, sources: try Kernels.sources(), options: Kernels.buildOptions + " " + preferred.buildOption)
        deliverAndUpdate = try CLKernel(program, name: "deliver_and_update", arguments: 41)
        emitThalamicSpikes = try CLKernel(program, name: "emit_thalamic_spikes", arguments: 9)
        layout = StepLayout(groupSize: min(preferred.groupSize, try deliverAndUpdate.maximumWorkGroupSize()), neuronsPerItem: preferred.neuronsPerItem)
        setupTimings.compile = clock.lap()

        let table: DeviceSynapseTable
        switch synapses {
        case .upload(let host):
            table = try DeviceSynapseTable(uploading: host, context: context)
        case .build:
            table = try DeviceSynapseTable(building: d, context: context, program: program, groupSize: min(128, info.maxWorkGroupSize))
            setupTimings.construction = clock.lap()
        }
        self.table = table
        slots = table.maxDelay + 1
        let segments = try table.indexSegments(groups: layout.groups(neurons: neuronCount), neuronsPerGroup: layout.neuronsPerGroup,
                                               context: context, program: program)

        potentials = try CLBuffer(context, initialPotentials, name: "v")
        let currentsEx = try CLBuffer<Double>(context, count: neuronCount, name: "i_ex")
        let currentsIn = try CLBuffer<Double>(context, count: neuronCount, name: "i_in")
        let refractory = try CLBuffer<Int32>(context, count: neuronCount, name: "refractory")
        ringEx = try CLBuffer(context, count: slots * neuronCount, name: "ring_ex")
        ringIn = try CLBuffer(context, count: slots * neuronCount, name: "ring_in")
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
        let capacity = OpenCLBackend.recordCapacity(d, batchSteps: batchSteps)
        recordSteps = try CLBuffer(context, count: capacity, name: "record_steps")
        recordNeurons = try CLBuffer(context, count: capacity, name: "record_neurons")
        recordTotal = try CLBuffer(context, [0], name: "record_total")
        overflow = try CLBuffer(context, [0], name: "overflow")
        for buffer in [currentsEx, currentsIn] as [CLBuffer<Double>] { try buffer.zero() }
        try refractory.zero()
        try ringEx.zero()
        try ringIn.zero()
        resident = [currentsEx, currentsIn, refractory, populations, dc, transient, lambdas, thalamicCDF, segments,
                    spikeRows, spikeCounts, spikeTotals]

        let seed = d.parameters.simulation.seed
        let transientSteps = constants.dcTransientSteps
        let u = deliverAndUpdate
        try u.set(1, UInt32(neuronCount))
        try u.set(2, UInt32(slots))
        try u.set(3, UInt32(clamping: constants.firstBackgroundStep))
        try u.set(4, UInt32(clamping: transientSteps.isEmpty ? 0 : transientSteps.lowerBound))
        try u.set(5, UInt32(clamping: transientSteps.isEmpty ? 0 : transientSteps.upperBound))
        try u.set(6, seed)
        try u.set(7, potentials)
        try u.set(8, currentsEx)
        try u.set(9, currentsIn)
        try u.set(10, refractory)
        try u.set(11, ringEx)
        try u.set(12, ringIn)
        try u.set(13, populations)
        try u.set(14, dc)
        try u.set(15, transient)
        try u.set(16, lambdas)
        try u.set(17, constants.externalWeight)
        try u.set(18, constants.p22)
        try u.set(19, constants.p11)
        try u.set(20, constants.p21)
        try u.set(21, constants.p20)
        try u.set(22, constants.threshold)
        try u.set(23, constants.reset)
        try u.set(24, constants.refractorySteps)
        try u.set(25, FixedPointWeight.picoamperePerUnit)
        try u.set(26, spikeRows)
        try u.set(27, spikeCounts)
        try u.set(28, spikeTotals)
        try u.set(29, UInt32(listCapacity))
        try u.set(30, recordSteps)
        try u.set(31, recordNeurons)
        try u.set(32, recordTotal)
        try u.set(33, UInt32(capacity))
        try u.set(34, overflow)
        try u.set(36, table.rowStartBuffer)
        try u.set(37, table.targets)
        try u.set(38, table.weights)
        try u.set(39, table.delays)
        try u.set(40, segments)

        let t = emitThalamicSpikes
        try t.set(1, UInt32(d.thalamicNeurons))
        try t.set(2, UInt32(neuronCount))
        try t.set(3, thalamicCDF)
        try t.set(4, seed)
        try t.set(5, spikeRows)
        try t.set(6, spikeCounts)
        try t.set(7, spikeTotals)
        try t.set(8, UInt32(listCapacity))
        try context.finish()
        setupTimings.upload = clock.lap()
    }

    public func advance(steps: Int, recordingInto spikes: inout SpikeTrains) throws {
        var remaining = steps
        try deliverAndUpdate.set(35, Int32(recordsSpikes ? 1 : 0))
        while remaining > 0 {
            let batch = min(remaining, batchSteps)
            for _ in 0..<batch {
                try enqueueStep(currentStep)
                currentStep += 1
            }
            try collectRecordedSpikes(into: &spikes)
            remaining -= batch
        }
    }

    /// Enqueues step `step`: the previous step's thalamic spikes (during the volley), then
    /// delivery and update in one kernel. Only the step number changes between launches.
    func enqueueStep(_ step: Int) throws {
        if step >= 1 && derived.schedule.thalamicSpikeSteps.contains(step - 1) {
            try emitThalamicSpikes.set(0, UInt32(step - 1))
            try emitThalamicSpikes.enqueue(global: derived.thalamicNeurons)
        }
        try deliverAndUpdate.set(0, UInt32(step))
        try deliverAndUpdate.enqueue(global: layout.groups(neurons: neuronCount) * layout.groupSize, local: layout.groupSize)
    }

    /// Copies the batch's recorded spikes back (the only host wait), sorts them into
    /// canonical order and resets the recorder; without recording, only counts them.
    func collectRecordedSpikes(into spikes: inout SpikeTrains) throws {
        let total = Int(try recordTotal.read()[0])
        spikeCount += total
        try recordTotal.write([0], at: 0)
        guard recordsSpikes else { return }
        let lost = try overflow.read()[0]
        guard lost == 0 && total <= recordSteps.count else {
            throw OpenCLUnavailable(description: "the device's spike recording buffer overflowed (\(total) spikes for \(recordSteps.count) places); no spikes were dropped silently, but this run cannot continue")
        }
        let steps = try recordSteps.read(count: total)
        let neurons = try recordNeurons.read(count: total)
        var keys = zip(steps, neurons).map { UInt64($0) << 32 | UInt64($1) }
        keys.sort()
        for key in keys {
            spikes.steps.append(UInt32(truncatingIfNeeded: key >> 32))
            spikes.neurons.append(UInt32(truncatingIfNeeded: key))
        }
    }

    public func membranePotentials() throws -> [Double] {
        let eL = derived.parameters.neuron.eL
        return try potentials.read().map { $0 + eL }
    }
}

extension OpenCLBackend {
    /// Sets the input that neuron `neuron` receives in step `step` (fixed-point units), for
    /// tests that drive single neurons; `step` must lie within the ring's span ahead.
    func setInput(step: Int, neuron: Int, excitatory: Int64, inhibitory: Int64) throws {
        precondition(step >= currentStep && step < currentStep + slots)
        try ringEx.write([excitatory], at: (step % slots) * neuronCount + neuron)
        try ringIn.write([inhibitory], at: (step % slots) * neuronCount + neuron)
    }

    /// The ring buffers, slot-major, for tests of delivery.
    func ringSnapshot() throws -> (excitatory: [Int64], inhibitory: [Int64]) {
        (try ringEx.read(), try ringIn.read())
    }
}

/// How `deliver_and_update` spreads the neurons over work-items and work-groups; each
/// work-group owns `neuronsPerGroup` consecutive neurons (see the kernel).
struct StepLayout: Equatable {
    var groupSize: Int
    /// 1, 2 or 4 (four neurons share one Philox block of background draws).
    var neuronsPerItem: Int

    var neuronsPerGroup: Int { groupSize * neuronsPerItem }

    func groups(neurons: Int) -> Int { (neurons + neuronsPerGroup - 1) / neuronsPerGroup }

    var buildOption: String { "-DNEURONS_PER_ITEM=\(neuronsPerItem)u" }

    /// GPUs: one neuron per work-item, 256 per work-group. CPU devices: four per work-item
    /// (one Philox block), 64 work-items per work-group. The kernel takes at most 256.
    static func preferred(for info: DeviceInfo) -> StepLayout {
        info.isGPU ? StepLayout(groupSize: min(256, info.maxWorkGroupSize), neuronsPerItem: 1)
            : StepLayout(groupSize: min(64, info.maxWorkGroupSize), neuronsPerItem: 4)
    }
}
