import Foundation
import MicrocircuitModel
import Simulation

/// verify's comparison of the CPU and the OpenCL backend run in lockstep, chunk by chunk
/// (`SimulationDriver.run(inLockstep:)`): every spike, every voltmeter sample bit for bit, and
/// the potentials where both runs stand at the end. Only one chunk of each run is held, and
/// the first chunk that differs ends the run.
public struct BackendComparison {
    public private(set) var spikes: SpikeComparison
    public private(set) var potentials: VoltageComparison
    private var lastSample: Int?

    /// Thrown by `compare` at the first chunk that differs, to stop the run.
    public struct Diverged: Error {}

    public init(derived: DerivedParameters) {
        spikes = SpikeComparison(derived: derived)
        potentials = VoltageComparison(derived: derived)
    }

    public var identical: Bool { spikes.difference == nil && potentials.difference == nil }

    /// Compares the next chunk of both runs; throws `Diverged` if they differ.
    public mutating func compare(cpu: SimulationDriver.Chunk, opencl: SimulationDriver.Chunk) throws {
        spikes.compare(cpu: cpu.spikes, opencl: opencl.spikes)
        if let samples = cpu.voltages, let other = opencl.voltages {
            potentials.compare(cpu: samples, opencl: other)
            lastSample = samples.steps.last ?? lastSample
        }
        if !identical { throw Diverged() }
    }

    /// Compares the potentials after step `step`, where both runs stand, unless the voltmeter
    /// sampled them there already.
    public mutating func compareFinal(step: Int, cpu: () throws -> [Double], opencl: () throws -> [Double]) rethrows {
        guard lastSample != step else { return }
        potentials.compare(cpu: VoltageTrace(steps: [step], samples: [try cpu()]),
                           opencl: VoltageTrace(steps: [step], samples: [try opencl()]))
        lastSample = step
    }
}

/// A comparison of two runs' recordings that takes them chunk by chunk, or whole.
public protocol RecordingComparison {
    associatedtype Recording
    /// Nothing compared yet.
    init(derived: DerivedParameters)
    /// Compares the next chunk of both runs (the same steps of each); after a difference,
    /// nothing more.
    mutating func compare(cpu: Recording, opencl: Recording)
}

extension RecordingComparison {
    /// Two whole runs compared.
    public init(cpu: Recording, opencl: Recording, derived: DerivedParameters) {
        self.init(derived: derived)
        compare(cpu: cpu, opencl: opencl)
    }
}

/// The outcome of comparing two backends' spikes: identical, or the first spike that one
/// emitted and the other did not.
public struct SpikeComparison: RecordingComparison, CustomStringConvertible {
    public struct Difference: Equatable {
        public var index: Int
        public var step: Int
        public var neuron: Int
        public var population: Population
        /// The backend that emitted the spike: "cpu" or "opencl".
        public var spikedIn: String

        public init(index: Int, step: Int, neuron: Int, population: Population, spikedIn: String) {
            self.index = index
            self.step = step
            self.neuron = neuron
            self.population = population
            self.spikedIn = spikedIn
        }
    }

    /// Spikes compared so far (the CPU backend's).
    public private(set) var spikes = 0
    public private(set) var difference: Difference?
    let derived: DerivedParameters

    public init(derived: DerivedParameters) {
        self.derived = derived
    }

    public mutating func compare(cpu: SpikeTrains, opencl: SpikeTrains) {
        guard difference == nil else { return }
        defer { spikes += cpu.count }
        guard let index = cpu.firstDifference(from: opencl) else { return }
        func spike(_ trains: SpikeTrains) -> (Int, Int)? {
            index < trains.count ? (Int(trains.steps[index]), Int(trains.neurons[index])) : nil
        }
        let a = spike(cpu), b = spike(opencl)
        let cpuFirst = b == nil || (a != nil && a! < b!)
        let (step, neuron) = (cpuFirst ? a : b)!
        difference = Difference(index: spikes + index, step: step, neuron: neuron,
                                population: derived.population(ofNeuron: neuron), spikedIn: cpuFirst ? "cpu" : "opencl")
    }

    public var description: String {
        guard let d = difference else { return "identical: \(spikes) spikes" }
        let time = String(format: "%.1f", Double(d.step + 1) * derived.resolution)
        return "different: first difference at spike \(d.index): step \(d.step) (t = \(time) ms), neuron \(d.neuron) (NEST id \(d.neuron + 1), \(d.population.name)): only the \(d.spikedIn) backend spiked"
    }
}

/// The outcome of comparing two backends' recorded membrane potentials bit for bit: a
/// stricter test of the numerical contract than spikes, which a last-bit difference reaches
/// only when it moves a threshold crossing.
public struct VoltageComparison: RecordingComparison, CustomStringConvertible {
    public struct Difference: Equatable {
        public var sample: Int
        public var step: Int
        public var neuron: Int
        public var population: Population
        public var cpu: Double
        public var opencl: Double
    }

    /// Samples compared so far.
    public private(set) var samples = 0
    public private(set) var difference: Difference?
    let derived: DerivedParameters

    public init(derived: DerivedParameters) {
        self.derived = derived
    }

    public mutating func compare(cpu: VoltageTrace, opencl: VoltageTrace) {
        precondition(cpu.steps == opencl.steps, "both runs sample at the same steps")
        guard difference == nil else { return }
        defer { samples += cpu.steps.count }
        difference = zip(cpu.samples, opencl.samples).enumerated().lazy.compactMap { [samples, derived] k, pair -> Difference? in
            let (a, b) = pair
            guard let i = a.indices.first(where: { a[$0].bitPattern != b[$0].bitPattern }) else { return nil }
            return Difference(sample: samples + k, step: cpu.steps[k], neuron: i, population: derived.population(ofNeuron: i),
                              cpu: a[i], opencl: b[i])
        }.first
    }

    public var description: String {
        guard let d = difference else { return "identical potentials: \(samples) sample\(samples == 1 ? "" : "s") of \(derived.totalNeurons) neurons, bit for bit" }
        let time = String(format: "%.1f", Double(d.step + 1) * derived.resolution)
        return "different potentials: first at sample \(d.sample) (t = \(time) ms), neuron \(d.neuron) (NEST id \(d.neuron + 1), \(d.population.name)): cpu \(d.cpu) mV, opencl \(d.opencl) mV"
    }
}
