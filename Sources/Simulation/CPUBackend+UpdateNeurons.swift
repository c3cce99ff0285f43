import MicrocircuitModel

extension CPUBackend {
    /// Advances the neurons in `range` through step `step` and appends those that spike.
    func updateNeurons<Word>(_ range: Range<Int>, step: Int, rings: InputRings<Word>, spikes: inout [UInt32]) {
        let c = constants
        let slotStarts = ringSlots.wordIndices(step: step, neuron: 0, neurons: neuronCount)
        let poissonKey = RandomStream.backgroundPoisson.key(seed: seed)
        let drawsBackground = step >= c.firstBackgroundStep
        let currents = c.dcTransientSteps.contains(step) ? c.currentsDuringTransient : c.dcAmplitudes
        // The block of the next four neurons is drawn while these four are updated: its
        // chain of ten dependent multiplications then overlaps their work.
        var block = RandomDraw.poissonBlock(group: range.lowerBound >> 2, step: step, key: poissonKey)
        var nextBlock = RandomDraw.poissonBlock(group: (range.lowerBound >> 2) + 1, step: step, key: poissonKey)
        c.backgroundCDF.withUnsafeBufferPointer { cdf in
            currents.withUnsafeBufferPointer { currents in
                populationOf.withUnsafeBufferPointer { populationOf in
                    for i in range {
                        let p = Int(populationOf[i])
                        let input = rings.take(i, at: slotStarts)
                        var inputEx = input.excitatory
                        if drawsBackground {
                            if i & 3 == 0 && i != range.lowerBound {
                                block = nextBlock
                                nextBlock = RandomDraw.poissonBlock(group: (i >> 2) + 1, step: step, key: poissonKey)
                            }
                            let count = RandomDraw.poisson(RandomDraw.word(block, i), cdf: cdf.baseAddress! + p * PoissonRate.tableSize)
                            inputEx &+= Int64(count) * c.externalWeight
                        }
                        if state[i].step(inputEx: inputEx, inputIn: input.inhibitory, current: currents[p], c) {
                            spikes.append(UInt32(i))
                        }
                    }
                }
            }
        }
    }
}
