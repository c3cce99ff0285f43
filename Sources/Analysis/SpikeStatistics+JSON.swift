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
              let begin = window[0].finiteNumber, let end = window[1].finiteNumber, begin < end,
              case let .array(populations)? = json["populations"] else {
            throw OutputError(description: "not a statistics document (analysis.json) with a window from begin to a later end")
        }
        var options = Options(window: begin...end)
        if let n = json["correlation_neurons"]?.wholeNumber { options.correlationNeurons = n }
        if let b = json["correlation_bin_ms"]?.finiteNumber { options.correlationBin = b }
        if let b = json["psth_bin_ms"]?.finiteNumber { options.psthBin = b }
        self.options = options
        self.populations = try populations.map { p in
            guard case let .string(name)? = p["name"], let neurons = p["neurons"]?.wholeNumber, neurons >= 0,
                  let rates = p["rates"], let cvs = p["cvs"], let correlations = p["correlations"] else {
                throw OutputError(description: "malformed population in a statistics document")
            }
            var psth: [Double] = []
            if case let .array(values)? = p["psth_hz"] { psth = values.compactMap(\.finiteNumber) }
            var silent = 0
            if let fraction = p["silent_fraction"]?.finiteNumber, (0...1).contains(fraction) {
                silent = Int((fraction * Double(neurons)).rounded())
            }
            // Distributions compare bin by bin, so only on the grids this version writes.
            let distributions = try zip([rates, cvs, correlations], [Distribution.Grid.rate, .cv, .correlation]).map { json, grid in
                let distribution = try Distribution(json: json)
                guard distribution.grid == grid else {
                    throw OutputError(description: "a statistics document's distributions for \(name) are not on this version's grids (lower \(grid.lower), width \(grid.width), \(grid.bins) bins); analyse its run again")
                }
                return distribution
            }
            return PopulationStatistics(
                name: name, neurons: neurons, silent: silent, rates: distributions[0], cvs: distributions[1],
                correlations: distributions[2], psth: psth)
        }
    }
}
