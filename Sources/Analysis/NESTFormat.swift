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

    /// One spike-recorder file per population: `sender<TAB>time_ms` rows in canonical order.
    public static func spikeFiles(_ spikes: SpikeTrains, derived: DerivedParameters, version: String) -> [[UInt8]] {
        var files = (0..<Population.count).map { _ in header("sender\ttime_ms", version: version) }
        for (step, neuron) in zip(spikes.steps, spikes.neurons) {
            let p = derived.population(ofNeuron: Int(neuron)).rawValue
            appendInteger(Int(neuron) + 1, to: &files[p])
            files[p].append(UInt8(ascii: "\t"))
            appendMilliseconds(Double(Int(step) + 1) * derived.resolution, to: &files[p])
            files[p].append(UInt8(ascii: "\n"))
        }
        return files
    }

    /// One voltmeter file per population: `sender<TAB>time_ms<TAB>V_m` rows, by time then id.
    public static func voltmeterFiles(_ trace: VoltageTrace, derived: DerivedParameters, version: String) -> [[UInt8]] {
        (0..<Population.count).map { p in
            var file = header("sender\ttime_ms\tV_m", version: version)
            let neurons = derived.firstNeuron[p]..<(derived.firstNeuron[p] + derived.neuronCounts[p])
            for (step, sample) in zip(trace.steps, trace.samples) {
                for i in neurons {
                    appendInteger(i + 1, to: &file)
                    file.append(UInt8(ascii: "\t"))
                    appendMilliseconds(Double(step + 1) * derived.resolution, to: &file)
                    file.append(UInt8(ascii: "\t"))
                    file.append(contentsOf: "\(sample[i])".utf8)
                    file.append(UInt8(ascii: "\n"))
                }
            }
            return file
        }
    }

    /// Time with three decimals, as NEST's ASCII backend prints it.
    static func appendMilliseconds(_ ms: Double, to out: inout [UInt8]) {
        let micro = Int((ms * 1000).rounded())
        appendInteger(micro / 1000, to: &out)
        out.append(UInt8(ascii: "."))
        let fraction = micro % 1000
        out.append(UInt8(ascii: "0") + UInt8(fraction / 100))
        out.append(UInt8(ascii: "0") + UInt8(fraction / 10 % 10))
        out.append(UInt8(ascii: "0") + UInt8(fraction % 10))
    }

    static func appendInteger(_ value: Int, to out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var digits: [UInt8] = []
        var rest = abs(value)
        repeat {
            digits.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        } while rest > 0
        out.append(contentsOf: digits.reversed())
    }
}
