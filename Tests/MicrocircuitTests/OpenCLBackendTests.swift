import Analysis
import COpenCL
import Connectivity
@testable import MicrocircuitModel
@testable import OpenCLBackend
@testable import Simulation
import XCTest

final class OpenCLBackendTests: XCTestCase {
    func device() throws -> OpenCLDevice { try DeviceSelection.choose(index: nil, allowCPU: true) }

    func assertIdentical(_ derived: DerivedParameters, minimumSpikes: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let network = try Network.build(derived, threads: 2)
        let cpu = try simulate(network, on: CPUBackend(network: network, threads: 2))
        let gpu = try simulate(network, on: try OpenCLBackend(network: network, device: try device(), launch: LaunchOptions(batchSteps: 777)))
        XCTAssertGreaterThan(cpu.spikes.count, minimumSpikes, "enough spikes to mean something", file: file, line: line)
        assertSame(gpu, as: cpu, file: file, line: line)
    }

    func testIdenticalToCPUWithPoissonThalamicAndTransient() throws {
        for seed: UInt32 in [1, 2, 3] {
            try assertIdentical(try CPUBackendTests.shortRun(seed: seed, background: .poisson), minimumSpikes: 3000)
        }
    }

    /// Potentials agree bit for bit, not only spikes, at every voltmeter sample, which the
    /// kernels write into the batch's recorder: with the default batches, with batches cut
    /// short by a recorder of 3 samples, and with 100 steps per launch; and
    /// `VoltageComparison` (verify's) finds a one-ulp change in one neuron of one sample.
    func testPotentialsAreIdenticalToCPUBitForBit() throws {
        var p = try CPUBackendTests.shortRun(seed: 6, background: .poisson).parameters
        p.simulation.recordVoltage = true
        p.simulation.voltageInterval = 2
        let derived = try DerivedParameters(p)
        let network = try Network.build(derived, threads: 2)
        let cpu = try XCTUnwrap(try SimulationDriver(derived: derived).run(CPUBackend(network: network, threads: 2)).voltages)
        XCTAssertEqual(cpu.steps, Array(stride(from: 19, to: 2500, by: 20)))
        var short = LaunchOptions(batchSteps: 777)
        short.voltageSampleCapacity = 3
        var persistent = LaunchOptions(stepsPerLaunch: 100, batchSteps: 777)
        persistent.voltageSampleCapacity = 3
        var gpu = VoltageTrace()
        for launch in [LaunchOptions(), short, persistent] {
            gpu = try XCTUnwrap(try SimulationDriver(derived: derived).run(try OpenCLBackend(network: network, device: try device(), launch: launch)).voltages)
            XCTAssertEqual(gpu.steps, cpu.steps, "\(launch)")
            let comparison = VoltageComparison(cpu: cpu, opencl: gpu, derived: derived)
            XCTAssertNil(comparison.difference, "\(launch): \(comparison)")
            XCTAssertTrue("\(comparison)".hasPrefix("identical potentials: 125 samples of \(derived.totalNeurons) neurons"))
        }

        gpu.samples[77][1234] = gpu.samples[77][1234].nextUp
        let changed = VoltageComparison(cpu: cpu, opencl: gpu, derived: derived).difference
        XCTAssertEqual(changed?.sample, 77)
        XCTAssertEqual(changed?.step, cpu.steps[77])
        XCTAssertEqual(changed?.neuron, 1234)
        XCTAssertEqual(changed?.opencl, cpu.samples[77][1234].nextUp)
    }

    /// A device that works in host memory (PoCL) runs the host's synapse table in place
    /// (`assertIdentical` checks its spikes); one with memory of its own gets a copy
    /// (`testEveryStepLayoutIsIdenticalToCPU` runs copies on PoCL).
    func testTableIsSharedExactlyWhereTheDeviceWorksInHostMemory() throws {
        let device = try device()
        let network = try Network.build(try CPUBackendTests.shortRun(seed: 1, background: .dc), threads: 2)
        let backend = try OpenCLBackend(network: network, device: device)
        XCTAssertEqual(backend.table.sharesHostTable, device.info.sharesHostMemory)
        if device.info.typeName == "CPU" { XCTAssertTrue(device.info.sharesHostMemory, "\(device.info.name) is a CPU device") }
    }

    /// The GPU's layout (one neuron per work-item, 256 per work-group) and others, run here
    /// on PoCL: the same spikes as the CPU, with the table uploaded or built on the device.
    func testEveryStepLayoutIsIdenticalToCPU() throws {
        let d = try CPUBackendTests.shortRun(seed: 7, background: .poisson)
        let network = try Network.build(d, threads: 2)
        let cpu = try simulate(network, on: CPUBackend(network: network, threads: 2))
        XCTAssertGreaterThan(cpu.spikes.count, 3000)
        let layouts = [(StepLayout(groupSize: 256, neuronsPerItem: 1, deliveryByOneItem: false), OpenCLBackend.SynapseSource.build),
                       (StepLayout(groupSize: 32, neuronsPerItem: 2, deliveryByOneItem: true), .upload(network.synapses)),
                       (StepLayout(groupSize: 7, neuronsPerItem: 4, deliveryByOneItem: false), .upload(network.synapses)),
                       (StepLayout(groupSize: 13, neuronsPerItem: 12, deliveryByOneItem: true), .upload(network.synapses))]
        for (layout, source) in layouts {
            let backend = try OpenCLBackend(derived: d, initialPotentials: network.initialPotentials, synapses: source,
                                            device: try device(), layout: layout, launch: LaunchOptions())
            XCTAssertEqual(backend.layout, layout)
            assertSame(try simulate(network, on: backend), as: cpu, "\(layout): ")
        }
    }

    /// Many steps per launch, with a barrier across work-groups between steps: the same
    /// spikes. PoCL runs as many work-groups at once as it has cores, so the network here has
    /// two work-groups (386 neurons); launches of 100 steps inside batches of 777 also cover
    /// launches that a batch boundary cuts short, and the thalamic volley and DC transient.
    /// Timed on the device: one timestamped launch per launch made, none lost at a batch's
    /// end, and timing changes no spike.
    /// A recording buffer too small for a batch's spikes (impossible at the real capacity,
    /// which refractoriness bounds) stops the run with an error; no spike is dropped silently.
    func testRecordingOverflowIsReported() throws {
        let d = try CPUBackendTests.shortRun(seed: 3, background: .poisson)
        let network = try Network.build(d, threads: 2)
        var launch = LaunchOptions()
        launch.recordCapacity = 5
        let backend = try OpenCLBackend(network: network, device: try device(), launch: launch)
        XCTAssertThrowsError(try SimulationDriver(derived: d).run(backend)) { error in
            XCTAssertTrue("\(error)".contains("recording buffer overflowed"), "\(error)")
        }
    }

    func testManyStepsPerLaunchAreIdenticalToCPU() throws {
        let (d, network, cpu) = try twoWorkGroupRun()
        let backend = try twoWorkGroupBackend(d, network, layout: StepLayout(groupSize: 64, neuronsPerItem: 4, deliveryByOneItem: true),
                                              launch: LaunchOptions(stepsPerLaunch: 100, batchSteps: 777, timesKernels: true))
        var driver = SimulationDriver(derived: d)
        driver.chunkSeconds = 0
        let run = try driver.run(backend)
        assertSame(try Outcome(run.spikes, after: backend), as: cpu)
        let steps = d.schedule.total
        // The driver hands over chunks of up to 1000 steps (none grows, with no time for a
        // chunk); each is cut into batches of 777 and those into launches of 100.
        let launches = stride(from: 0, to: steps, by: 1000).reduce(0) { sum, chunkStart in
            let chunk = min(1000, steps - chunkStart)
            return sum + stride(from: 0, to: chunk, by: 777).reduce(0) { $0 + (min(777, chunk - $1) + 99) / 100 }
        }
        let times = try XCTUnwrap(backend.kernelTimes)
        XCTAssertEqual(times.steps, steps)
        XCTAssertEqual(times.launches, launches)
        XCTAssertGreaterThan(times.busySeconds, 0)
        XCTAssertLessThanOrEqual(times.busySeconds, times.spanSeconds * (1 + 1e-9))
        XCTAssertGreaterThanOrEqual(times.batchGapSeconds, 0)
        XCTAssertLessThan(times.batchGapSeconds + times.spanSeconds, run.presimulationSeconds + run.simulationSeconds)
        backend.resetKernelTimes()
        XCTAssertEqual(backend.kernelTimes, KernelTimes())
        let barrier = try XCTUnwrap(backend.barrierSeconds, "a barrier's cost is timed at set-up")
        XCTAssertTrue(barrier.isFinite && barrier >= 0, "\(barrier) s")
    }

    /// The same in the GPU's layout (one neuron per work-item, 256 per work-group, every
    /// work-item delivering with atomic adds): the reads of the spike lists and ring slots
    /// that the barrier between steps orders, as a GPU runs them.
    func testManyStepsPerLaunchInTheGPUsLayoutAreIdenticalToCPU() throws {
        let (d, network, cpu) = try twoWorkGroupRun()
        let backend = try twoWorkGroupBackend(d, network, layout: StepLayout(groupSize: 256, neuronsPerItem: 1, deliveryByOneItem: false),
                                              launch: LaunchOptions(stepsPerLaunch: 100, batchSteps: 777))
        var driver = SimulationDriver(derived: d)
        driver.chunkSeconds = 0
        let run = try driver.run(backend)
        assertSame(try Outcome(run.spikes, after: backend), as: cpu)
    }

    /// A barrier that gives up in the middle of a run, made to here by allowing its waits no
    /// poll at all (a work-group that arrives first then finds the other missing), stops the
    /// run with the error that work-groups which cannot all be resident get at set-up, not
    /// with wrong spikes.
    func testABarrierThatGivesUpMidRunStopsTheRun() throws {
        let (d, network) = try twoWorkGroupNetwork()
        let backend = try twoWorkGroupBackend(d, network, layout: StepLayout(groupSize: 64, neuronsPerItem: 4, deliveryByOneItem: true),
                                              launch: LaunchOptions(stepsPerLaunch: 100, batchSteps: 200))
        XCTAssertNotNil(backend.runSteps)
        try backend.limitBarrierPolls(to: 0)
        XCTAssertThrowsError(try SimulationDriver(derived: d).run(backend)) { error in
            XCTAssertTrue("\(error)".contains("work-groups of a step cannot all run at once"), "\(error)")
        }
    }

    /// A network of two work-groups in the layouts above (386 neurons), all stimuli, and the
    /// CPU backend's run of it.
    private func twoWorkGroupRun() throws -> (DerivedParameters, Network, Outcome) {
        let (d, network) = try twoWorkGroupNetwork()
        let cpu = try simulate(network, on: CPUBackend(network: network, threads: 2))
        XCTAssertGreaterThan(cpu.spikes.count, 1000)
        return (d, network, cpu)
    }

    private func twoWorkGroupNetwork() throws -> (DerivedParameters, Network) {
        var p = try CPUBackendTests.shortRun(seed: 8, background: .poisson).parameters
        p.network.nScaling = 0.005
        p.network.kScaling = 0.2
        let d = try DerivedParameters(p)
        return (d, try Network.build(d, threads: 2))
    }

    /// The backend for `twoWorkGroupRun`'s network, skipping where PoCL cannot run its two
    /// work-groups at once.
    private func twoWorkGroupBackend(_ d: DerivedParameters, _ network: Network, layout: StepLayout,
                                     launch: LaunchOptions) throws -> OpenCLBackend {
        let backend: OpenCLBackend
        do {
            backend = try OpenCLBackend(derived: d, initialPotentials: network.initialPotentials, synapses: .build,
                                        device: try device(), layout: layout, launch: launch)
        } catch where ProcessInfo.processInfo.activeProcessorCount < 2 {
            throw XCTSkip("one core: PoCL cannot run two work-groups at once (\(error))")
        }
        XCTAssertEqual(backend.layout.groups(neurons: d.totalNeurons), 2)
        return backend
    }

    /// What `--steps-per-launch` chooses on a CPU device: one work-group per compute unit,
    /// each work-item with many neurons (several Philox blocks, the last one partly used).
    func testManyStepsPerLaunchOnOneWorkGroupPerComputeUnitAreIdenticalToCPU() throws {
        let d = try CPUBackendTests.shortRun(seed: 10, background: .poisson)
        let network = try Network.build(d, threads: 2)
        let cpu = try simulate(network, on: CPUBackend(network: network, threads: 2))
        XCTAssertGreaterThan(cpu.spikes.count, 3000)
        let device = try device()
        let backend = try OpenCLBackend(network: network, device: device, launch: LaunchOptions(stepsPerLaunch: 250))
        XCTAssertNil(backend.kernelTimes, "timed only when asked")
        XCTAssertNil(backend.barrierSeconds, "timed only when asked")
        if !device.info.isGPU {
            XCTAssertLessThanOrEqual(backend.layout.groups(neurons: d.totalNeurons), device.info.computeUnits)
            XCTAssertGreaterThan(backend.layout.neuronsPerItem, 4)
            XCTAssertNotEqual(d.totalNeurons % 4, 0, "a partly used Philox block")
        }
        assertSame(try simulate(network, on: backend), as: cpu)
    }

    /// The layout a CPU device gets for many steps per launch, on any core count: no more
    /// work-groups than compute units, every neuron owned, whole Philox blocks per work-item;
    /// the layouts for one step per launch and for GPUs stay as they were; and a work-group
    /// shape in the launch options replaces the device's, keeping the device's delivery.
    func testPreferredLayoutsFitTheDevice() throws {
        for computeUnits in [1, 2, 3, 8, 64] {
            var info = DeviceInfo(index: 0, platformName: "", platformVersion: "", name: "", vendor: "", version: "", isGPU: false,
                                  typeName: "CPU", globalMemory: 1 << 34, maxAllocation: 1 << 32, computeUnits: computeUnits,
                                  maxWorkGroupSize: 4096, extensions: [], sharesHostMemory: true)
            for neurons in [1, 5, 386, 7717, 77169] {
                let layout = StepLayout.preferred(for: info, neurons: neurons, launch: LaunchOptions(stepsPerLaunch: 1000))
                XCTAssertLessThanOrEqual(layout.groups(neurons: neurons), computeUnits, "\(computeUnits) units, \(neurons) neurons")
                XCTAssertGreaterThanOrEqual(layout.groups(neurons: neurons) * layout.neuronsPerGroup, neurons)
                XCTAssertEqual(layout.neuronsPerItem % 4, 0)
                XCTAssertTrue(layout.deliveryByOneItem)
                XCTAssertEqual(StepLayout.preferred(for: info, neurons: neurons, launch: LaunchOptions()),
                               StepLayout(groupSize: 64, neuronsPerItem: 4, deliveryByOneItem: true))
            }
            let shape = try WorkGroupShape(groupSize: 32, neuronsPerItem: 8)
            XCTAssertEqual(StepLayout.preferred(for: info, neurons: 77169, launch: LaunchOptions(stepsPerLaunch: 1000, workGroup: shape)),
                           StepLayout(groupSize: 32, neuronsPerItem: 8, deliveryByOneItem: true))
            info.isGPU = true
            XCTAssertEqual(StepLayout.preferred(for: info, neurons: 77169, launch: LaunchOptions(stepsPerLaunch: 1000)),
                           StepLayout(groupSize: 256, neuronsPerItem: 1, deliveryByOneItem: false))
            XCTAssertEqual(StepLayout.preferred(for: info, neurons: 77169, launch: LaunchOptions(workGroup: shape)),
                           StepLayout(groupSize: 32, neuronsPerItem: 8, deliveryByOneItem: false))
        }
    }

    /// `--work-group`: shapes the kernel can run parse; the others say what is allowed.
    func testWorkGroupShapesParseOrSayWhatIsAllowed() throws {
        for (text, items, neurons) in [("256x1", 256, 1), ("1x2", 1, 2), ("64x4", 64, 4), ("7x4096", 7, 4096)] {
            XCTAssertEqual(try WorkGroupShape(parsing: text), try WorkGroupShape(groupSize: items, neuronsPerItem: neurons))
            XCTAssertEqual("\(try WorkGroupShape(parsing: text))", text)
        }
        let refusals = [("1025x1", "work-items per group must be in [1, 1024], got 1025"),
                        ("0x1", "work-items per group must be in [1, 1024], got 0"),
                        ("64x3", "neurons per work-item must be 1, 2 or a multiple of 4 up to 4096, got 3"),
                        ("64x0", "neurons per work-item must be 1, 2 or a multiple of 4 up to 4096, got 0"),
                        ("64x4100", "neurons per work-item must be 1, 2 or a multiple of 4 up to 4096, got 4100"),
                        ("64", "expected WORK_ITEMSxNEURONS_PER_ITEM such as 256x1, got '64'"),
                        ("64x4x1", "expected WORK_ITEMSxNEURONS_PER_ITEM such as 256x1, got '64x4x1'"),
                        ("x4", "expected WORK_ITEMSxNEURONS_PER_ITEM such as 256x1, got 'x4'")]
        for (text, message) in refusals {
            XCTAssertThrowsError(try WorkGroupShape(parsing: text), text) { XCTAssertEqual("\($0)", message) }
        }
    }

    /// Registers, stack and spills per kernel read from a build log of NVIDIA's assembler:
    /// here ptxas 12.9's output (`-arch=sm_90 -v`) for this project's kernels, where a
    /// helper's properties follow a kernel's and must not replace them; the last kernel's stack
    /// and spill figures are changed from zero to exercise them. PoCL's log gives none.
    func testKernelResourcesAreReadFromNVIDIAsBuildLog() throws {
        let log = """
            ptxas info    : 0 bytes gmem
            ptxas info    : Compiling entry function 'run_steps' for 'sm_90'
            ptxas info    : Function properties for run_steps
                0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
            ptxas info    : Used 40 registers, used 1 barriers, 4100 bytes smem
            ptxas info    : Compile time = 30.104 ms
            ptxas info    : Function properties for simulate_step
                0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
            ptxas info    : Compiling entry function 'place_synapses' for 'sm_90'
            ptxas info    : Function properties for place_synapses
                64 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
            ptxas info    : Used 56 registers, used 0 barriers, 64 bytes cumulative stack size
            ptxas info    : Compile time = 35.368 ms
            ptxas info    : Function properties for ziggurat_draw
                0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
            ptxas info    : Compiling entry function 'count_row_lengths' for 'sm_90'
            ptxas info    : Function properties for count_row_lengths
                8 bytes stack frame, 12 bytes spill stores, 20 bytes spill loads
            ptxas info    : Used 16 registers, used 0 barriers
            """
        XCTAssertEqual(Kernels.resources(inBuildLog: log), [
            "run_steps": KernelResources(registers: 40, stackBytes: 0, spillBytes: 0),
            "place_synapses": KernelResources(registers: 56, stackBytes: 64, spillBytes: 0),
            "count_row_lengths": KernelResources(registers: 16, stackBytes: 8, spillBytes: 32),
        ])
        let d = try CPUBackendTests.shortRun(seed: 5, background: .poisson)
        let backend = try OpenCLBackend(buildingOnDevice: d, device: try device(), launch: LaunchOptions())
        XCTAssertEqual(backend.stepKernelResources, [:])
    }

    /// More work-groups than can run at once (73 here, more than PoCL's one per core on any
    /// machine with fewer cores): refused when the backend is made (the check's barrier gives
    /// up instead of waiting forever), with what to do instead.
    func testManyStepsPerLaunchAreRefusedWhenWorkGroupsCannotAllRun() throws {
        let d = try CPUBackendTests.shortRun(seed: 9, background: .poisson)
        let layout = StepLayout(groupSize: 8, neuronsPerItem: 4, deliveryByOneItem: true)
        XCTAssertGreaterThan(layout.groups(neurons: d.totalNeurons), ProcessInfo.processInfo.activeProcessorCount)
        XCTAssertThrowsError(try OpenCLBackend(derived: d, initialPotentials: Network.initialPotentials(d), synapses: .build,
                                               device: try device(), layout: layout, launch: LaunchOptions(stepsPerLaunch: 10))) { error in
            XCTAssertTrue("\(error)".contains("work-groups of a step cannot all run at once"), "\(error)")
            XCTAssertTrue("\(error)".contains("use --steps-per-launch 1, or fewer, larger work-groups (e.g. --work-group 8x8)"), "\(error)")
        }
    }

    /// Unasked, a GPU runs a recording batch's steps per launch, and one step per launch,
    /// saying why, where a step's work-groups cannot all be resident (this machine's OpenCL
    /// device taken for a GPU, with as many work-groups as in the refusal above); a CPU device
    /// runs one. The spikes are the CPU backend's either way.
    func testGPUsRunABatchPerLaunchUnlessTheWorkGroupsCannotAllBeResident() throws {
        let d = try CPUBackendTests.shortRun(seed: 9, background: .poisson)
        let network = try Network.build(d, threads: 2)
        let cpu = try simulate(network, on: CPUBackend(network: network, threads: 2))
        let device = try device()
        var gpuInfo = device.info
        gpuInfo.isGPU = true
        let asGPU = OpenCLDevice(info: gpuInfo, id: device.id)
        let oneGroup = StepLayout(groupSize: 8, neuronsPerItem: 4 * ((d.totalNeurons + 31) / 32), deliveryByOneItem: true)
        let manyGroups = StepLayout(groupSize: 8, neuronsPerItem: 4, deliveryByOneItem: true)
        for (layout, steps) in [(oneGroup, 1000), (manyGroups, 1)] {
            let backend = try OpenCLBackend(derived: d, initialPotentials: network.initialPotentials, synapses: .upload(network.synapses),
                                            device: asGPU, layout: layout, launch: LaunchOptions())
            XCTAssertEqual(backend.stepsPerLaunch, steps, "\(layout.groups(neurons: d.totalNeurons)) work-groups")
            XCTAssertEqual(backend.oneStepPerLaunchBecause?.contains("work-groups of a step cannot all run at once"), steps == 1 ? true : nil)
            assertSame(try simulate(network, on: backend), as: cpu, "\(steps) steps per launch: ")
        }
        XCTAssertEqual(try OpenCLBackend(network: network, device: device).stepsPerLaunch, device.info.isGPU ? 1000 : 1)
    }

    func testIdenticalToCPUWithDCBackground() throws {
        for seed: UInt32 in [4, 5] {
            var p = try CPUBackendTests.shortRun(seed: seed, background: .dc).parameters
            // Full in-degrees keep the DC above rheobase, so the network is active.
            p.network.nScaling = 0.02
            p.network.kScaling = 0.5
            try assertIdentical(try DerivedParameters(p), minimumSpikes: 2000)
        }
    }

    /// GeNN's delivery test through the kernels and the CPU alike: neuron i fires in step i
    /// (driven by a large input), then 200 neurons fire together in one step (more spikes
    /// than a work-group of 64 gathers at once, `openclAsOnGPU`; one work-item
    /// delivers them all in the CPU device's layout); synapses encode their source in weight and delay,
    /// and after every step each pending ring slot must hold exactly the sum the table
    /// prescribes for the spikes of the steps before (the kernels keep the step's own slot,
    /// with its driving input, until the next launch; the CPU backend has taken it). The slot
    /// after it may also hold the step's own spikes through their synapses of one step's delay,
    /// all of them, in every step alike (a kernel may deliver those in the spikes' step, as the
    /// seventeenth session's `prompt` variant did); the CPU backend never does. Inhibitory
    /// delays are shorter, so each ring has its own number of slots (`RingSlots`), and each
    /// is checked over its own span.
    func testDeliveryIsExactOnEveryBackend() throws {
        var p = singleNeuronParameters()
        p.network.fullNeuronCounts = [60, 40, 60, 40, 30, 10, 50, 20]
        p.simulation.tPresim = 0
        p.simulation.tSim = 10
        var derived = try DerivedParameters(p)
        derived.dcAmplitudes = [Double](repeating: 0, count: 8)
        let n = derived.totalNeurons
        var rowStart = [0]
        var targets: [UInt32] = [], weights: [Int32] = [], delays: [UInt8] = []
        for i in 0..<n {
            for k in 0..<6 {
                targets.append(UInt32((i * 7 + k * 13) % n))
                weights.append(Int32((i + 1) * (k % 2 == 0 ? 1 : -1)))
                delays.append(UInt8(1 + (i + k) % (k % 2 == 0 ? 9 : 4)))
            }
            rowStart.append(targets.count)
        }
        NetworkBuilder.sortRows(rowStart: rowStart, targets: &targets, weights: &weights, delays: &delays, threads: 1)
        let table = SynapseTable(rowStart: rowStart, targets: targets, weights: weights, delays: delays)
        XCTAssertEqual(table.ringSlots, RingSlots(longestDelay: (9, 4)))
        let network = Network(derived: derived, synapses: table)
        // (neuron, step it fires in): one per step, then a volley of 200 in step 60.
        let firing = (1..<50).map { (neuron: $0, step: $0) } + (100..<300).map { (neuron: $0, step: 60) }
        let lastStep = 60 + table.ringSlots.longestDelay + 1
        let drive = Int64(200_000 * FixedPointWeight.unitsPerPicoampere)
        for kind in BackendKind.allCases {
            let backend = try kind.make(network)
            var spikes = SpikeTrains()
            var deliversPromptly: Bool?
            for step in 0...lastStep {
                for event in firing where event.step == step + 1 {
                    try backend.setInput(step: step, neuron: event.neuron, excitatory: drive, inhibitory: 0)
                }
                try backend.advance(steps: 1, recordingInto: &spikes)
                let snapshot = try backend.ringSnapshot()
                for (excitatory, ring, slots) in [(true, snapshot.excitatory, table.ringSlots.excitatory),
                                                  (false, snapshot.inhibitory, table.ringSlots.inhibitory)] {
                    XCTAssertEqual(ring.count, slots * n)
                    // The sums that the spikes of `steps` add to this ring's slot of `arrival`.
                    func input(_ steps: Range<Int>, _ arrival: Int) -> [Int64] {
                        var sums = [Int64](repeating: 0, count: n)
                        for event in firing where steps.contains(event.step) {
                            for s in table.row(event.neuron)
                            where event.step + Int(table.delays[s]) == arrival && (table.weights[s] >= 0) == excitatory {
                                sums[Int(table.targets[s])] += Int64(table.weights[s])
                            }
                        }
                        return sums
                    }
                    // After step `step`, the spikes of steps < step are delivered.
                    for arrival in (kind == .cpu ? step + 1 : step)...(step + slots - 1) {
                        let slot = arrival % slots
                        let held = Array(ring[(slot * n)..<((slot + 1) * n)])
                        var expected = input(0..<step, arrival)
                        for event in firing where excitatory && arrival == step && event.step == step + 1 { expected[event.neuron] += drive }
                        let prompt = arrival == step + 1 ? input(step..<(step + 1), arrival) : []
                        if prompt.contains(where: { $0 != 0 }) {
                            let early = zip(expected, prompt).map(+)
                            deliversPromptly = deliversPromptly ?? (kind != .cpu && held == early)
                            if deliversPromptly == true { expected = early }
                        }
                        let name = excitatory ? "excitatory" : "inhibitory"
                        XCTAssertEqual(held, expected, "\(kind) step \(step) arrival \(arrival), \(name) ring")
                    }
                }
            }
            let expected = firing.sorted { ($0.step, $0.neuron) < ($1.step, $1.neuron) }
            XCTAssertEqual(spikes.steps.map(Int.init), expected.map(\.step), "\(kind): exactly the driven neurons fire, when driven")
            XCTAssertEqual(spikes.neurons.map(Int.init), expected.map(\.neuron), "\(kind)")
        }
    }

    /// The device's Philox against Random123's known-answer vectors and the host's.
    func testKernelPhiloxMatchesKnownAnswersAndHost() throws {
        let context = try CLContext(device: try device().id)
        let program = try CLProgram(context, sources: try Kernels.sources(), options: Kernels.buildOptions)
        let kernel = try CLKernel(program, name: "generate_philox_blocks", arguments: 4)
        var counters: [UInt32] = [0, 0, 0, 0, 0xffff_ffff, 0xffff_ffff, 0xffff_ffff, 0xffff_ffff,
                                  0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344]
        var keys: [UInt32] = [0, 0, 0xffff_ffff, 0xffff_ffff, 0xa409_3822, 0x299f_31d0]
        for i in 0..<1000 {
            counters += [UInt32(i), UInt32(i * 7), 3, UInt32(i % 5)]
            keys += [55, 6]
        }
        let count = counters.count / 4
        let counterBuffer = try CLBuffer(context, counters, name: "counters")
        let keyBuffer = try CLBuffer(context, keys, name: "keys")
        let output = try CLBuffer<UInt32>(context, count: counters.count, name: "blocks")
        try kernel.set(0, counterBuffer)
        try kernel.set(1, keyBuffer)
        try kernel.set(2, output)
        try kernel.set(3, UInt32(count))
        try kernel.enqueue(global: count)
        let blocks = try output.read()
        XCTAssertEqual(Array(blocks[0..<12]), [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8,
                                              0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd,
                                              0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1])
        for i in 0..<count {
            let host = Philox.block((counters[4 * i], counters[4 * i + 1], counters[4 * i + 2], counters[4 * i + 3]),
                                    (keys[2 * i], keys[2 * i + 1]))
            XCTAssertEqual(Array(blocks[(4 * i)..<(4 * i + 4)]), [host.0, host.1, host.2, host.3])
        }
    }

    func testBuildFailureCarriesTheLog() throws {
        let context = try CLContext(device: try device().id)
        XCTAssertThrowsError(try CLProgram(context, sources: ["__kernel void broken(__global int *x) { x[0] = undefined_name; }"], options: "")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("CL_BUILD_PROGRAM_FAILURE"), text)
            XCTAssertTrue(text.contains("undefined_name"), "the log names the problem: \(text)")
        }
    }

    /// The limits of a GPU's spike list entries (32-bit first synapse, 24-bit length), on
    /// row starts alone: a network that large would take tens of GB.
    func testTablesBeyondTheSpikeListsReachAreRefused() throws {
        let longRows = (0...256).map { $0 * ((1 << 24) - 1) }
        XCTAssertNoThrow(try OpenCLBackend.requireRowsAddressable(rowStart: [0, 5, (1 << 24) + 4]))
        XCTAssertNoThrow(try OpenCLBackend.requireRowsAddressable(rowStart: longRows))
        for rowStart in [[0, 1 << 24], longRows + [longRows.last! + (1 << 24) - 1]] {
            XCTAssertThrowsError(try OpenCLBackend.requireRowsAddressable(rowStart: rowStart)) { error in
                XCTAssertTrue("\(error)".contains("fewer than 2^32 synapses and rows shorter than 2^24"), "\(error)")
            }
        }
    }

    func testKernelArgumentCountIsChecked() throws {
        let context = try CLContext(device: try device().id)
        let program = try CLProgram(context, sources: try Kernels.sources(), options: Kernels.buildOptions)
        XCTAssertThrowsError(try CLKernel(program, name: "deliver_and_update", arguments: 43)) { error in
            XCTAssertTrue("\(error)".contains("has 48 arguments but the host passes 43"), "\(error)")
        }
    }

    func testRefusesANetworkLargerThanTheDevice() throws {
        let real = try device()
        var small = real.info
        small.globalMemory = 1 << 20
        let network = try Network.build(try CPUBackendTests.shortRun(), threads: 2)
        XCTAssertThrowsError(try OpenCLBackend(network: network, device: OpenCLDevice(info: small, id: real.id))) { error in
            XCTAssertTrue("\(error)".contains("not enough device memory"), "\(error)")
            XCTAssertTrue("\(error)".contains("1.00 MiB"), "names what is available: \(error)")
        }
    }

    func testDeviceErrors() throws {
        let count = try OpenCL.devices().count
        XCTAssertThrowsError(try DeviceSelection.choose(index: count, allowCPU: true)) { error in
            XCTAssertTrue("\(error)".contains("invalid --device \(count)"), "\(error)")
        }
        var lacking = try device().info
        lacking.extensions.removeAll { $0 == "cl_khr_int64_base_atomics" }
        XCTAssertThrowsError(try DeviceSelection.requireCapabilities(lacking)) { error in
            XCTAssertTrue("\(error)".contains("lacks cl_khr_int64_base_atomics"), "\(error)")
        }
    }
}
