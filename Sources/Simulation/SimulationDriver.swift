import Foundation
import MicrocircuitModel

/// Membrane potentials sampled by the voltmeter: `samples[k]` holds every neuron's V_m (mV)
/// after step `steps[k]`.
public struct VoltageTrace: Sendable {
    public var steps: [Int] = []
    public var samples: [[Double]] = []

    public init(steps: [Int] = [], samples: [[Double]] = []) {
        self.steps = steps
        self.samples = samples
    }
}

/// Where a run stands, for progress display.
public struct RunProgress: Sendable {
    public enum Phase: String, Sendable { case presimulation, simulation }
    public var phase: Phase
    public var step: Int
    public var totalSteps: Int
    public var spikes: Int
    /// Wall-clock seconds spent simulating in this phase so far.
    public var elapsed: Double
    public var stepsInPhase: Int
    public var resolution: Double
    /// Wall-clock seconds spent handing on recordings (writing them) in this phase so far.
    public var outputSeconds = 0.0

    /// Wall-clock time per biological time within the current phase.
    public var realTimeFactor: Double {
        stepsInPhase == 0 ? 0 : elapsed / (Double(stepsInPhase) * resolution * 1e-3)
    }

    /// Wall-clock seconds until the run ends, at the current phase's pace so far, writing
    /// included.
    public var secondsLeft: Double? {
        stepsInPhase == 0 ? nil : (elapsed + outputSeconds) / Double(stepsInPhase) * Double(totalSteps - step)
    }
}

/// The run was stopped on request (e.g. Ctrl-C) between two chunks of steps.
public struct RunInterrupted: Error, CustomStringConvertible {
    /// Steps simulated (and handed on) before the stop.
    public var step: Int
    /// Each backend's run up to the stop: its times, and its recordings unless they were
    /// handed on.
    public var results: [RunResult]

    public init(step: Int, results: [RunResult] = []) {
        self.step = step
        self.results = results
    }

    public var description: String { "interrupted at step \(step); no output was written" }
}

/// What a run produced.
public struct RunResult: Sendable {
    /// The spikes and the voltmeter's samples, unless they were handed on chunk by chunk.
    public var spikes = SpikeTrains()
    public var voltages: VoltageTrace?
    public var presimulationSeconds = 0.0
    public var simulationSeconds = 0.0
    /// Wall-clock seconds spent handing on recordings (writing them to their files), left
    /// out of the phases' times.
    public var outputSeconds = 0.0
}

/// Drives a backend through presimulation and simulation in chunks (the backend takes the
/// voltmeter's samples within them), reporting progress and checking for cancellation between
/// chunks. No per-step work happens here.
public struct SimulationDriver {
    public var schedule: StepSchedule
    public var resolution: Double
    public var recordVoltage: Bool
    /// Voltmeter samples a chunk takes at most (`DerivedParameters.voltageSamplesHeld`).
    public var voltageSamplesPerChunk: Int
    /// Steps of the first chunk between progress reports and cancellation checks. A chunk
    /// that takes less than `chunkSeconds` of wall time doubles the next, up to
    /// `maximumChunkSteps`: a fast backend then advances in long runs (the OpenCL backend
    /// copies a batch's spikes back while the device runs the next batch of the same run).
    public var chunkSteps = 1000
    public var chunkSeconds = 0.25
    public var maximumChunkSteps = DerivedParameters.maximumChunkSteps

    public init(derived: DerivedParameters) {
        schedule = derived.schedule
        resolution = derived.resolution
        recordVoltage = derived.parameters.simulation.recordVoltage
        voltageSamplesPerChunk = derived.voltageSamplesHeld
    }

    /// Runs both phases. With `recordings`, each chunk's spikes and voltmeter samples go to
    /// it as soon as the chunk is done, and the result keeps neither: a run of any length then
    /// holds one chunk's (at most `maximumChunkSteps` steps of spikes, `voltageSamplesPerChunk`
    /// samples). Without it the result keeps them all.
    public func run(
        _ backend: SimulationBackend,
        progress: (RunProgress) -> Void = { _ in },
        shouldStop: () -> Bool = { false },
        recordings take: ((SpikeTrains, VoltageTrace?) throws -> Void)? = nil
    ) throws -> RunResult {
        try run(inLockstep: [backend], progress: progress, shouldStop: shouldStop,
                recordings: take.map { take in { chunks in try take(chunks[0].spikes, chunks[0].voltages) } })[0]
    }

    /// One chunk's recordings from one backend.
    public typealias Chunk = (spikes: SpikeTrains, voltages: VoltageTrace?)

    /// Runs several backends through the same chunks, one after the other within each chunk,
    /// and hands `recordings` their chunks side by side (in the order of `backends`): a
    /// comparison of them then holds one chunk of each and can stop the run (by throwing) at
    /// the first chunk that differs. Each result's times are its own backend's; the progress
    /// reports their sum and the first backend's spikes.
    public func run(
        inLockstep backends: [SimulationBackend],
        progress: (RunProgress) -> Void = { _ in },
        shouldStop: () -> Bool = { false },
        recordings take: (([Chunk]) throws -> Void)? = nil
    ) throws -> [RunResult] {
        precondition(!backends.isEmpty && backends.allSatisfy { $0.currentStep == backends[0].currentStep },
                     "backends in lockstep start at the same step")
        var results = Array(repeating: RunResult(), count: backends.count)
        var spikes = Array(repeating: SpikeTrains(), count: backends.count)
        var voltages = Array(repeating: recordVoltage ? VoltageTrace() : nil, count: backends.count)
        let lead = backends[0]
        // The results, with their recordings unless those were handed on.
        func finished() -> [RunResult] {
            guard take == nil else { return results }
            return results.indices.map { i in
                var result = results[i]
                (result.spikes, result.voltages) = (spikes[i], voltages[i])
                return result
            }
        }
        let phases: [(RunProgress.Phase, Int)] = [(.presimulation, schedule.presimulation), (.simulation, schedule.simulation)]
        var chunkSteps = chunkSteps
        for (phase, length) in phases {
            let end = lead.currentStep + length
            var elapsed = Array(repeating: 0.0, count: backends.count)
            var handingOn = 0.0
            // Each backend's times for the phase so far.
            func recordPhase() {
                for i in results.indices {
                    results[i].outputSeconds += handingOn
                    if phase == .presimulation { results[i].presimulationSeconds = elapsed[i] } else { results[i].simulationSeconds = elapsed[i] }
                }
            }
            while lead.currentStep < end {
                if shouldStop() {
                    recordPhase()
                    throw RunInterrupted(step: lead.currentStep, results: finished())
                }
                var chunk = min(chunkSteps, end - lead.currentStep)
                if recordVoltage && take != nil {
                    chunk = min(chunk, schedule.stepsTaking(atMost: voltageSamplesPerChunk, from: lead.currentStep))
                }
                var chunkSeconds = 0.0
                for (i, backend) in backends.enumerated() {
                    let clock = Stopwatch()
                    try backend.advance(steps: chunk, recordingInto: &spikes[i], voltages: &voltages[i])
                    elapsed[i] += clock.elapsed
                    chunkSeconds += clock.elapsed
                }
                if chunk == chunkSteps && chunkSeconds < self.chunkSeconds {
                    chunkSteps = min(2 * chunkSteps, maximumChunkSteps)
                }
                if let take {
                    let clock = Stopwatch()
                    try take(Array(zip(spikes, voltages)))
                    spikes = Array(repeating: SpikeTrains(), count: backends.count)
                    voltages = Array(repeating: recordVoltage ? VoltageTrace() : nil, count: backends.count)
                    handingOn += clock.elapsed
                }
                progress(RunProgress(
                    phase: phase, step: lead.currentStep, totalSteps: schedule.total, spikes: lead.spikeCount,
                    elapsed: elapsed.reduce(0, +), stepsInPhase: lead.currentStep - (end - length), resolution: resolution,
                    outputSeconds: handingOn))
            }
            recordPhase()
        }
        return finished()
    }
}
