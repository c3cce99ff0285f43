import Connectivity
import MicrocircuitModel
import Simulation

/// The synapse table in device memory, laid out as `SynapseTable` (rows by source, sorted by
/// packed synapse), either uploaded from a host-built table or built on the device.
struct DeviceSynapseTable {
    /// Row starts, also kept on the host (the builder computes them there).
    let rowStart: [Int]
    let rowStartBuffer: CLBuffer<UInt64>
    let targets: CLBuffer<UInt32>
    let weights: CLBuffer<Int32>
    let delays: CLBuffer<UInt8>
    /// Slots of the ring buffers that the synapses' input needs.
    let ringSlots: RingSlots
    /// Whether the buffers are the host table itself (see `init(uploading:context:sharing:)`).
    var sharesHostTable: Bool { targets.isShared }

    var synapseCount: Int { rowStart.last ?? 0 }

    /// A host-built table on the device: copied, or, where the device works in host memory,
    /// the host table itself (`sharing`), which saves the copy's time and memory. An empty
    /// table has nothing to share and gets placeholder buffers.
    init(uploading table: SynapseTable, context: CLContext, sharing: Bool) throws {
        func buffer<Element>(_ values: [Element], _ name: String) throws -> CLBuffer<Element> {
            sharing && !values.isEmpty ? try CLBuffer(context, sharing: values, name: name) : try CLBuffer(context, values, name: name)
        }
        rowStart = table.rowStart
        rowStartBuffer = try CLBuffer(context, table.rowStart.map { UInt64($0) }, name: "row_start")
        targets = try buffer(table.targets, "targets")
        weights = try buffer(table.weights, "weights")
        delays = try buffer(table.delays, "delays")
        ringSlots = table.ringSlots
    }

    /// Builds the table of `derived` on the device: the same synapses in the same order as
    /// `NetworkBuilder.build` (see `kernels/build_synapse_table.cl`). Only the row lengths
    /// come back to the host, for the prefix sum that places the rows.
    /// `groupSize`: work-items per work-group, at most (each kernel may allow fewer).
    init(building derived: DerivedParameters, context: CLContext, program: CLProgram, groupSize: Int) throws {
        let seed = derived.parameters.simulation.seed
        let projections = Projection.all(derived)
        let rows = derived.totalNeurons + derived.thalamicNeurons

        let countRowLengths = try CLKernel(program, name: "count_row_lengths", arguments: 8)
        let countGroup = min(groupSize, try countRowLengths.maximumWorkGroupSize())
        let rowLength = try CLBuffer<UInt32>(context, count: rows, name: "row_length")
        try rowLength.zero()
        for projection in projections {
            try Self.setProjection(projection, seed: seed, on: countRowLengths)
            try countRowLengths.set(7, rowLength)
            try countRowLengths.enqueue(global: projection.count, local: countGroup)
        }
        var rowStart = [Int](repeating: 0, count: rows + 1)
        for (s, length) in try rowLength.read(count: rows).enumerated() { rowStart[s + 1] = rowStart[s] + Int(length) }
        let total = rowStart[rows]
        self.rowStart = rowStart

        rowStartBuffer = try CLBuffer(context, rowStart.map { UInt64($0) }, name: "row_start")
        targets = try CLBuffer(context, count: total, name: "targets")
        weights = try CLBuffer(context, count: total, name: "weights")
        delays = try CLBuffer(context, count: total, name: "delays")
        let longestDelay = try CLBuffer<UInt32>(context, [1, 1], name: "longest_delay")
        let zigguratX = try CLBuffer(context, Ziggurat.x, name: "ziggurat_x")
        let zigguratF = try CLBuffer(context, Ziggurat.f, name: "ziggurat_f")
        try rowLength.zero()
        let placeSynapses = try CLKernel(program, name: "place_synapses", arguments: 22)
        let placeGroup = min(groupSize, try placeSynapses.maximumWorkGroupSize())
        let h = derived.resolution
        for projection in projections {
            try Self.setProjection(projection, seed: seed, on: placeSynapses)
            try placeSynapses.set(7, projection.weightMean)
            try placeSynapses.set(8, projection.weightStd)
            try placeSynapses.set(9, projection.delayMean)
            try placeSynapses.set(10, projection.delayStd)
            try placeSynapses.set(11, NetworkBuilder.minimumDelay(resolution: h))
            try placeSynapses.set(12, h)
            try placeSynapses.set(13, FixedPointWeight.unitsPerPicoampere)
            try placeSynapses.set(14, rowStartBuffer)
            try placeSynapses.set(15, rowLength)
            try placeSynapses.set(16, targets)
            try placeSynapses.set(17, weights)
            try placeSynapses.set(18, delays)
            try placeSynapses.set(19, longestDelay)
            try placeSynapses.set(20, zigguratX)
            try placeSynapses.set(21, zigguratF)
            try placeSynapses.enqueue(global: projection.count, local: placeGroup)
        }
        let longest = try longestDelay.read().map { Int($0) }
        guard longest.max()! <= SynapseTable.maximumDelaySteps else { throw ConstructionError.delayTooLong(resolution: h) }
        ringSlots = RingSlots(longestDelay: (longest[0], longest[1]))

        let sortRows = try CLKernel(program, name: "sort_rows", arguments: 4)
        try sortRows.set(0, rowStartBuffer)
        try sortRows.set(1, targets)
        try sortRows.set(2, weights)
        try sortRows.set(3, delays)
        let sortGroup = min(groupSize, try sortRows.maximumWorkGroupSize())
        try sortRows.enqueue(global: rows * sortGroup, local: sortGroup)
        try context.finish()
    }

    /// Where each of `groups` blocks of `neuronsPerGroup` target neurons begins in each row
    /// (`index_row_segments`), for `deliver_and_update`.
    func indexSegments(groups: Int, neuronsPerGroup: Int, context: CLContext, program: CLProgram) throws -> CLBuffer<UInt32> {
        let rows = rowStart.count - 1
        let segments = try CLBuffer<UInt32>(context, count: rows * (groups + 1), name: "segments")
        let kernel = try CLKernel(program, name: "index_row_segments", arguments: 6)
        try kernel.set(0, UInt32(rows))
        try kernel.set(1, UInt32(groups))
        try kernel.set(2, UInt32(neuronsPerGroup))
        try kernel.set(3, rowStartBuffer)
        try kernel.set(4, targets)
        try kernel.set(5, segments)
        try kernel.enqueue(global: rows * (groups + 1))
        return segments
    }

    /// The largest input that one step can bring any of the `neurons` neurons, excitatory or
    /// inhibitory, in fixed-point units (`bound_step_input`): its synapses' weights' sizes added
    /// up, a thalamic row's times `thalamicMultiplicity`, the most spikes a thalamic neuron
    /// emits in one step. No ring slot's sum can be larger.
    func largestStepInput(neurons: Int, thalamicMultiplicity: UInt32, context: CLContext, program: CLProgram) throws -> UInt64 {
        let rows = rowStart.count - 1
        guard neurons > 0, synapseCount > 0 else { return 0 }
        let bound = try CLBuffer<UInt64>(context, count: 2 * neurons, name: "step_input_bound")
        try bound.zero()
        let kernel = try CLKernel(program, name: "bound_step_input", arguments: 7)
        try kernel.set(0, UInt32(rows))
        try kernel.set(1, UInt32(neurons))
        try kernel.set(2, thalamicMultiplicity)
        try kernel.set(3, rowStartBuffer)
        try kernel.set(4, targets)
        try kernel.set(5, weights)
        try kernel.set(6, bound)
        try kernel.enqueue(global: rows)
        return try bound.read().max()!
    }

    /// Arguments 0 ... 6, which the construction kernels share: the projection's synapse
    /// count, id, seed, and its source and target ranges.
    private static func setProjection(_ projection: Projection, seed: UInt32, on kernel: CLKernel) throws {
        try kernel.set(0, UInt64(projection.count))
        try kernel.set(1, projection.id)
        try kernel.set(2, seed)
        try kernel.set(3, UInt32(projection.sources.lowerBound))
        try kernel.set(4, UInt32(projection.sources.count))
        try kernel.set(5, UInt32(projection.targets.lowerBound))
        try kernel.set(6, UInt32(projection.targets.count))
    }

    /// The table read back into host memory (for tests that compare the two builders).
    func download() throws -> SynapseTable {
        let n = synapseCount
        return SynapseTable(rowStart: rowStart, targets: try targets.read(count: n),
                            weights: try weights.read(count: n), delays: try delays.read(count: n))
    }

    /// Bytes of device memory a table of `synapses` synapses over `rows` rows takes; building
    /// it on the device needs one 4-byte counter per row more.
    static func bytes(synapses: Int, rows: Int, builtOnDevice: Bool) -> Int {
        SynapseTable.bytes(synapses: synapses, sources: rows) + (builtOnDevice ? rows * 4 + 4 : 0)
    }
}
