import MicrocircuitModel
import Simulation

/// The reference's file layout, read unchanged by its `microcircuit.helpers`: NEST node ids
/// start at 1 with the neurons in population order; the spike recorders follow (ids
/// N + 1 ... N + 8), then the voltmeters; ASCII files have three header lines.
public enum NESTFormat {
    public static let spikeRecorderLabel = "spike_recorder"
    public static let voltmeterLabel = "voltmeter"

    /// First and last node id of each population, one line each; ours and the reference's
    /// output folders both have it.
    public static let populationNodeIDsFileName = "population_nodeids.dat"

    public static func populationNodeIDs(_ derived: DerivedParameters) -> String {
        (0..<Population.count).map { p in
            "\(derived.firstNeuron[p] + 1) \(derived.firstNeuron[p] + derived.neuronCounts[p])\n"
        }.joined()
    }

    public static func spikeRecorderFileName(population: Int, derived: DerivedParameters) -> String {
        "\(spikeRecorderLabel)-\(derived.totalNeurons + 1 + population)-0.dat"
    }

    public static func voltmeterFileName(population: Int, derived: DerivedParameters) -> String {
        "\(voltmeterLabel)-\(derived.totalNeurons + 1 + Population.count + population)-0.dat"
    }

    static func header(_ columns: String, version: String) -> [UInt8] {
        Array("# microcircuit version: \(version)\n# RecordingBackendASCII version: 2\n\(columns)\n".utf8)
    }

    /// The first lines of a spike-recorder file; `sender<TAB>time_ms` rows follow, in
    /// canonical order.
    public static func spikeRecorderHeader(version: String) -> [UInt8] {
        header("sender\ttime_ms", version: version)
    }

    /// The row of neuron `neuron`'s (0-based) spike in step `step`.
    public static func appendSpikeRow(step: Int, neuron: Int, resolution: Double, to sink: inout some ByteSink) {
        sink.appendInteger(neuron + 1)
        sink.append(UInt8(ascii: "\t"))
        appendMilliseconds(Double(step + 1) * resolution, to: &sink)
        sink.append(UInt8(ascii: "\n"))
    }

    /// The first lines of a voltmeter file; `sender<TAB>time_ms<TAB>V_m` rows follow.
    public static func voltmeterHeader(version: String) -> [UInt8] {
        header("sender\ttime_ms\tV_m", version: version)
    }

    /// The voltmeter's rows (`sender<TAB>time_ms<TAB>V_m`) of `neurons`, in order, from the
    /// sample of every neuron's potential taken after `step`.
    public static func appendVoltmeterRows(_ neurons: Range<Int>, of sample: [Double], step: Int, resolution: Double, to sink: inout some ByteSink) {
        var time: [UInt8] = []
        appendMilliseconds(Double(step + 1) * resolution, to: &time)
        // Through buffer pointers: the arrays' reference counting per row took a seventh of
        // the time.
        time.withUnsafeBufferPointer { time in
            sample.withUnsafeBufferPointer { potentials in
                for i in neurons {
                    sink.appendInteger(i + 1)
                    sink.append(UInt8(ascii: "\t"))
                    sink.append(contentsOf: time)
                    sink.append(UInt8(ascii: "\t"))
                    sink.appendShortest(potentials[i])
                    sink.append(UInt8(ascii: "\n"))
                }
            }
        }
    }

    /// Time with three decimals, as NEST's ASCII backend prints it.
    static func appendMilliseconds(_ ms: Double, to out: inout some ByteSink) {
        let micro = Int((ms * 1000).rounded())
        out.appendInteger(micro / 1000)
        out.append(UInt8(ascii: "."))
        let fraction = micro % 1000
        out.append(UInt8(ascii: "0") + UInt8(fraction / 100))
        out.append(UInt8(ascii: "0") + UInt8(fraction / 10 % 10))
        out.append(UInt8(ascii: "0") + UInt8(fraction % 10))
    }
}
