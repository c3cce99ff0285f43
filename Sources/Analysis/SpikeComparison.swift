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
