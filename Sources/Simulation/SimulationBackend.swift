/// A simulation engine for a built `Network`. Backends advance whole steps and hand back
/// the spikes of those steps; recording, progress and I/O stay with the caller. The CPU
/// reference and the OpenCL backend produce identical spikes for the same network.
public protocol SimulationBackend: AnyObject {
    /// Short name, e.g. "cpu".
    var name: String { get }
    /// What it runs on, e.g. "2 threads" or an OpenCL device name.
    var device: String { get }
    /// Steps simulated so far.
    var currentStep: Int { get }
    /// Whether `advance` hands spikes back; when false they are only counted (benchmarks of
    /// the simulation without recording).
    var recordsSpikes: Bool { get set }
    /// Spikes emitted so far, recorded or not.
    var spikeCount: Int { get }
    /// Simulates `steps` more steps and appends their spikes to `spikes` in canonical order.
    func advance(steps: Int, recordingInto spikes: inout SpikeTrains) throws
    /// Absolute membrane potentials (mV) of all neurons after the last step.
    func membranePotentials() throws -> [Double]
}
