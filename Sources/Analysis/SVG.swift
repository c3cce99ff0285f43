import Foundation

/// A minimal SVG writer for the figures: text, lines, rectangles, paths, and axes with
/// linear scales and readable ticks.
struct SVGCanvas {
    let width: Double
    let height: Double
    private(set) var elements: [String] = []

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
        elements.append("<rect x=\"0\" y=\"0\" width=\"\(width)\" height=\"\(height)\" fill=\"white\"/>")
    }

    mutating func text(_ s: String, x: Double, y: Double, size: Double = 12, anchor: String = "middle",
                       rotate: Bool = false, weight: String = "normal", color: String = "black") {
        let transform = rotate ? " transform=\"rotate(-90 \(f(x)) \(f(y)))\"" : ""
        elements.append("<text x=\"\(f(x))\" y=\"\(f(y))\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"\(f(size))\" font-weight=\"\(weight)\" fill=\"\(color)\" text-anchor=\"\(anchor)\"\(transform)>\(escape(s))</text>")
    }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, color: String = "black", width: Double = 1, dash: String? = nil) {
        let dashed = dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
        elements.append("<line x1=\"\(f(x1))\" y1=\"\(f(y1))\" x2=\"\(f(x2))\" y2=\"\(f(y2))\" stroke=\"\(color)\" stroke-width=\"\(f(width))\"\(dashed)/>")
    }

    mutating func rect(x: Double, y: Double, width w: Double, height h: Double, fill: String, stroke: String = "none", opacity: Double = 1) {
        elements.append("<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(w))\" height=\"\(f(h))\" fill=\"\(fill)\" stroke=\"\(stroke)\" fill-opacity=\"\(f(opacity))\"/>")
    }

    mutating func path(_ d: String, stroke: String, width: Double = 1, fill: String = "none") {
        elements.append("<path d=\"\(d)\" stroke=\"\(stroke)\" stroke-width=\"\(f(width))\" fill=\"\(fill)\"/>")
    }

    var document: String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(height))\" viewBox=\"0 0 \(f(width)) \(f(height))\">\n"
            + elements.joined(separator: "\n") + "\n</svg>\n"
    }

    private func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}

func f(_ x: Double) -> String {
    if x == x.rounded() && abs(x) < 1e9 { return String(Int(x)) }
    return String(format: "%.2f", x)
}

/// A plotting area inside a canvas with linear x and y scales.
struct Axes {
    var left: Double, top: Double, width: Double, height: Double
    var x: ClosedRange<Double>
    var y: ClosedRange<Double>

    func px(_ value: Double) -> Double { left + (value - x.lowerBound) / (x.upperBound - x.lowerBound) * width }
    func py(_ value: Double) -> Double { top + height - (value - y.lowerBound) / (y.upperBound - y.lowerBound) * height }

    /// Frame, ticks with labels, axis labels and an optional title.
    func draw(on canvas: inout SVGCanvas, xLabel: String?, yLabel: String?, title: String? = nil, xTicks: Bool = true, yTicks: Bool = true) {
        canvas.rect(x: left, y: top, width: width, height: height, fill: "none", stroke: "black")
        if xTicks {
            for t in niceTicks(x) {
                canvas.line(px(t), top + height, px(t), top + height + 4)
                canvas.text(tickLabel(t), x: px(t), y: top + height + 16, size: 10)
            }
        }
        if yTicks {
            for t in niceTicks(y) {
                canvas.line(left - 4, py(t), left, py(t))
                canvas.text(tickLabel(t), x: left - 6, y: py(t) + 3.5, size: 10, anchor: "end")
            }
        }
        if let xLabel { canvas.text(xLabel, x: left + width / 2, y: top + height + 32, size: 11) }
        if let yLabel { canvas.text(yLabel, x: left - 38, y: top + height / 2, size: 11, rotate: true) }
        if let title { canvas.text(title, x: left + width / 2, y: top - 6, size: 12, weight: "bold") }
    }
}

/// About five round-numbered ticks inside `range`.
func niceTicks(_ range: ClosedRange<Double>, count: Int = 5) -> [Double] {
    let span = range.upperBound - range.lowerBound
    guard span > 0 else { return [range.lowerBound] }
    let raw = span / Double(count)
    let magnitude = pow(10, (log10(raw)).rounded(.down))
    let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
    var ticks: [Double] = []
    var t = (range.lowerBound / step).rounded(.up) * step
    while t <= range.upperBound + step * 1e-9 {
        ticks.append(abs(t) < step * 1e-9 ? 0 : t)
        t += step
    }
    return ticks
}

func tickLabel(_ t: Double) -> String {
    if t == t.rounded() && abs(t) < 1e6 { return String(Int(t)) }
    var s = String(format: "%.3f", t)
    while s.hasSuffix("0") { s.removeLast() }
    return s
}
