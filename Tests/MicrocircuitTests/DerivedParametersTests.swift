import Foundation
import MicrocircuitModel
import XCTest

final class DerivedParametersTests: XCTestCase {
    func parameters(scale: Double, background: BackgroundInput = .dc) -> ModelParameters {
        var p = ModelParameters()
        p.network.nScaling = scale
        p.network.kScaling = scale
        p.network.backgroundInput = background
        return p
    }

    /// Values stated in MODEL.md, worked out by hand from its formulas.
    func testFullScaleValuesFromTheModelDescription() throws {
        let d = try DerivedParameters(parameters(scale: 1))
        XCTAssertEqual(d.pscOverPsp, 585.39, accuracy: 0.01)
        XCTAssertEqual(d.externalWeight, 87.81, accuracy: 0.01)
        XCTAssertEqual(d.meanWeights[0][0], 87.81, accuracy: 0.01)
        XCTAssertEqual(d.meanWeights[0][1], -351.2, accuracy: 0.05)
        XCTAssertEqual(d.meanWeights[0][2], 175.6, accuracy: 0.05, "L4E -> L23E is doubled")
        XCTAssertEqual(d.meanWeights[1][2], 87.81, accuracy: 0.01)
        // DC = 8/s * K_ext * 87.81 pA * 0.5 ms: 1600 -> 561.99 pA; no K-scaling compensation.
        XCTAssertEqual(d.dcAmplitudes[0], 561.99, accuracy: 0.03, "MODEL.md rounds the weight to 87.81 pA first")
        XCTAssertEqual(d.dcAmplitudes[6], 8 * 2900 * d.externalWeight * 0.5e-3, accuracy: 1e-9)
        XCTAssertEqual(d.totalNeurons, 77169)
        XCTAssertEqual(Double(d.totalSynapses), 0.3e9, accuracy: 0.01e9)
        XCTAssertEqual(d.rheobase, 375, accuracy: 1e-12)
        XCTAssertTrue(d.belowRheobase.isEmpty)
        // Synapse count formula, L4E -> L4E: ln(1 - p) / ln((N^2 - 1) / N^2).
        let n = 21915.0
        XCTAssertEqual(d.synapseCounts[2][2], Int((log(1 - 0.0497) / log((n * n - 1) / (n * n))).rounded()))
    }

    func testScalingCompensationByHand() throws {
        let d = try DerivedParameters(parameters(scale: 0.25, background: .poisson))
        let full = try DerivedParameters(parameters(scale: 1, background: .poisson))
        XCTAssertEqual(d.externalWeight, full.externalWeight * 2, accuracy: 1e-12, "weights / sqrt(0.25)")
        XCTAssertEqual(d.meanWeights[3][1], full.meanWeights[3][1] * 2, accuracy: 1e-12)
        XCTAssertEqual(d.externalIndegrees[0], 400)
        XCTAssertEqual(d.neuronCounts[0], Int((20683 * 0.25).rounded(.toNearestOrEven)))
        // DC = 0.001 tau_syn (1 - sqrt K) (sum_j W_ij K_ij / N_i r_j + W_ext K_ext r_bg), by hand for L5I.
        let p = ModelParameters()
        var recurrent = 0.0
        for j in 0..<8 {
            let fullK = DerivedParameters.synapseCount(
                probability: p.network.connectionProbabilities[5][j],
                sourceSize: Double(p.network.fullNeuronCounts[j]), targetSize: 1065)
            recurrent += full.meanWeights[5][j] * fullK / 1065 * p.network.fullMeanRates[j]
        }
        let expected = 0.001 * 0.5 * 0.5 * (recurrent + full.externalWeight * 1900 * 8)
        XCTAssertEqual(d.dcAmplitudes[5], expected, accuracy: 1e-9)
        XCTAssertEqual(d.synapseCounts[0][0], Int((full.fullSynapseCounts[0][0] * 0.0625).rounded(.toNearestOrEven)))
        // Poisson lambda per step = K_ext * 8/s * 0.1 ms.
        XCTAssertEqual(d.backgroundPoisson[6].lambda, 725 * 8 * 1e-4, accuracy: 1e-12)
        XCTAssertEqual(d.backgroundPoisson[6].cdf[0], exp(-725 * 8 * 1e-4), accuracy: 1e-15)
        XCTAssertEqual(d.backgroundPoisson[6].cdf[1], exp(-0.58) * 1.58, accuracy: 1e-15)
        XCTAssertEqual(d.backgroundPoisson[6].cdf.last!, 1, accuracy: 1e-15)
    }

    func testPropagatorsClosedForm() throws {
        let d = try DerivedParameters(parameters(scale: 0.1))
        let h = 0.1, tauM = 10.0, tauS = 0.5, c = 250.0
        XCTAssertEqual(d.propagators.p22, exp(-h / tauM), accuracy: 1e-16)
        XCTAssertEqual(d.propagators.p11, exp(-h / tauS), accuracy: 1e-16)
        XCTAssertEqual(d.propagators.p20, tauM / c * (1 - exp(-h / tauM)), accuracy: 1e-15)
        // P21 is the response at h to a unit current that decays with tau_syn: integrate it.
        var integral = 0.0
        let n = 100_000
        for k in 0..<n {
            let t = (Double(k) + 0.5) * h / Double(n)
            integral += exp(-(h - t) / tauM) * exp(-t / tauS) / c * (h / Double(n))
        }
        XCTAssertEqual(d.propagators.p21, integral, accuracy: 1e-10)
    }

    /// Everything the reference derives, against its own numbers (`derived_parameters.json`).
    func testMatchesTheReferenceDerivation() throws {
        struct Case: Decodable {
            var n_scaling: Double, k_scaling: Double, bg_input_type: String
            var neurons: [Int], synapses: [[Int]], mean_weights_pA: [[Double]], external_weight_pA: Double
            var k_ext_scaled: [Int], I_e_pA: [Double], thalamic_synapses: [Int], thalamic_weight_pA: Double
        }
        struct Document: Decodable { var cases: [Case] }
        for c in try fixture("derived_parameters.json", as: Document.self).cases {
            var p = ModelParameters()
            p.network.nScaling = c.n_scaling
            p.network.kScaling = c.k_scaling
            p.network.backgroundInput = BackgroundInput(rawValue: c.bg_input_type)!
            p.stimulus.thalamicInput = true
            let d = try DerivedParameters(p)
            let label = "\(c.n_scaling) \(c.k_scaling) \(c.bg_input_type)"
            XCTAssertEqual(d.neuronCounts, c.neurons, label)
            XCTAssertEqual(d.synapseCounts, c.synapses, label)
            XCTAssertEqual(d.externalIndegrees, c.k_ext_scaled, label)
            XCTAssertEqual(d.thalamicSynapseCounts, c.thalamic_synapses, label)
            XCTAssertEqual(d.externalWeight, c.external_weight_pA, accuracy: 1e-12, label)
            XCTAssertEqual(d.thalamicWeight, c.thalamic_weight_pA, accuracy: 1e-12, label)
            for i in 0..<8 {
                XCTAssertEqual(d.dcAmplitudes[i], c.I_e_pA[i], accuracy: 1e-9, label)
                for j in 0..<8 { XCTAssertEqual(d.meanWeights[i][j], c.mean_weights_pA[i][j], accuracy: 1e-12, label) }
            }
        }
    }

    func testRheobaseWarningOnlyForScaledDC() throws {
        let scaled = try DerivedParameters(parameters(scale: 0.1))
        XCTAssertEqual(scaled.belowRheobase.map(\.name), ["L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E"])
        XCTAssertTrue(try DerivedParameters(parameters(scale: 0.1, background: .poisson)).belowRheobase.isEmpty)
    }

    /// NEST's timing of devices, measured with NEST 3.10 (see DESIGN of StepSchedule).
    func testStepSchedule() throws {
        var p = parameters(scale: 0.1, background: .poisson)
        p.stimulus.thalamicInput = true
        p.stimulus.dcTransient = true
        let s = try DerivedParameters(p).schedule
        XCTAssertEqual(s.presimulation, 5000)
        XCTAssertEqual(s.simulation, 10000)
        XCTAssertEqual(s.refractory, 20)
        XCTAssertEqual(s.firstBackgroundStep, 16)
        // Parrot spikes of a 700-710 ms generator, 1 ms later: time stamps 701.2 ... 711.1 ms.
        XCTAssertEqual(s.thalamicSpikeSteps, 7011..<7111)
        // A 650-750 ms DC generator with 1 ms delay first moves V_m at 651.1 ms; last at 751.0 ms.
        XCTAssertEqual(s.dcTransientSteps, 6510..<7510)
        XCTAssertEqual(s.voltageInterval, 10)
    }
}
