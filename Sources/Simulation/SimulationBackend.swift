import Connectivity
import Dispatch

/// A simulation engine for a built `Network`. Backends advance whole steps and hand back
/// the spikes of those steps; recording, progress and I/O stay with the caller. The CPU
/// reference and the OpenCL backend produce identical spikes for the same network.
public protocol SimulationBackend: AnyObject {
    /// Short name, e.g. "cpu".
    var name: String { get }
    /// What it runs on, e.g. "2 threads" or an OpenCL device name.
    var device: String { get }
    /// Host cores its steps keep busy: the CPU backend's threads, every core for an OpenCL
    /// CPU device, none for a GPU (the host only waits for it).
    var hostThreads: Int { get }
    /// Steps simulated so far.
    var currentStep: Int { get }
    /// Whether `advance` hands spikes back; when false they are only counted (benchmarks of
    /// the simulation without recording).
    var recordsSpikes: Bool { get set }
    /// Spikes emitted so far, recorded or not.
    var spikeCount: Int { get }
    /// Bits of its input sums per neuron, ring slot and sign: 32 or 64 (`RingWidth`).
    var ringBits: Int { get }
    /// Slots of its excitatory and inhibitory rings of input.
    var ringSlots: RingSlots { get }
    /// Row starts of the synapse table it runs (`SynapseTable.rowStart`): row s has
    /// `synapseRowStart[s + 1] - synapseRowStart[s]` synapses.
    var synapseRowStart: [Int] { get }
    /// Simulates `steps` more steps and appends their spikes to `spikes` in canonical order
    /// and, when `voltages` is given, the voltmeter's samples: every neuron's potential after
    /// each step that ends a `rec_V_int` (the OpenCL backend records them on the device).
    func advance(steps: Int, recordingInto spikes: inout SpikeTrains, voltages: inout VoltageTrace?) throws
    /// Absolute membrane potentials (mV) of all neurons after the last step.
    func membranePotentials() throws -> [Double]
}

extension SimulationBackend {
    /// The rings in words, for the device line: "32-bit ring, 60 + 30 slots".
    public var ringDescription: String { "\(ringBits)-bit ring, \(ringSlots.excitatory) + \(ringSlots.inhibitory) slots" }

    /// `advance` without the voltmeter.
    public func advance(steps: Int, recordingInto spikes: inout SpikeTrains) throws {
        var none: VoltageTrace?
        try advance(steps: steps, recordingInto: &spikes, voltages: &none)
    }
}

/// Where a backend's set-up time went (seconds).
public struct SetupTimings: Sendable {
    /// Building the program (kernels); zero for the CPU backend.
    public var compile = 0.0
    /// Building the synapse table on the device; zero when it was built on the host.
    public var construction = 0.0
    /// Copying the table (when built on the host) and the initial state to the device.
    public var upload = 0.0

    public init() {}
}

/// Elapsed wall time in laps.
public struct Stopwatch {
    private var last = DispatchTime.now().uptimeNanoseconds

    public init() {}

    /// Seconds since the previous lap (or since creation), and starts the next lap.
    public mutating func lap() -> Double {
        let now = DispatchTime.now().uptimeNanoseconds
        defer { last = now }
        return Double(now - last) * 1e-9
    }

    /// Seconds since the previous lap (or since creation); the lap goes on.
    public var elapsed: Double { Double(DispatchTime.now().uptimeNanoseconds - last) * 1e-9 }
}
