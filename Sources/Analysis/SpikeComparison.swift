import Foundation
import MicrocircuitModel
import Simulation

/// The outcome of comparing two backends' spikes: identical, or the first spike that one
/// emitted and the other did not.
public struct SpikeComparison: CustomStringConvertible {
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

    public let spikes: Int
    public let difference: Difference?
    let resolution: Double

    public init(cpu: SpikeTrains, opencl: SpikeTrains, derived: DerivedParameters) {
        spikes = cpu.count
        resolution = derived.resolution
        guard let index = cpu.firstDifference(from: opencl) else {
            difference = nil
            return
        }
        func spike(_ trains: SpikeTrains) -> (Int, Int)? {
            index < trains.count ? (Int(trains.steps[index]), Int(trains.neurons[index])) : nil
        }
        let a = spike(cpu), b = spike(opencl)
        let cpuFirst = b == nil || (a != nil && a! < b!)
        let (step, neuron) = (cpuFirst ? a : b)!
        difference = Difference(index: index, step: step, neuron: neuron,
                                population: derived.population(ofNeuron: neuron), spikedIn: cpuFirst ? "cpu" : "opencl")
    }

    public var description: String {
        guard let d = difference else { return "identical: \(spikes) spikes" }
        let time = String(format: "%.1f", Double(d.step + 1) * resolution)
        return "different: first difference at spike \(d.index): step \(d.step) (t = \(time) ms), neuron \(d.neuron) (NEST id \(d.neuron + 1), \(d.population.name)): only the \(d.spikedIn) backend spiked"
    }
}

/// The outcome of comparing two backends' recorded membrane potentials bit for bit: a
/// stricter test of the numerical contract than spikes, which a last-bit difference reaches
/// only when it moves a threshold crossing.
public struct VoltageComparison: CustomStringConvertible {
    public struct Difference: Equatable {
        public var sample: Int
        public var step: Int
        public var neuron: Int
        public var population: Population
        public var cpu: Double
        public var opencl: Double
    }

    public let samples: Int
    public let neurons: Int
    public let difference: Difference?
    let resolution: Double

    public init(cpu: VoltageTrace, opencl: VoltageTrace, derived: DerivedParameters) {
        precondition(cpu.steps == opencl.steps, "both runs sample at the same steps")
        samples = cpu.steps.count
        neurons = derived.totalNeurons
        resolution = derived.resolution
        difference = zip(cpu.samples, opencl.samples).enumerated().lazy.compactMap { k, pair -> Difference? in
            let (a, b) = pair
            guard let i = a.indices.first(where: { a[$0].bitPattern != b[$0].bitPattern }) else { return nil }
            return Difference(sample: k, step: cpu.steps[k], neuron: i, population: derived.population(ofNeuron: i),
                              cpu: a[i], opencl: b[i])
        }.first
    }

    public var description: String {
        guard let d = difference else { return "identical potentials: \(samples) sample\(samples == 1 ? "" : "s") of \(neurons) neurons, bit for bit" }
        let time = String(format: "%.1f", Double(d.step + 1) * resolution)
        return "different potentials: first at sample \(d.sample) (t = \(time) ms), neuron \(d.neuron) (NEST id \(d.neuron + 1), \(d.population.name)): cpu \(d.cpu) mV, opencl \(d.opencl) mV"
    }
}
