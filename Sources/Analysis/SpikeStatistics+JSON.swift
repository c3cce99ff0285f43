import MicrocircuitModel

extension SpikeStatistics {
    /// `analysis.json`: the options, and per population the summaries, the three
    /// distributions and the PSTH.
    public var json: JSONValue {
        .object([
            ("window_ms", .array([.number(options.window.lowerBound), .number(options.window.upperBound)])),
            ("correlation_neurons", .number(Double(options.correlationNeurons))),
            ("correlation_bin_ms", .number(options.correlationBin)),
            ("psth_bin_ms", .number(options.psthBin)),
            ("subsample_seed", .number(Double(options.seed))),
            ("notes", .string("rates include silent neurons; CVs only for neurons with at least 3 spikes in the window; correlations only for pairs of non-silent neurons of the subsample")),
            ("populations", .array(populations.map { p in
                .object([
                    ("name", .string(p.name)),
                    ("neurons", .number(Double(p.neurons))),
                    ("rate_mean_hz", .number(p.rates.mean)),
                    ("rate_std_hz", .number(p.rates.standardDeviation)),
                    ("silent_fraction", .number(Double(p.silent) / Double(max(1, p.neurons)))),
                    ("cv_mean", p.cvs.count > 0 ? .number(p.cvs.mean) : .null),
                    ("cv_neurons", .number(Double(p.cvs.count))),
                    ("correlation_mean", p.correlations.count > 0 ? .number(p.correlations.mean) : .null),
                    ("correlation_pairs", .number(Double(p.correlations.count))),
                    ("rates", p.rates.json),
                    ("cvs", p.cvs.json),
                    ("correlations", p.correlations.json),
                    ("psth_hz", .array(p.psth.map { .number($0) })),
                ])
            })),
        ])
    }

    public init(json: JSONValue) throws {
        guard case let .array(window)? = json["window_ms"], window.count == 2,
              case let .number(begin) = window[0], case let .number(end) = window[1],
              case let .array(populations)? = json["populations"] else {
            throw OutputError(description: "not a statistics document (analysis.json)")
        }
        var options = Options(window: begin...end)
        if case let .number(n)? = json["correlation_neurons"] { options.correlationNeurons = Int(n) }
        if case let .number(b)? = json["correlation_bin_ms"] { options.correlationBin = b }
        if case let .number(b)? = json["psth_bin_ms"] { options.psthBin = b }
        self.options = options
        self.populations = try populations.map { p in
            guard case let .string(name)? = p["name"], case let .number(neurons)? = p["neurons"],
                  let rates = p["rates"], let cvs = p["cvs"], let correlations = p["correlations"] else {
                throw OutputError(description: "malformed population in a statistics document")
            }
            var psth: [Double] = []
            if case let .array(values)? = p["psth_hz"] {
                psth = values.compactMap { if case let .number(x) = $0 { return x } else { return nil } }
            }
            var silent = 0
            if case let .number(fraction)? = p["silent_fraction"] { silent = Int((fraction * neurons).rounded()) }
            return PopulationStatistics(
                name: name, neurons: Int(neurons), silent: silent, rates: try Distribution(json: rates), cvs: try Distribution(json: cvs),
                correlations: try Distribution(json: correlations), psth: psth)
        }
    }
}
