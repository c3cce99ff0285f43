import MicrocircuitModel

extension CPUBackend {
    /// Advances the neurons in `range` through step `step` and appends those that spike.
    func updateNeurons(_ range: Range<Int>, step: Int, spikes: inout [UInt32]) {
        let c = constants
        let slotBase = (step % slots) * neuronCount
        let poissonKey = RandomStream.backgroundPoisson.key(seed: seed)
        let drawsBackground = c.backgroundExpMinusLambda != nil && step >= c.firstBackgroundStep
        let transientOn = c.dcTransientSteps.contains(step)
        populationOf.withUnsafeBufferPointer { populationOf in
            for i in range {
                let p = Int(populationOf[i])
                var inputEx = ringEx[slotBase + i]
                let inputIn = ringIn[slotBase + i]
                ringEx[slotBase + i] = 0
                ringIn[slotBase + i] = 0
                if drawsBackground {
                    let count = RandomDraw.poisson(
                        expMinusLambda: c.backgroundExpMinusLambda![p], counter: UInt32(i), UInt32(step), 0, key: poissonKey)
                    inputEx &+= Int64(count) * c.externalWeight
                }
                let current = transientOn ? c.dcAmplitudes[p] + c.dcTransientAmplitudes[p] : c.dcAmplitudes[p]
                if state[i].step(inputEx: inputEx, inputIn: inputIn, current: current, c) {
                    spikes.append(UInt32(i))
                }
            }
        }
    }
}
