import MicrocircuitModel
import Simulation
import XCTest

/// One `iaf_psc_exp` neuron against NEST 3.10's voltmeter and spike recorder
/// (`single_neuron.json`, written by `generate_nest_fixtures.py`).
final class SingleNeuronTests: XCTestCase {
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
    }
    struct Document: Decodable { var resolution_ms: Double; var cases: [Case] }

    func testMembraneTraceAndSpikesMatchNEST() throws {
        let document = try fixture("single_neuron.json", as: Document.self)
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
            // A generator spike with time stamp T (emitted in step T/h - 1) reaches the
            // input of step T/h - 1 + d.
            var inputEx = [Int64](repeating: 0, count: steps + 100)
            var inputIn = [Int64](repeating: 0, count: steps + 100)
            for input in c.inputs {
                let d = Int((input.delay / h).rounded())
                for t in input.times {
                    let arrival = Int((t / h).rounded()) - 1 + d
                    let w = Int64(FixedPointWeight.quantize(input.weight))
                    XCTAssertEqual(Double(w) * FixedPointWeight.picoamperePerUnit, input.weight, "fixture weights are exact")
                    if w >= 0 { inputEx[arrival] += w } else { inputIn[arrival] += w }
                }
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
            XCTAssertEqual(spikeSteps, c.spike_times_ms.map { Int(($0 / h).rounded()) - 1 }, c.name)
            XCTAssertFalse(spikeSteps.isEmpty, "\(c.name) exercises threshold, reset and refractoriness")
        }
    }
}
