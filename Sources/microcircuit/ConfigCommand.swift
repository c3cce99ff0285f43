import ArgumentParser
import Connectivity
import MicrocircuitModel

/// `microcircuit config`: the resolved parameters and everything derived from them.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Print the resolved configuration and the derived quantities as JSON.")

    @OptionGroup var model: ModelOptions

    @Flag(name: .customLong("parameters-only"), help: "Print only the parameters, in the form --config reads.")
    var parametersOnly = false

    func run() throws {
        let derived = try model.resolve()
        modelWarnings(derived).forEach(report)
        if parametersOnly {
            print(derived.parameters.configuration.serialized(), terminator: "")
            return
        }
        let estimate = MemoryEstimate(derived)
        let document = JSONValue.object([
            ("parameters", derived.parameters.configuration),
            ("derived", derived.json),
            ("estimated_memory_bytes", .object([
                ("synapse_table", .number(Double(estimate.synapseTable))),
                ("construction", .number(Double(estimate.construction))),
                ("simulation_state", .number(Double(estimate.simulationState))),
                ("recording", .number(Double(estimate.recording))),
                ("total", .number(Double(estimate.total))),
            ])),
        ])
        print(document.serialized(), terminator: "")
    }
}
