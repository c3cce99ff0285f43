import Foundation

/// The figures of `microcircuit analyze`, as SVG: raster, rate box plot, and the
/// distributions of rates, CVs and correlations (optionally over a reference's).
public enum Figures {
    /// The reference's colours: excitatory and inhibitory populations.
    static let excitatory = "#595289"
    static let inhibitory = "#af143c"
    static func color(_ index: Int) -> String { index % 2 == 0 ? excitatory : inhibitory }

    /// Spike raster over `window`, populations top to bottom in the model's layer order;
    /// every `stride`-th neuron is drawn, as the reference thins large networks.
    public static func raster(_ data: SpikeData, window: ClosedRange<Double>, stride: Int) -> String {
        var canvas = SVGCanvas(width: 760, height: 560)
        let total = data.populations.reduce(0) { $0 + $1.neurons }
        let axes = Axes(left: 70, top: 36, width: 660, height: 470, x: window, y: 0...Double(max(1, total)))
        var offset = 0
        for (p, population) in data.populations.enumerated() {
            var d = ""
            for (neuron, time) in zip(population.neuron, population.time)
            where window.contains(time) && Int(neuron) % stride == 0 {
                let y = axes.py(Double(total - offset - Int(neuron)))
                d += "M\(f(axes.px(time))),\(f(y))h1.2"
            }
            if !d.isEmpty { canvas.path(d, stroke: color(p), width: 1.2) }
            let middle = axes.py(Double(total - offset) - Double(population.neurons) / 2)
            canvas.text(population.name, x: axes.left - 8, y: middle + 4, size: 11, anchor: "end", color: color(p))
            offset += population.neurons
            if offset < total { canvas.line(axes.left, axes.py(Double(total - offset)), axes.left + axes.width, axes.py(Double(total - offset)), color: "#bbbbbb", width: 0.6) }
        }
        axes.draw(on: &canvas, xLabel: "time (ms)", yLabel: nil,
                  title: "Spike raster" + (stride > 1 ? " (every \(stride)th neuron)" : ""), yTicks: false)
        return canvas.document
    }

    /// Box plot of single-neuron rates per population: box from the first to the third
    /// quartile, median line, whiskers to the most extreme rates within 1.5 box lengths,
    /// mean as a dot.
    public static func rateBoxPlot(_ stats: SpikeStatistics) -> String {
        var canvas = SVGCanvas(width: 640, height: 420)
        let maxRate = stats.populations.map { quantile($0.rates, 1) }.max() ?? 1
        let axes = Axes(left: 70, top: 36, width: 540, height: 330, x: 0...Double(stats.populations.count), y: 0...max(1, maxRate * 1.05))
        for (p, population) in stats.populations.enumerated() {
            let r = population.rates
            let q1 = quantile(r, 0.25), q2 = quantile(r, 0.5), q3 = quantile(r, 0.75)
            let low = max(quantile(r, 0), q1 - 1.5 * (q3 - q1)), high = min(quantile(r, 1), q3 + 1.5 * (q3 - q1))
            let centre = axes.px(Double(p) + 0.5), half = axes.width / Double(stats.populations.count) * 0.3
            canvas.line(centre, axes.py(low), centre, axes.py(q1), color: color(p))
            canvas.line(centre, axes.py(q3), centre, axes.py(high), color: color(p))
            canvas.line(centre - half / 2, axes.py(low), centre + half / 2, axes.py(low), color: color(p))
            canvas.line(centre - half / 2, axes.py(high), centre + half / 2, axes.py(high), color: color(p))
            canvas.rect(x: centre - half, y: axes.py(q3), width: 2 * half, height: max(0.5, axes.py(q1) - axes.py(q3)), fill: color(p), stroke: color(p), opacity: 0.35)
            canvas.line(centre - half, axes.py(q2), centre + half, axes.py(q2), color: "black", width: 1.5)
            canvas.rect(x: centre - 3, y: axes.py(r.mean) - 3, width: 6, height: 6, fill: "white", stroke: "black")
            canvas.text(population.name, x: centre, y: axes.top + axes.height + 16, size: 11, color: color(p))
        }
        axes.draw(on: &canvas, xLabel: nil, yLabel: "rate (spikes/s)", title: "Single-neuron rates", xTicks: false)
        return canvas.document
    }

    /// Histograms (probability density) of rates, ISI CVs and correlations per population;
    /// reference runs, when given, pooled and drawn in grey underneath.
    public static func distributions(_ runs: [SpikeStatistics], reference: [SpikeStatistics]) -> String {
        let statistics: [(String, String, (SpikeStatistics.PopulationStatistics) -> Distribution)] = [
            ("rate", "rate (spikes/s)", { $0.rates }), ("ISI CV", "CV", { $0.cvs }), ("correlation", "correlation coefficient", { $0.correlations }),
        ]
        let populations = runs[0].populations.count
        let panelWidth = 220.0, panelHeight = 110.0
        var canvas = SVGCanvas(width: 80 + 3 * (panelWidth + 40), height: 60 + Double(populations) * (panelHeight + 34))
        for (column, (name, unit, pick)) in statistics.enumerated() {
            for p in 0..<populations {
                let ours = Distribution.pooled(runs.map { pick($0.populations[p]) })
                let theirs = reference.isEmpty ? nil : Distribution.pooled(reference.map { pick($0.populations[p]) })
                var range = displayRange([ours] + (theirs.map { [$0] } ?? []))
                var bins = 40
                if column == 0 {
                    // Rates are multiples of 1 / window: bins of whole multiples avoid combs.
                    let quantum = 1000 / (runs[0].options.window.upperBound - runs[0].options.window.lowerBound)
                    let width = max(1, ((range.upperBound - range.lowerBound) / 40 / quantum).rounded(.up)) * quantum
                    bins = max(1, Int(((range.upperBound - range.lowerBound) / width).rounded(.up)) + 1)
                    range = range.lowerBound...(range.lowerBound + Double(bins) * width)
                }
                let oursDensity = density(ours, range: range, bins: bins)
                let theirDensity = theirs.map { density($0, range: range, bins: bins) }
                let top = max(oursDensity.max() ?? 0, theirDensity?.max() ?? 0)
                let axes = Axes(left: 80 + Double(column) * (panelWidth + 40), top: 40 + Double(p) * (panelHeight + 34),
                                width: panelWidth, height: panelHeight, x: range, y: 0...max(top * 1.1, 1e-9))
                if let theirDensity { canvas.path(stepPath(theirDensity, axes), stroke: "#999999", width: 3) }
                canvas.path(stepPath(oursDensity, axes), stroke: color(p), width: 1.5)
                axes.draw(on: &canvas, xLabel: p == populations - 1 ? unit : nil, yLabel: column == 0 ? "density" : nil,
                          title: "\(runs[0].populations[p].name) \(name)" + (ours.count == 0 ? " (no data)" : ""), yTicks: false)
            }
        }
        if !reference.isEmpty {
            canvas.text("colour: this run (\(runs.count)), grey: reference (\(reference.count))", x: canvas.width / 2, y: 16, size: 12)
        }
        return canvas.document
    }

    /// The q-quantile of binned values, at bin resolution (lower bin edges, where values on
    /// the grid lie exactly).
    static func quantile(_ d: Distribution, _ q: Double) -> Double {
        guard d.count > 0 else { return 0 }
        let target = q * Double(d.count - 1)
        var seen = 0
        for (i, n) in d.counts.enumerated() where n > 0 {
            seen += n
            if Double(seen) > target { return d.grid.lower + Double(i) * d.grid.width }
        }
        return d.grid.lower + Double(d.counts.count) * d.grid.width
    }

    static func displayRange(_ parts: [Distribution]) -> ClosedRange<Double> {
        let filled = parts.filter { $0.count > 0 }
        guard !filled.isEmpty else { return 0...1 }
        let low = filled.map { quantile($0, 0) }.min()!, high = filled.map { quantile($0, 0.995) }.max()!
        return high > low ? low...high : (low - 0.5)...(low + 0.5)
    }

    static func density(_ d: Distribution, range: ClosedRange<Double>, bins: Int) -> [Double] {
        var counts = [Double](repeating: 0, count: bins)
        guard d.count > 0 else { return counts }
        let width = (range.upperBound - range.lowerBound) / Double(bins)
        for (i, n) in d.counts.enumerated() where n > 0 {
            let value = d.grid.lower + Double(i) * d.grid.width
            let b = Int(((value - range.lowerBound) / width + 1e-9).rounded(.down))
            if b >= 0 && b < bins { counts[b] += Double(n) } else if b == bins { counts[bins - 1] += Double(n) }
        }
        return counts.map { $0 / (Double(d.count) * width) }
    }

    static func stepPath(_ values: [Double], _ axes: Axes) -> String {
        let width = (axes.x.upperBound - axes.x.lowerBound) / Double(values.count)
        var d = "M\(f(axes.px(axes.x.lowerBound))),\(f(axes.py(0)))"
        for (i, v) in values.enumerated() {
            let x0 = axes.x.lowerBound + Double(i) * width
            d += "L\(f(axes.px(x0))),\(f(axes.py(v)))L\(f(axes.px(x0 + width))),\(f(axes.py(v)))"
        }
        return d + "L\(f(axes.px(axes.x.upperBound))),\(f(axes.py(0)))"
    }
}
