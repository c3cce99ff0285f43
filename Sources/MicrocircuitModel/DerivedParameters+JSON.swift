import Foundation

extension DerivedParameters {
    /// The derived quantities, for `microcircuit config` (informational; not read back).
    public var json: JSONValue {
        func perPopulation(_ values: [Double]) -> JSONValue {
            .object(zip(Population.names, values).map { ($0, .number($1)) })
        }
        func matrix(_ rows: [[Double]]) -> JSONValue {
            .object(zip(Population.names, rows).map { ($0, perPopulation($1)) })
        }
        let net = parameters.network
        let meanDelaySteps = (0..<Population.count).map { source -> Double in
            let mean = Population(rawValue: source)!.isExcitatory ? net.delayExcitatoryMean : net.delayInhibitoryMean
            return mean / resolution
        }
        return .object([
            ("neurons", perPopulation(neuronCounts.map(Double.init))),
            ("neurons_total", .number(Double(totalNeurons))),
            ("first_node_id", perPopulation(firstNeuron.map { Double($0 + 1) })),
            ("synapses", matrix(synapseCounts.map { $0.map(Double.init) })),
            ("synapses_total", .number(Double(totalSynapses))),
            ("psc_over_psp_pA_per_mV", .number(pscOverPsp)),
            ("mean_weights_pA", matrix(meanWeights)),
            ("external_weight_pA", .number(externalWeight)),
            ("k_ext_scaled", perPopulation(externalIndegrees.map(Double.init))),
            ("I_e_pA", perPopulation(dcAmplitudes)),
            ("rheobase_pA", .number(rheobase)),
            ("below_rheobase", .array(belowRheobase.map { .string($0.name) })),
            ("mean_delay_steps_by_source", perPopulation(meanDelaySteps)),
            ("minimum_delay_steps", .number(1)),
            ("thalamic_synapses", perPopulation(thalamicSynapseCounts.map(Double.init))),
            ("thalamic_weight_pA", .number(thalamicWeight)),
            ("dc_transient_pA", perPopulation(dcTransientAmplitudes)),
            ("propagators", .object([
                ("P22", .number(propagators.p22)), ("P11", .number(propagators.p11)),
                ("P21", .number(propagators.p21)), ("P20", .number(propagators.p20)),
            ])),
            ("steps", .object([
                ("presimulation", .number(Double(schedule.presimulation))),
                ("simulation", .number(Double(schedule.simulation))),
                ("refractory", .number(Double(schedule.refractory))),
                ("first_background_step", .number(Double(schedule.firstBackgroundStep))),
                ("thalamic_spike_steps", .array([.number(Double(schedule.thalamicSpikeSteps.lowerBound)), .number(Double(schedule.thalamicSpikeSteps.upperBound))])),
                ("dc_transient_steps", .array([.number(Double(schedule.dcTransientSteps.lowerBound)), .number(Double(schedule.dcTransientSteps.upperBound))])),
            ])),
            ("background_poisson_lambda_per_step", perPopulation(backgroundPoisson.map(\.lambda))),
            ("fixed_point_weight_unit_pA", .number(FixedPointWeight.picoamperePerUnit)),
        ])
    }
}
