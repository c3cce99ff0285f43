@testable import MicrocircuitModel
import Simulation
import XCTest

/// `single_neuron.json`: one iaf_psc_exp neuron per case, recorded by NEST 3.10.
struct SingleNeuronFixture: Decodable {
    struct Input: Decodable { var times: [Double]; var weight: Double; var delay: Double }
    struct Pulse: Decodable { var amplitude: Double; var start: Double; var stop: Double; var delay: Double }
    struct Case: Decodable {
        var name: String
        var t_sim_ms: Double
        var I_e_pA: Double
        var V0_mV: Double
        var inputs: [Input]
        var dc: Pulse?
        var V_m_mV: [Double]
        var spike_times_ms: [Double]

        /// Fixed-point input per step: a generator spike with time stamp T (emitted in step
        /// T/h - 1) reaches the input of step T/h - 1 + d.
        func inputs(steps: Int, h: Double) -> (excitatory: [Int64], inhibitory: [Int64]) {
            var ex = [Int64](repeating: 0, count: steps + 100)
            var inh = [Int64](repeating: 0, count: steps + 100)
            for input in inputs {
                let d = Int((input.delay / h).rounded())
                let w = Int64(FixedPointWeight.quantize(input.weight))
                for t in input.times {
                    let arrival = Int((t / h).rounded()) - 1 + d
                    if w >= 0 { ex[arrival] += w } else { inh[arrival] += w }
                }
            }
            return (ex, inh)
        }

        func spikeSteps(h: Double) -> [Int] { spike_times_ms.map { Int(($0 / h).rounded()) - 1 } }
    }
    var resolution_ms: Double
    var cases: [Case]

    static func load() throws -> SingleNeuronFixture { try fixture("single_neuron.json", as: SingleNeuronFixture.self) }
}

/// One `iaf_psc_exp` neuron against NEST 3.10's voltmeter and spike recorder
/// (`single_neuron.json`, written by `generate_nest_fixtures.py`).
final class SingleNeuronTests: XCTestCase {
    /// The neuron update alone (`NeuronState.step`), fed the fixture's inputs.
    func testMembraneTraceAndSpikesMatchNEST() throws {
        let document = try SingleNeuronFixture.load()
        let h = document.resolution_ms
        for c in document.cases {
            var p = ModelParameters()
            if let dc = c.dc {
                p.stimulus.dcTransient = true
                p.stimulus.dcTransientStart = dc.start
                p.stimulus.dcTransientDuration = dc.stop - dc.start
                p.stimulus.dcTransientDelay = dc.delay
            }
            let derived = try DerivedParameters(p)
            let constants = NeuronConstants(derived)
            let steps = Int((c.t_sim_ms / h).rounded())
            let (inputEx, inputIn) = c.inputs(steps: steps, h: h)
            for input in c.inputs {
                let w = FixedPointWeight.quantize(input.weight)
                XCTAssertEqual(Double(w) * FixedPointWeight.picoamperePerUnit, input.weight, "fixture weights are exact")
            }
            var neuron = NeuronState(v: c.V0_mV - p.neuron.eL)
            var spikeSteps: [Int] = []
            var worst = 0.0
            for n in 0..<steps {
                let pulse = derived.schedule.dcTransientSteps.contains(n) ? c.dc!.amplitude : 0
                if neuron.step(inputEx: inputEx[n], inputIn: inputIn[n], current: c.I_e_pA + pulse, constants) {
                    spikeSteps.append(n)
                }
                if n < c.V_m_mV.count { worst = max(worst, abs(neuron.v + p.neuron.eL - c.V_m_mV[n])) }
            }
            XCTAssertLessThan(worst, 1e-9, "\(c.name): largest |V_m - NEST| = \(worst) mV")
            XCTAssertEqual(spikeSteps, c.spikeSteps(h: h), c.name)
            XCTAssertFalse(spikeSteps.isEmpty, "\(c.name) exercises threshold, reset and refractoriness")
        }
    }

    /// The same neurons through each whole backend (for OpenCL: the kernels), all cases at
    /// once, one per population, with I_e and the DC pulse set per population.
    func testBackendsMatchNEST() throws {
        let document = try SingleNeuronFixture.load()
        let h = document.resolution_ms
        let cases = document.cases
        let pulse = try XCTUnwrap(cases.first { $0.dc != nil }?.dc)
        var p = singleNeuronParameters()
        p.network.v0OptimizedMean = (0..<8).map { $0 < cases.count ? cases[$0].V0_mV : -65 }
        p.stimulus.dcTransient = true
        p.stimulus.dcTransientStart = pulse.start
        p.stimulus.dcTransientDuration = pulse.stop - pulse.start
        p.stimulus.dcTransientDelay = pulse.delay
        p.simulation.tPresim = 0
        p.simulation.tSim = cases.map(\.t_sim_ms).max()!
        var derived = try DerivedParameters(p)
        derived.dcAmplitudes = (0..<8).map { $0 < cases.count ? cases[$0].I_e_pA : 0 }
        derived.dcTransientAmplitudes = (0..<8).map { $0 < cases.count ? cases[$0].dc?.amplitude ?? 0 : 0 }
        let network = try Network.build(derived, threads: 1)
        XCTAssertEqual(network.synapses.synapseCount, 0)
        let steps = derived.schedule.total
        let inputs = cases.map { $0.inputs(steps: steps, h: h) }

        for kind in BackendKind.allCases {
            let backend = try kind.make(network)
            var spikes = SpikeTrains()
            var worst = [Double](repeating: 0, count: cases.count)
            for n in 0..<steps {
                for (i, input) in inputs.enumerated() {
                    try backend.setInput(step: n, neuron: i, excitatory: input.excitatory[n], inhibitory: input.inhibitory[n])
                }
                try backend.advance(steps: 1, recordingInto: &spikes)
                let v = try backend.membranePotentials()
                for (i, c) in cases.enumerated() where n < c.V_m_mV.count {
                    worst[i] = max(worst[i], abs(v[i] - c.V_m_mV[n]))
                }
            }
            for (i, c) in cases.enumerated() {
                XCTAssertLessThan(worst[i], 1e-9, "\(kind) \(c.name)")
                let caseSteps = Int((c.t_sim_ms / h).rounded())
                let mine = zip(spikes.steps, spikes.neurons).filter { $0.1 == i && $0.0 < caseSteps }.map { Int($0.0) }
                XCTAssertEqual(mine, c.spikeSteps(h: h), "\(kind) \(c.name)")
            }
        }
    }
}
