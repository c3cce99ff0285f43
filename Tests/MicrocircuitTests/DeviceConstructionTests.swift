import Connectivity
import Foundation
@testable import MicrocircuitModel
@testable import OpenCLBackend
@testable import Simulation
import XCTest

/// Construction on the device: the kernels' logarithm and normal draws equal the host's bit
/// for bit, so the table built on the device IS the host's table, and the simulation on it
/// emits the CPU reference's spikes.
final class DeviceConstructionTests: XCTestCase {
    func device() throws -> OpenCLDevice { try DeviceSelection.choose(index: nil, allowCPU: true) }

    /// Against libm: within 2 ulp from 2^-64 to 1 (beyond what the normal draws need), exact
    /// where the logarithm is (log 1 = 0, log 2^k = k ln 2 to the rounding of ln 2's split).
    func testPortableLogIsAccurate() {
        XCTAssertEqual(PortableLog.log(1), 0)
        for k in -64...0 {
            let x = Double(sign: .plus, exponent: k, significand: 1)
            XCTAssertEqual(PortableLog.log(x), Double(k) * M_LN2, accuracy: Double(k).magnitude * M_LN2 * 0x1p-52 + 1e-300, "2^\(k)")
        }
        var worst = 0.0
        for i in 0..<200_000 {
            let block = Philox.block((UInt32(i), 0, 0, 0), (9, 9))
            // Uniform in each binade down to 2^-64, and uniform in (0, 1) on the linear scale.
            let x = i % 2 == 0
                ? Double(sign: .plus, exponent: -Int(block.0 % 64) - 1, significand: 1 + RandomDraw.openUnit(block.1))
                : RandomDraw.openUnit(block.2)
            let exact = Foundation.log(x)
            worst = max(worst, abs(PortableLog.log(x) - exact) / exact.ulp)
        }
        XCTAssertLessThanOrEqual(worst, 2, "largest error in ulp")
    }

    /// The kernels' normal draws and logarithm against the host's, bit for bit.
    func testKernelNormalsAndLogarithmEqualTheHost() throws {
        let context = try CLContext(device: try device().id)
        let program = try CLProgram(context, sources: try Kernels.sources(), options: Kernels.buildOptions)
        let kernel = try CLKernel(program, name: "generate_normal_pairs", arguments: 8)
        let count = 20_000
        var counters: [UInt32] = [], keys: [UInt32] = [], arguments: [Double] = []
        for i in 0..<count {
            counters += [UInt32(i), UInt32(i >> 3), UInt32(i % 71), UInt32(i % 5)]
            keys += [UInt32(i % 3), 2]
            let block = Philox.block((UInt32(i), 1, 0, 0), (4, 4))
            arguments.append(Double(sign: .plus, exponent: -Int(block.0 % 64), significand: 1 + RandomDraw.openUnit(block.1)))
        }
        let counterBuffer = try CLBuffer(context, counters, name: "counters")
        let keyBuffer = try CLBuffer(context, keys, name: "keys")
        let argumentBuffer = try CLBuffer(context, arguments, name: "arguments")
        let normals = try CLBuffer<Double>(context, count: 2 * count, name: "normals")
        let logs = try CLBuffer<Double>(context, count: count, name: "logs")
        try kernel.set(0, counterBuffer)
        try kernel.set(1, keyBuffer)
        try kernel.set(2, normals)
        try kernel.set(3, argumentBuffer)
        try kernel.set(4, logs)
        try kernel.set(5, UInt32(count))
        let zigguratX = try CLBuffer(context, Ziggurat.x, name: "ziggurat_x")
        let zigguratF = try CLBuffer(context, Ziggurat.f, name: "ziggurat_f")
        try kernel.set(6, zigguratX)
        try kernel.set(7, zigguratF)
        try kernel.enqueue(global: count)
        let deviceNormals = try normals.read(), deviceLogs = try logs.read()
        var mismatches = 0
        for i in 0..<count {
            let host = RandomDraw.normalPair((counters[4 * i], counters[4 * i + 1], counters[4 * i + 2], counters[4 * i + 3]),
                                             (keys[2 * i], keys[2 * i + 1]))
            if host.0.bitPattern != deviceNormals[2 * i].bitPattern || host.1.bitPattern != deviceNormals[2 * i + 1].bitPattern
                || PortableLog.log(arguments[i]).bitPattern != deviceLogs[i].bitPattern {
                mismatches += 1
            }
        }
        XCTAssertEqual(mismatches, 0, "draws that differ from the host's in any bit")
    }

    /// The table the device builds equals the host's, element for element, with and without
    /// thalamic rows, for several seeds and scalings.
    func testDeviceBuiltTableEqualsHostTable() throws {
        let context = try CLContext(device: try device().id)
        let program = try CLProgram(context, sources: try Kernels.sources(), options: Kernels.buildOptions)
        for (scale, thalamic, seed) in [(0.05, true, UInt32(11)), (0.03, false, 12), (0.02, true, 13)] {
            let d = try ConnectivityTests.derived(scale: scale, thalamic: thalamic, seed: seed)
            let host = try NetworkBuilder.build(d, threads: 2)
            let built = try DeviceSynapseTable(building: d, context: context, program: program, groupSize: 64)
            let device = try built.download()
            XCTAssertGreaterThan(host.synapseCount, 100_000)
            XCTAssertEqual(built.ringSlots, host.ringSlots)
            XCTAssertEqual(device.rowStart, host.rowStart, "scale \(scale)")
            XCTAssertEqual(device.targets, host.targets, "scale \(scale)")
            XCTAssertEqual(device.weights, host.weights, "scale \(scale)")
            XCTAssertEqual(device.delays, host.delays, "scale \(scale)")
        }
    }

    /// Delays beyond what a synapse holds are refused by both builders with the same error.
    func testBothBuildersRefuseDelaysBeyondTheTable() throws {
        var p = ModelParameters()
        p.network.nScaling = 0.01
        p.network.kScaling = 0.01
        p.network.delayExcitatoryMean = 30
        let d = try DerivedParameters(p)
        let expected = ConstructionError.delayTooLong(resolution: d.resolution).description
        XCTAssertThrowsError(try NetworkBuilder.build(d, threads: 2)) { XCTAssertEqual("\($0)", expected) }
        XCTAssertThrowsError(try OpenCLBackend(buildingOnDevice: d, device: try device())) { XCTAssertEqual("\($0)", expected) }
    }

    /// A network built on the device runs exactly as the host-built one on the CPU.
    func testSimulationOnDeviceBuiltNetworkIsIdenticalToCPU() throws {
        let d = try CPUBackendTests.shortRun(seed: 6, background: .poisson)
        let network = try Network.build(d, threads: 2)
        let cpu = try SimulationDriver(derived: d).run(CPUBackend(network: network, threads: 2)).spikes
        let backend = try OpenCLBackend(buildingOnDevice: d, device: try device())
        XCTAssertEqual(backend.synapseRowStart, network.synapses.rowStart)
        XCTAssertGreaterThan(backend.setupTimings.construction, 0)
        let gpu = try SimulationDriver(derived: d).run(backend).spikes
        XCTAssertGreaterThan(cpu.count, 3000)
        XCTAssertNil(cpu.firstDifference(from: gpu), "first difference at spike \(cpu.firstDifference(from: gpu) ?? -1) of \(cpu.count)")
    }
}
