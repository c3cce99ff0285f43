import MicrocircuitModel

/// One `fixed_total_number` projection: `count` synapses, each with a source drawn uniformly
/// from `sources` and a target uniformly from `targets`, weight ~ N(weightMean, weightStd)
/// redrawn until its sign matches the mean's, delay ~ N(delayMean, delayStd) redrawn below
/// half a step, then rounded to whole steps.
public struct Projection: Sendable, Equatable {
    /// Names the projection in the random counters: 8 * target + source for recurrent
    /// projections, 64 + target for thalamic ones.
    public var id: UInt32
    /// Rows (global source ids) and target neuron ids.
    public var sources: Range<Int>
    public var targets: Range<Int>
    public var count: Int
    public var weightMean: Double
    public var weightStd: Double
    public var delayMean: Double
    public var delayStd: Double

    /// Every projection of the model, recurrent ones first (target-major), then thalamic.
    public static func all(_ derived: DerivedParameters) -> [Projection] {
        let net = derived.parameters.network
        let stim = derived.parameters.stimulus
        func neurons(_ p: Int) -> Range<Int> { derived.firstNeuron[p]..<(derived.firstNeuron[p] + derived.neuronCounts[p]) }
        var projections: [Projection] = []
        for target in 0..<Population.count {
            for source in 0..<Population.count where derived.synapseCounts[target][source] > 0 {
                let weight = derived.meanWeights[target][source]
                let delay = Population(rawValue: source)!.isExcitatory ? net.delayExcitatoryMean : net.delayInhibitoryMean
                projections.append(Projection(
                    id: UInt32(target * Population.count + source), sources: neurons(source), targets: neurons(target),
                    count: derived.synapseCounts[target][source],
                    weightMean: weight, weightStd: abs(weight) * net.weightRelativeStd,
                    delayMean: delay, delayStd: delay * net.delayRelativeStd))
            }
        }
        let thalamus = derived.totalNeurons..<(derived.totalNeurons + derived.thalamicNeurons)
        for target in 0..<Population.count where derived.thalamicSynapseCounts[target] > 0 && !thalamus.isEmpty {
            projections.append(Projection(
                id: UInt32(Population.count * Population.count + target), sources: thalamus, targets: neurons(target),
                count: derived.thalamicSynapseCounts[target],
                weightMean: derived.thalamicWeight, weightStd: derived.thalamicWeight * net.weightRelativeStd,
                delayMean: stim.thalamicDelayMean, delayStd: stim.thalamicDelayMean * stim.thalamicDelayRelativeStd))
        }
        return projections
    }

    /// Source and target of synapse k (global ids).
    @inline(__always)
    public func endpoints(_ k: Int, seed: UInt32) -> (source: Int, target: Int) {
        let block = Philox.block(counter(k, 0), RandomStream.connectionEndpoints.key(seed: seed))
        return (sources.lowerBound + RandomDraw.index(block.0, block.1, below: sources.count),
                targets.lowerBound + RandomDraw.index(block.2, block.3, below: targets.count))
    }

    /// Weight (pA) and delay (ms) of synapse k, after the reference's redraw rules.
    @inline(__always)
    public func parameters(_ k: Int, seed: UInt32, minimumDelay: Double) -> (weight: Double, delay: Double) {
        let (z0, z1) = RandomDraw.normalPair(counter(k, 0), RandomStream.synapseParameters.key(seed: seed))
        var weight = weightMean + weightStd * z0
        var delay = delayMean + delayStd * z1
        var attempt: UInt32 = 1
        while weightMean >= 0 ? weight < 0 : weight > 0 {
            let z = RandomDraw.normalPair(counter(k, attempt), RandomStream.weightRedraw.key(seed: seed)).0
            weight = weightMean + weightStd * z
            attempt += 1
        }
        attempt = 1
        while delay < minimumDelay {
            let z = RandomDraw.normalPair(counter(k, attempt), RandomStream.delayRedraw.key(seed: seed)).0
            delay = delayMean + delayStd * z
            attempt += 1
        }
        return (weight, delay)
    }

    @inline(__always)
    private func counter(_ k: Int, _ attempt: UInt32) -> Philox.Counter {
        (UInt32(truncatingIfNeeded: k), UInt32(truncatingIfNeeded: k >> 32), id, attempt)
    }
}
