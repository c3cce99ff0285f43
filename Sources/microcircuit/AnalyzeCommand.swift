import Analysis
import ArgumentParser
import Foundation

/// The analysis options shared by `analyze` and `compare`.
struct AnalysisOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Start of the analysis window (ms); default: t_presim from the folder's metadata.")
    var begin: Double?

    @Option(parsing: .unconditional, help: "End of the analysis window (ms); default: t_presim + t_sim.")
    var end: Double?

    @Option(name: .customLong("correlation-neurons"), parsing: .unconditional, help: "Neurons per population sampled for correlations.")
    var correlationNeurons = 200

    @Option(name: .customLong("sample-seed"), parsing: .unconditional, help: "Seed of the correlation subsample, 0 ... 4294967295.")
    var sampleSeed = 1

    /// Ten thousand biological seconds, two million PSTH bins.
    static let longestWindow = 1e7

    func options(for data: SpikeData, path: String) throws -> SpikeStatistics.Options {
        guard let lower = begin ?? data.window?.lowerBound, let upper = end ?? data.window?.upperBound else {
            throw CommandFailure(message: "'\(path)' does not say its simulation window (no summary.json or sim_dict.json with t_presim and t_sim readable); pass --begin and --end", status: 2)
        }
        for (name, value) in [("--begin", lower), ("--end", upper)] where !value.isFinite {
            throw CommandFailure(message: "invalid parameter '\(name)': must be a finite number of ms, got \(value)", status: 2)
        }
        guard lower >= 0 else {
            throw CommandFailure(message: "invalid parameter '--begin': must be at least 0 ms (the run starts at 0), got \(lower)", status: 2)
        }
        // Beyond the run's end a window would count silence that was never simulated (the
        // tolerance absorbs the rounding of t_presim + t_sim).
        if let run = data.window, upper - run.upperBound > 1e-9 * max(1, run.upperBound) {
            throw CommandFailure(message: "invalid parameter '--end': the run in '\(path)' ends at \(run.upperBound) ms (t_presim + t_sim), got \(upper)", status: 2)
        }
        guard upper > lower else {
            throw CommandFailure(message: "invalid parameter '--end': must be after --begin (\(lower) ms), got \(upper)", status: 2)
        }
        // The PSTH has a bin per 5 ms of the window.
        guard upper - lower <= Self.longestWindow else {
            throw CommandFailure(message: "invalid parameter '--end': the window may be at most \(Int(Self.longestWindow)) ms long, got \(upper - lower) ms", status: 2)
        }
        guard correlationNeurons >= 2 else {
            throw CommandFailure(message: "invalid parameter '--correlation-neurons': must be at least 2", status: 2)
        }
        var options = SpikeStatistics.Options(window: lower...upper)
        options.correlationNeurons = correlationNeurons
        guard let seed = UInt32(exactly: sampleSeed) else {
            throw CommandFailure(message: "invalid parameter '--sample-seed': must be in [0, \(UInt32.max)], got \(sampleSeed)", status: 2)
        }
        options.seed = seed
        return options
    }
}

/// `microcircuit analyze DIR`: statistics and figures of one output folder (ours or NEST's).
struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Rates, ISI CVs, correlations and PSTH per population, into analysis.json and SVG figures.")

    @Argument(help: "Output folder of `microcircuit run` or of the reference (NEST).")
    var folder: String

    @OptionGroup var analysis: AnalysisOptions

    @Option(help: "Where to write analysis.json and the figures (default: the folder itself).")
    var output: String?

    @Option(parsing: .upToNextOption, help: "Reference runs to overlay (folders or statistics files).")
    var reference: [String] = []

    @Option(name: .customLong("raster-window"), help: "Raster window as BEGIN:END in ms (the stimulus window by default).")
    var rasterWindow = "600:800"

    func run() throws {
        let data = try failing { try SpikeData(folder: folder) }
        let options = try analysis.options(for: data, path: folder)
        let statistics = SpikeStatistics(data, options: options)
        let references = try failing {
            try reference.flatMap { try StatisticsFile.load($0, options: { try analysis.options(for: $0, path: folder) }) }
        }
        let parts = rasterWindow.split(separator: ":").compactMap { Double($0) }
        guard parts.count == 2, parts[1] > parts[0] else {
            throw CommandFailure(message: "invalid parameter '--raster-window': expected BEGIN:END in ms, got '\(rasterWindow)'", status: 2)
        }
        let neurons = data.populations.reduce(0) { $0 + $1.neurons }
        // As the reference: every neuron up to scale 0.2, then every (10 x scale)-th.
        let stride = max(1, Int(10 * Double(neurons) / 77169))
        let target = output ?? folder
        try failing {
            do {
                try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
            } catch {
                throw CommandFailure(message: "cannot create the output folder '\(target)': \(error.localizedDescription)", status: 1)
            }
            let files: [(String, String)] = [
                ("analysis.json", statistics.json.serialized()),
                ("raster.svg", Figures.raster(data, window: parts[0]...parts[1], stride: stride > 2 ? stride : 1)),
                ("rates_boxplot.svg", Figures.rateBoxPlot(statistics)),
                ("distributions.svg", Figures.distributions([statistics], reference: references)),
            ]
            for (name, text) in files {
                try StatisticsFile.writeAtomically(Array(text.utf8), to: target + "/" + name)
                if name.hasSuffix(".svg") { convertToPNG(target + "/" + name) }
            }
        }
        print(String(format: "window [%.1f, %.1f] ms; correlations over up to %d neurons per population", options.window.lowerBound, options.window.upperBound, options.correlationNeurons))
        print("population  rate mean  rate std   CV mean (n)        corr mean (pairs)")
        for p in statistics.populations {
            print(p.name.padding(toLength: 10, withPad: " ", startingAt: 0)
                + String(format: " %9.3f %9.3f %9.3f (%5d) %12.4f (%6d)", p.rates.mean, p.rates.standardDeviation,
                         p.cvs.count > 0 ? p.cvs.mean : .nan, p.cvs.count, p.correlations.count > 0 ? p.correlations.mean : .nan, p.correlations.count))
        }
        print("wrote analysis.json, raster.svg, rates_boxplot.svg, distributions.svg to \(target)")
    }
}

/// Writes a PNG beside an SVG when `rsvg-convert` is on the PATH; silently skips otherwise.
func convertToPNG(_ svg: String) {
    let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
    guard let tool = paths.map({ "\($0)/rsvg-convert" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { return }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: tool)
    process.arguments = ["-o", String(svg.dropLast(4)) + ".png", svg]
    try? process.run()
    process.waitUntilExit()
}

/// `microcircuit compare RUN... --reference REF...`: KS distances against the reference's own
/// seed-to-seed spread; exit status 1 when any population and statistic lies outside.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare runs with reference runs (KS and EMD per population and statistic).",
        discussion: """
            A row (population and statistic) is inside when the mean KS distance between the runs \
            and the reference runs is at most the largest KS distance between two reference runs. \
            The comparison passes when no more rows are outside than for any reference run judged \
            the same way against the other reference runs. Exit status 1 when it fails. With n \
            reference runs, a run of the same model fails with probability of at most about \
            1/(n+1): judge a failure by several seeds.
            """)

    @Argument(help: "Runs: output folders or statistics files.")
    var runs: [String]

    @Option(parsing: .upToNextOption, help: "Reference runs: folders, analysis.json files, or a reference document.")
    var reference: [String]

    @OptionGroup var analysis: AnalysisOptions

    func run() throws {
        func load(_ paths: [String]) throws -> [SpikeStatistics] {
            try failing { try paths.flatMap { path in try StatisticsFile.load(path, options: { try analysis.options(for: $0, path: path) }) } }
        }
        let ours = try load(runs), theirs = try load(reference)
        let comparison = try failing { try ValidationComparison(runs: ours, references: theirs) }
        comparison.caveats.forEach { report("warning: " + $0) }
        print("\(ours.count) run(s) against \(theirs.count) reference run(s)")
        print(comparison.table)
        if !comparison.passes { throw ExitCode(1) }
    }
}
