// swift-tools-version:6.1
// Benchmarks of the microcircuit library (ordo-one/benchmark), kept out of the main package so
// that `make test` never builds the harness. Run: `cd Benchmarks && swift package benchmark`.
import PackageDescription

let package = Package(
    name: "MicrocircuitBenchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "microcircuit", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "MicrocircuitBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "MicrocircuitModel", package: "microcircuit"),
                .product(name: "Connectivity", package: "microcircuit"),
                .product(name: "Simulation", package: "microcircuit"),
                .product(name: "Analysis", package: "microcircuit"),
                .product(name: "OpenCLBackend", package: "microcircuit"),
            ],
            path: "Benchmarks/MicrocircuitBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
    ]
)
