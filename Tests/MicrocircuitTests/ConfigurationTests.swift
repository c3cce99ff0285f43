import Foundation
import Connectivity
import MicrocircuitModel
import XCTest

final class ConfigurationTests: XCTestCase {
    func apply(_ text: String) throws -> ModelParameters {
        var p = ModelParameters()
        try p.apply(config: try JSONValue.parse(Data(text.utf8)))
        return p
    }

    func assertParameterError(_ text: String, names parameter: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try DerivedParameters(apply(text)), file: file, line: line) { error in
            XCTAssertEqual((error as? ParameterError)?.parameter, parameter, "\(error)", file: file, line: line)
        }
    }

    func testDefaultsMirrorTheReferenceExample() {
        let p = ModelParameters()
        XCTAssertEqual(p.network.nScaling, 0.2)
        XCTAssertEqual(p.network.kScaling, 0.2)
        XCTAssertEqual(p.network.backgroundInput, .dc)
        XCTAssertEqual(p.simulation.tPresim, 500)
        XCTAssertEqual(p.simulation.tSim, 1000)
        XCTAssertEqual(p.simulation.seed, 55)
        XCTAssertEqual(p.simulation.resolution, 0.1)
    }

    func testPartialOverridesByPopulationName() throws {
        let p = try apply("""
            {"network": {"n_scaling": 0.5, "bg_input_type": "poisson", "k_ext": {"L4I": 1000},
                         "conn_probs": {"L5E": {"L23E": 0.2}}},
             "stimulus": {"thalamic_input": true, "conn_probs_th": {"L6I": 0.5}},
             "simulation": {"rng_seed": 7, "t_sim": 250}}
            """)
        XCTAssertEqual(p.network.nScaling, 0.5)
        XCTAssertEqual(p.network.kScaling, 0.2)
        XCTAssertEqual(p.network.backgroundInput, .poisson)
        XCTAssertEqual(p.network.externalIndegrees, [1600, 1500, 2100, 1000, 2000, 1900, 2900, 2100])
        XCTAssertEqual(p.network.connectionProbabilities[4][0], 0.2)
        XCTAssertEqual(p.network.connectionProbabilities[4][1], 0.0622)
        XCTAssertEqual(p.stimulus.thalamicConnectionProbabilities[7], 0.5)
        XCTAssertTrue(p.stimulus.thalamicInput)
        XCTAssertEqual(p.simulation.seed, 7)
        XCTAssertEqual(p.simulation.tSim, 250)
    }

    func testConfigurationRoundTrips() throws {
        var p = ModelParameters()
        p.network.kScaling = 0.3
        p.network.initialPotential = .original
        p.stimulus.dcTransient = true
        p.network.connectionProbabilities[2][3] = 0.25
        p.simulation.seed = 4_000_000_000
        let text = p.configuration.serialized()
        var q = ModelParameters()
        try q.apply(config: JSONValue.parse(Data(text.utf8)))
        XCTAssertEqual(p, q)
    }

    func testUnknownKeysSectionsAndPopulationsAreErrors() {
        assertParameterError(#"{"network": {"n_scalling": 0.5}}"#, names: "network.n_scalling")
        assertParameterError(#"{"netwrk": {}}"#, names: "netwrk")
        assertParameterError(#"{"network": {"k_ext": {"L7E": 3}}}"#, names: "network.k_ext.L7E")
        assertParameterError(#"{"network": {"conn_probs": {"L23E": {"L1": 0.1}}}}"#, names: "network.conn_probs.L23E.L1")
        assertParameterError(#"{"network": {"bg_input_type": "noise"}}"#, names: "network.bg_input_type")
        assertParameterError(#"{"simulation": {"rng_seed": -1}}"#, names: "simulation.rng_seed")
        assertParameterError(#"{"simulation": {"t_sim": "long"}}"#, names: "simulation.t_sim")
    }

    func testOutOfRangeValuesNameTheParameter() {
        assertParameterError(#"{"network": {"n_scaling": 0}}"#, names: "network.n_scaling")
        assertParameterError(#"{"network": {"k_scaling": 1.5}}"#, names: "network.k_scaling")
        assertParameterError(#"{"simulation": {"t_presim": -10}}"#, names: "simulation.t_presim")
        assertParameterError(#"{"simulation": {"t_sim": 100.05}}"#, names: "simulation.t_sim")
        assertParameterError(#"{"simulation": {"t_sim": 0}}"#, names: "simulation.t_sim")
        assertParameterError(#"{"network": {"conn_probs": {"L23E": {"L23I": 1.0}}}}"#, names: "network.conn_probs.L23E.L23I")
        assertParameterError(#"{"network": {"conn_probs": {"L23E": {"L23I": -0.1}}}}"#, names: "network.conn_probs.L23E.L23I")
        assertParameterError(#"{"stimulus": {"conn_probs_th": {"L4E": 2}}}"#, names: "stimulus.conn_probs_th.L4E")
        assertParameterError(#"{"neuron": {"tau_m": 0.5}}"#, names: "neuron.tau_syn")
        assertParameterError(#"{"network": {"n_scaling": 0.00001}}"#, names: "network.n_scaling")
        assertParameterError(#"{"network": {"k_scaling": 0.00000001}}"#, names: "network.k_scaling")
    }

    /// Values far outside the model's range are refused with the parameter named, never by a
    /// trap in a conversion to Int or a Poisson table that cannot hold its mean (found by
    /// setting every numeric parameter in turn to 1e300, 1e18, 1e9, 1e-300, 0 and -1).
    func testExtremeValuesAreRefusedWithoutTrapping() throws {
        assertParameterError(#"{"network": {"psp_exc_mean": 1e300}}"#, names: "network.psp_exc_mean")
        assertParameterError(#"{"neuron": {"tau_syn": 1e-300}}"#, names: "network.psp_exc_mean")
        assertParameterError(#"{"network": {"full_mean_rates": {"L4E": 1e300}}}"#, names: "network.full_mean_rates.L4E")
        assertParameterError(#"{"network": {"delay_poisson": 1e300}}"#, names: "network.delay_poisson")
        assertParameterError(#"{"network": {"bg_rate": 1e308}}"#, names: "network.bg_rate")
        assertParameterError(#"{"stimulus": {"dc_transient": true, "dc_transient_amp": 1e308}}"#, names: "stimulus.dc_transient_amp")
        assertParameterError(#"{"neuron": {"t_ref": 1e9}}"#, names: "neuron.t_ref")
        assertParameterError(#"{"stimulus": {"th_start": 1e300}}"#, names: "stimulus.th_start")
        assertParameterError(#"{"stimulus": {"th_generator_delay": 1e-300}}"#, names: "stimulus.th_generator_delay")
        assertParameterError(#"{"stimulus": {"num_th_neurons": 1000000000}}"#, names: "stimulus.num_th_neurons")
        // 1e9 spikes/s is 1e5 per step: the table of 256 counts would saturate silently.
        assertParameterError(#"{"stimulus": {"thalamic_input": true, "th_rate": 1e9}}"#, names: "stimulus.th_rate")
        XCTAssertNoThrow(try DerivedParameters(apply(#"{"stimulus": {"thalamic_input": false, "th_rate": 1e9}}"#)))
        let noThalamus = try DerivedParameters(apply(#"{"stimulus": {"thalamic_input": true, "num_th_neurons": 0}}"#))
        XCTAssertEqual(noThalamus.thalamicSynapseCounts, [Int](repeating: 0, count: Population.count))
        let wideDelays = try DerivedParameters(apply(#"{"network": {"delay_rel_std": 1e300}}"#))
        let widest = SynapseTable.maximumDelaySteps
        XCTAssertEqual(MemoryEstimate.ringSlotsBound(wideDelays), RingSlots(longestDelay: (widest, widest)))
    }

    func testSyntaxErrorsAreReported() {
        XCTAssertThrowsError(try JSONValue.parse(Data(#"{"network": {"n_scaling": 0.5,}}"#.utf8)))
        XCTAssertThrowsError(try JSONValue.parse(Data(#"{"a": 1, "a": 2}"#.utf8)))
    }
}
