import Connectivity
import MicrocircuitModel

/// The reference backend: the model on the host's cores. Each thread owns a contiguous
/// range of neurons; in every step it first delivers the previous step's spikes to its own
/// neurons (sums of fixed-point weights, so the order is irrelevant) and then updates them.
/// Spikes are therefore identical for any thread count.
public final class CPUBackend: SimulationBackend {
    public let name = "cpu"
    public var device: String { "host CPU, \(threads) thread\(threads == 1 ? "" : "s"), \(ringDescription)" }
    public var hostThreads: Int { threads }
    public private(set) var currentStep = 0
    public var recordsSpikes = true
    public private(set) var spikeCount = 0
    public var synapseRowStart: [Int] { network.synapses.rowStart }

    let network: Network
    let constants: NeuronConstants
    let threads: Int
    let neuronRanges: [Range<Int>]
    let neuronCount: Int
    public let ringSlots: RingSlots
    let seed: UInt32

    var state: UnsafeMutableBufferPointer<NeuronState>
    /// Fixed-point input per (slot, neuron): excitatory and inhibitory sums, in words of
    /// `ringBits` (`RingWidth`).
    let rings: Rings
    /// One case per width, so that each step runs code specialised for its words.
    enum Rings {
        case narrow(InputRings<Int32>)
        case wide(InputRings<Int64>)

        /// The rings whatever their words, for what is not on a step's path.
        var words: any RingWords {
            switch self {
            case .narrow(let r): return r
            case .wide(let r): return r
            }
        }
    }
    /// 32 where no neuron's input of one step can reach 2^31 units, else 64; as asked.
    public var ringBits: Int { rings.words.bits }
    /// Population of each neuron (index into the per-population constants).
    let populationOf: [UInt8]

    /// Spikes emitted in the previous step: neuron rows (multiplicity 1) and thalamic rows
    /// with their multiplicities.
    var previousSpikes: [UInt32] = []
    var previousThalamic: [(row: UInt32, count: UInt32)] = []
    var threadSpikes: [[UInt32]]
    let workers: StepWorkers

    /// `ringBits`: 32 or 64, or nil for the narrowest that the network allows (`RingWidth`).
    public init(network: Network, threads: Int, ringBits asked: Int? = nil) throws {
        self.network = network
        self.constants = NeuronConstants(network.derived)
        self.threads = max(1, threads)
        self.neuronCount = network.derived.totalNeurons
        self.neuronRanges = contiguousChunks(neuronCount, parts: self.threads)
        self.ringSlots = network.synapses.ringSlots
        self.seed = network.derived.parameters.simulation.seed
        // Chosen before anything is allocated, which a refusal would leave behind.
        let threadCount = self.threads
        let bits = try RingWidth.choose(asked: asked) { network.largestStepInput(threads: threadCount) }.bits
        state = .allocate(capacity: neuronCount)
        for i in 0..<neuronCount { state.initializeElement(at: i, to: NeuronState(v: network.initialPotentials[i])) }
        rings = bits == 32 ? .narrow(InputRings(slots: ringSlots, neurons: neuronCount)) : .wide(InputRings(slots: ringSlots, neurons: neuronCount))
        populationOf = network.derived.populationIndices
        threadSpikes = Array(repeating: [], count: self.threads)
        workers = StepWorkers(count: self.threads)
    }

    deinit {
        state.deallocate()
        rings.words.deallocate()
    }

    public func advance(steps: Int, recordingInto spikes: inout SpikeTrains, voltages: inout VoltageTrace?) throws {
        switch rings {
        case .narrow(let r): try advance(steps: steps, rings: r, recordingInto: &spikes, voltages: &voltages)
        case .wide(let r): try advance(steps: steps, rings: r, recordingInto: &spikes, voltages: &voltages)
        }
    }

    private func advance<Word>(steps: Int, rings: InputRings<Word>, recordingInto spikes: inout SpikeTrains,
                               voltages: inout VoltageTrace?) throws {
        let interval = network.derived.schedule.voltageInterval
        for _ in 0..<steps {
            let step = currentStep
            drawThalamicSpikes(step: step - 1)
            threadSpikes.withUnsafeMutableBufferPointer { output in
                workers.run { t in
                    deliverPreviousSpikes(toTargets: neuronRanges[t], emittedIn: step - 1, into: rings)
                    output[t].removeAll(keepingCapacity: true)
                    updateNeurons(neuronRanges[t], step: step, rings: rings, spikes: &output[t])
                }
            }
            previousSpikes.removeAll(keepingCapacity: true)
            for local in threadSpikes { previousSpikes.append(contentsOf: local) }
            spikeCount += previousSpikes.count
            if recordsSpikes { spikes.append(step: step, neurons: previousSpikes) }
            currentStep += 1
            if voltages != nil && currentStep % interval == 0 {
                voltages!.steps.append(step)
                voltages!.samples.append(try membranePotentials())
            }
        }
    }

    public func membranePotentials() throws -> [Double] {
        let eL = network.derived.parameters.neuron.eL
        return state.map { $0.v + eL }
    }
}

extension CPUBackend {
    /// Sets the input that neuron `neuron` receives in step `step` (fixed-point units), for
    /// tests that drive single neurons; `step` must lie within the ring's span ahead.
    func setInput(step: Int, neuron: Int, excitatory: Int64, inhibitory: Int64) {
        precondition(step >= currentStep && step < currentStep + ringSlots.span)
        rings.words.write(excitatory: excitatory, inhibitory: inhibitory, at: ringSlots.wordIndices(step: step, neuron: neuron, neurons: neuronCount))
    }

    /// The ring buffers, each slot-major, for tests of delivery.
    func ringSnapshot() -> (excitatory: [Int64], inhibitory: [Int64]) { rings.words.read() }
}
