import MicrocircuitModel

/// The per-step constants of the neuron update, shared by every backend so that they all
/// multiply by the same doubles.
public struct NeuronConstants: Sendable {
    public let p22: Double
    public let p11: Double
    public let p21: Double
    public let p20: Double
    public let threshold: Double
    public let reset: Double
    public let refractorySteps: Int32
    /// Constant current I_e per population (pA).
    public let dcAmplitudes: [Double]
    /// CDF tables of the background Poisson count, `PoissonRate.tableSize` entries per
    /// population back to back.
    public let backgroundCDF: [Double]
    /// First step with background Poisson input; `Int.max` with DC drive.
    public let firstBackgroundStep: Int
    /// Fixed-point weight of one background spike.
    public let externalWeight: Int64
    public let dcTransientAmplitudes: [Double]
    public let dcTransientSteps: Range<Int>
    /// I_e + I_0 per population during the transient, summed as NEST sums them (outside it
    /// the current is `dcAmplitudes`).
    public let currentsDuringTransient: [Double]

    public init(_ derived: DerivedParameters) {
        let p = derived.propagators
        p22 = p.p22
        p11 = p.p11
        p21 = p.p21
        p20 = p.p20
        threshold = derived.thresholdRelative
        reset = derived.resetRelative
        refractorySteps = Int32(derived.schedule.refractory)
        dcAmplitudes = derived.dcAmplitudes
        backgroundCDF = derived.backgroundPoisson.flatMap(\.cdf)
        firstBackgroundStep = derived.parameters.network.backgroundInput == .poisson ? derived.schedule.firstBackgroundStep : Int.max
        externalWeight = Int64(FixedPointWeight.quantize(derived.externalWeight))
        dcTransientAmplitudes = derived.dcTransientAmplitudes
        dcTransientSteps = derived.schedule.dcTransientSteps
        currentsDuringTransient = zip(derived.dcAmplitudes, derived.dcTransientAmplitudes).map { $0 + $1 }
    }
}

/// One neuron's state: membrane potential relative to E_L (mV), synaptic currents (pA),
/// remaining refractory steps.
public struct NeuronState: Equatable, Sendable {
    public var v: Double
    public var iEx: Double = 0
    public var iIn: Double = 0
    public var refractory: Int32 = 0

    public init(v: Double) { self.v = v }

    /// One step of `iaf_psc_exp` in NEST's order: membrane (unless refractory), current
    /// decay, this step's input, threshold. `inputEx`/`inputIn` are fixed-point sums; `current`
    /// is I_e + I_0 (pA). Returns whether the neuron spiked.
    @inline(__always)
    public mutating func step(inputEx: Int64, inputIn: Int64, current: Double, _ c: NeuronConstants) -> Bool {
        if refractory == 0 {
            v = v * c.p22 + iEx * c.p21 + iIn * c.p21 + current * c.p20
        } else {
            refractory -= 1
        }
        iEx *= c.p11
        iIn *= c.p11
        iEx += Double(inputEx) * FixedPointWeight.picoamperePerUnit
        iIn += Double(inputIn) * FixedPointWeight.picoamperePerUnit
        if v >= c.threshold {
            v = c.reset
            refractory = c.refractorySteps
            return true
        }
        return false
    }
}
