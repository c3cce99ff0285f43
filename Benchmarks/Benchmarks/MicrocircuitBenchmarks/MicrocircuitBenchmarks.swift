import Analysis
import Benchmark
import Connectivity
import Foundation
import MicrocircuitModel
import OpenCLBackend
import Simulation

/// Scale 0.1 with Poisson drive: the reference's usual small size, and the one NEST is
/// compared at in the README. `spiking: false` raises the threshold out of reach: the same
/// neurons, synapses and Poisson input, but no spike, so a step is the neuron update alone
/// (with its Poisson draws) and nothing is delivered.
func derived(scale: Double, spiking: Bool = true) -> DerivedParameters {
    var p = ModelParameters()
    p.network.nScaling = scale
    p.network.kScaling = scale
    p.network.backgroundInput = .poisson
    if !spiking { p.neuron.vTh = 1e6 }
    return try! DerivedParameters(p)
}

/// The backend named `kind` on the network of `d`, after 100 ms of warm-up.
func warmedUp(_ kind: String, _ d: DerivedParameters) throws -> SimulationBackend {
    let network = try Network.build(d, threads: 2)
    let backend: SimulationBackend = kind == "cpu"
        ? try CPUBackend(network: network, threads: 2)
        : try OpenCLBackend(network: network, device: try DeviceSelection.choose(index: nil, allowCPU: true))
    var spikes = SpikeTrains()
    try backend.advance(steps: 1000, recordingInto: &spikes)
    return backend
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput, .peakMemoryResident], maxDuration: .seconds(10))

    // Construction throughput: synapses built per second (the full model has 3e8).
    Benchmark("construction, scale 0.1 (3.0e6 synapses)") { benchmark in
        let d = derived(scale: 0.1)
        benchmark.startMeasurement()
        let table = try NetworkBuilder.build(d, threads: 2)
        benchmark.stopMeasurement()
        blackHole(table.synapseCount)
    }

    // The same table built by the OpenCL device (PoCL here, the GPU on a GPU machine), with
    // the backend's set-up around it (program build, from the driver's cache after the first).
    Benchmark("opencl: construction on the device, scale 0.1") { benchmark in
        let d = derived(scale: 0.1)
        let device = try DeviceSelection.choose(index: nil, allowCPU: true)
        benchmark.startMeasurement()
        let backend = try OpenCLBackend(buildingOnDevice: d, device: device)
        benchmark.stopMeasurement()
        blackHole(backend.synapseRowStart.count)
    }

    // One step: delivery of the previous step's spikes and the neuron update, after 100 ms
    // of warm-up so the network is in its stationary state; and the same network with no
    // spike, the update alone (delivery and spike handling are the difference). 100 steps
    // per iteration.
    for kind in ["cpu", "opencl"] {
        for (spiking, what) in [(true, "update + delivery"), (false, "update only, threshold out of reach")] {
            Benchmark("\(kind): 100 steps at scale 0.1 (\(what))") { benchmark in
                let backend = try warmedUp(kind, derived(scale: 0.1, spiking: spiking))
                var spikes = SpikeTrains()
                benchmark.startMeasurement()
                for _ in benchmark.scaledIterations {
                    try backend.advance(steps: 100, recordingInto: &spikes)
                }
                benchmark.stopMeasurement()
            }
        }
    }

    // Scale 0.5: the ring slots a step's spikes reach are spread over ~20 MB, more than the
    // caches hold, so delivery waits for memory (what the CPU backend's prefetch is for);
    // at scale 0.1 the ring stays in cache.
    for kind in ["cpu", "opencl"] {
        Benchmark("\(kind): 100 steps at scale 0.5 (update + delivery, ring beyond the caches)") { benchmark in
            let backend = try warmedUp(kind, derived(scale: 0.5))
            var spikes = SpikeTrains()
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                try backend.advance(steps: 100, recordingInto: &spikes)
            }
            benchmark.stopMeasurement()
        }
    }

    // The voltmeter's files: formatting 10 samples of every neuron's potential at scale 0.2
    // (154,360 rows, 3.8 MB of text) into files that lead to /dev/null, on one thread and on
    // two. Formatting, not the disk, is what a run with --record-voltage waits for.
    for threads in [1, 2] {
        Benchmark("voltmeter files: 10 samples at scale 0.2, \(threads) thread\(threads == 1 ? "" : "s")") { benchmark in
            var p = derived(scale: 0.2).parameters
            p.simulation.recordVoltage = true
            let d = try DerivedParameters(p)
            let backend = try warmedUp("cpu", d)
            var spikes = SpikeTrains()
            var trace: VoltageTrace? = VoltageTrace()
            try backend.advance(steps: 100, recordingInto: &spikes, voltages: &trace)
            let parent = FileManager.default.temporaryDirectory.appendingPathComponent("microcircuit-benchmark-\(getpid())")
            defer { try? FileManager.default.removeItem(at: parent) }
            let folder = try OutputFolder(path: parent.appendingPathComponent("run").path, overwrite: false)
            for population in 0..<Population.count {
                for name in [NESTFormat.spikeRecorderFileName(population: population, derived: d), NESTFormat.voltmeterFileName(population: population, derived: d)] {
                    try FileManager.default.createSymbolicLink(atPath: folder.staging.path + "/" + name, withDestinationPath: "/dev/null")
                }
            }
            let files = try RecordingFiles(derived: d, version: "benchmark", threads: threads, in: folder)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                try files.append(spikes: SpikeTrains(), voltages: trace)
            }
            benchmark.stopMeasurement()
            try files.finish()
        }
    }
}
