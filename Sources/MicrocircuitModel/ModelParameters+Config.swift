import Foundation

/// One named, documented entry of a configuration section: how it prints and how a config
/// file sets it. Each parameter is declared exactly once, in the tables below.
struct ConfigField<Root>: Sendable {
    let key: String
    let encode: @Sendable (Root) -> JSONValue
    let decode: @Sendable (inout Root, JSONValue, _ path: String) throws -> Void
}

extension ConfigField {
    static func number(_ key: String, _ path: WritableKeyPath<Root, Double> & Sendable) -> ConfigField {
        ConfigField(key: key, encode: { .number($0[keyPath: path]) }) { root, value, name in
            root[keyPath: path] = try value.number(name)
        }
    }

    static func integer(_ key: String, _ path: WritableKeyPath<Root, Int> & Sendable) -> ConfigField {
        ConfigField(key: key, encode: { .number(Double($0[keyPath: path])) }) { root, value, name in
            root[keyPath: path] = try value.integer(name)
        }
    }

    static func seed(_ key: String, _ path: WritableKeyPath<Root, UInt32> & Sendable) -> ConfigField {
        ConfigField(key: key, encode: { .number(Double($0[keyPath: path])) }) { root, value, name in
            let seed = try value.integer(name)
            guard let narrowed = UInt32(exactly: seed) else {
                throw ParameterError(parameter: name, message: "must be an integer in [0, \(UInt32.max)], got \(seed)")
            }
            root[keyPath: path] = narrowed
        }
    }

    static func flag(_ key: String, _ path: WritableKeyPath<Root, Bool> & Sendable) -> ConfigField {
        ConfigField(key: key, encode: { .bool($0[keyPath: path]) }) { root, value, name in
            guard case let .bool(flag) = value else {
                throw ParameterError(parameter: name, message: "must be true or false")
            }
            root[keyPath: path] = flag
        }
    }

    static func choice<E: RawRepresentable & CaseIterable & Sendable>(_ key: String, _ path: WritableKeyPath<Root, E> & Sendable) -> ConfigField
    where E.RawValue == String {
        ConfigField(key: key, encode: { .string($0[keyPath: path].rawValue) }) { root, value, name in
            guard case let .string(text) = value, let choice = E(rawValue: text) else {
                let allowed = E.allCases.map(\.rawValue).joined(separator: ", ")
                throw ParameterError(parameter: name, message: "must be one of \(allowed)")
            }
            root[keyPath: path] = choice
        }
    }

    /// A per-population table, written as `{"L23E": value, ...}`; a file may set any subset.
    static func perPopulation(_ key: String, _ path: WritableKeyPath<Root, [Double]> & Sendable) -> ConfigField {
        ConfigField(key: key, encode: { root in
            .object(zip(Population.names, root[keyPath: path]).map { ($0, .number($1)) })
        }) { root, value, name in
            for (population, entry) in try value.populationMembers(name) {
                root[keyPath: path][population.rawValue] = try entry.number("\(name).\(population.name)")
            }
        }
    }

    static func perPopulationInteger(_ key: String, _ path: WritableKeyPath<Root, [Int]> & Sendable) -> ConfigField {
        ConfigField(key: key, encode: { root in
            .object(zip(Population.names, root[keyPath: path]).map { ($0, .number(Double($1))) })
        }) { root, value, name in
            for (population, entry) in try value.populationMembers(name) {
                root[keyPath: path][population.rawValue] = try entry.integer("\(name).\(population.name)")
            }
        }
    }

    /// A `[target][source]` matrix, written as `{"target": {"source": value}}`.
    static func matrix(_ key: String, _ path: WritableKeyPath<Root, [[Double]]> & Sendable) -> ConfigField {
        ConfigField(key: key, encode: { root in
            .object(zip(Population.names, root[keyPath: path]).map { target, row in
                (target, .object(zip(Population.names, row).map { ($0, .number($1)) }))
            })
        }) { root, value, name in
            for (target, row) in try value.populationMembers(name) {
                for (source, entry) in try row.populationMembers("\(name).\(target.name)") {
                    root[keyPath: path][target.rawValue][source.rawValue] =
                        try entry.number("\(name).\(target.name).\(source.name)")
                }
            }
        }
    }
}

extension JSONValue {
    func number(_ name: String) throws -> Double {
        guard case let .number(x) = self else { throw ParameterError(parameter: name, message: "must be a number") }
        return x
    }

    func integer(_ name: String) throws -> Int {
        guard let x = wholeNumber else { throw ParameterError(parameter: name, message: "must be a whole number") }
        return x
    }

    func populationMembers(_ name: String) throws -> [(Population, JSONValue)] {
        guard case let .object(members) = self else {
            throw ParameterError(parameter: name, message: "must be an object keyed by population name")
        }
        return try members.map { key, value in
            do {
                return (try Population(name: key), value)
            } catch let error as ParameterError {
                throw ParameterError(parameter: "\(name).\(key)", message: error.message)
            }
        }
    }
}

/// Applies the members of one section object to a value, rejecting unknown keys.
private func apply<Root>(_ fields: [ConfigField<Root>], _ value: JSONValue, to root: inout Root, section: String) throws {
    guard case let .object(members) = value else {
        throw ParameterError(parameter: section, message: "must be an object")
    }
    for (key, entry) in members {
        guard let field = fields.first(where: { $0.key == key }) else {
            let known = fields.map(\.key).joined(separator: ", ")
            throw ParameterError(parameter: "\(section).\(key)", message: "unknown key; the keys of '\(section)' are \(known)")
        }
        try field.decode(&root, entry, "\(section).\(key)")
    }
}

private func encode<Root>(_ fields: [ConfigField<Root>], _ root: Root) -> JSONValue {
    .object(fields.map { ($0.key, $0.encode(root)) })
}

extension NetworkParameters {
    static let fields: [ConfigField<NetworkParameters>] = [
        .number("n_scaling", \.nScaling),
        .number("k_scaling", \.kScaling),
        .perPopulationInteger("full_num_neurons", \.fullNeuronCounts),
        .perPopulation("full_mean_rates", \.fullMeanRates),
        .matrix("conn_probs", \.connectionProbabilities),
        .number("psp_exc_mean", \.pspExcitatoryMean),
        .number("psp_l4e_to_l23e_factor", \.pspL4EToL23EFactor),
        .number("g", \.g),
        .number("weight_rel_std", \.weightRelativeStd),
        .number("delay_exc_mean", \.delayExcitatoryMean),
        .number("delay_inh_mean", \.delayInhibitoryMean),
        .number("delay_rel_std", \.delayRelativeStd),
        .choice("bg_input_type", \.backgroundInput),
        .perPopulationInteger("k_ext", \.externalIndegrees),
        .number("bg_rate", \.backgroundRate),
        .number("delay_poisson", \.delayPoisson),
        .choice("v0_type", \.initialPotential),
        .perPopulation("v0_optimized_mean", \.v0OptimizedMean),
        .perPopulation("v0_optimized_std", \.v0OptimizedStd),
        .number("v0_original_mean", \.v0OriginalMean),
        .number("v0_original_std", \.v0OriginalStd),
    ]
}

extension NeuronParameters {
    static let fields: [ConfigField<NeuronParameters>] = [
        .number("E_L", \.eL), .number("V_th", \.vTh), .number("V_reset", \.vReset),
        .number("C_m", \.cM), .number("tau_m", \.tauM), .number("tau_syn", \.tauSyn),
        .number("t_ref", \.tRef),
    ]
}

extension StimulusParameters {
    static let fields: [ConfigField<StimulusParameters>] = [
        .flag("thalamic_input", \.thalamicInput),
        .number("th_start", \.thalamicStart),
        .number("th_duration", \.thalamicDuration),
        .number("th_rate", \.thalamicRate),
        .integer("num_th_neurons", \.thalamicNeurons),
        .perPopulation("conn_probs_th", \.thalamicConnectionProbabilities),
        .number("psp_th", \.pspThalamic),
        .number("delay_th_mean", \.thalamicDelayMean),
        .number("delay_th_rel_std", \.thalamicDelayRelativeStd),
        .number("th_generator_delay", \.thalamicGeneratorDelay),
        .flag("dc_transient", \.dcTransient),
        .number("dc_transient_start", \.dcTransientStart),
        .number("dc_transient_dur", \.dcTransientDuration),
        .number("dc_transient_amp", \.dcTransientAmplitude),
        .number("dc_transient_delay", \.dcTransientDelay),
    ]
}

extension SimulationParameters {
    static let fields: [ConfigField<SimulationParameters>] = [
        .number("t_presim", \.tPresim),
        .number("t_sim", \.tSim),
        .number("sim_resolution", \.resolution),
        .seed("rng_seed", \.seed),
        .flag("record_voltage", \.recordVoltage),
        .number("rec_V_int", \.voltageInterval),
    ]
}

extension ModelParameters {
    /// The configuration as a JSON object with sections `network`, `neuron`, `stimulus` and
    /// `simulation`; `apply(config:)` reads the same form back.
    public var configuration: JSONValue {
        .object([
            ("network", encode(NetworkParameters.fields, network)),
            ("neuron", encode(NeuronParameters.fields, neuron)),
            ("stimulus", encode(StimulusParameters.fields, stimulus)),
            ("simulation", encode(SimulationParameters.fields, simulation)),
        ])
    }

    /// Overrides the parameters that `config` names. Unknown sections, keys and population
    /// names are errors. Validation of the values is separate (`validate()`).
    public mutating func apply(config: JSONValue) throws {
        guard case let .object(sections) = config else {
            throw ParameterError(parameter: "config", message: "the top level must be an object with sections network, neuron, stimulus, simulation")
        }
        for (section, value) in sections {
            switch section {
            case "network": try MicrocircuitModel.apply(NetworkParameters.fields, value, to: &network, section: section)
            case "neuron": try MicrocircuitModel.apply(NeuronParameters.fields, value, to: &neuron, section: section)
            case "stimulus": try MicrocircuitModel.apply(StimulusParameters.fields, value, to: &stimulus, section: section)
            case "simulation": try MicrocircuitModel.apply(SimulationParameters.fields, value, to: &simulation, section: section)
            default:
                throw ParameterError(parameter: section, message: "unknown section; the sections are network, neuron, stimulus, simulation")
            }
        }
    }

    /// Reads a JSON configuration file and applies it.
    public mutating func apply(configFile path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ParameterError(parameter: "--config", message: "cannot read '\(path)'")
        }
        let document: JSONValue
        do {
            document = try JSONValue.parse(data)
        } catch let error as JSONSyntaxError {
            throw ParameterError(parameter: "--config", message: "'\(path)': \(error)")
        }
        try apply(config: document)
    }
}
