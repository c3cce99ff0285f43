// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "microcircuit",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "microcircuit", targets: ["microcircuit"]),
        .library(name: "MicrocircuitModel", targets: ["MicrocircuitModel"]),
        .library(name: "Connectivity", targets: ["Connectivity"]),
        .library(name: "Simulation", targets: ["Simulation"]),
        .library(name: "Analysis", targets: ["Analysis"]),
        .library(name: "OpenCLBackend", targets: ["OpenCLBackend"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .target(name: "MicrocircuitModel", exclude: ["README.md"]),
        .target(name: "Connectivity", dependencies: ["MicrocircuitModel"], exclude: ["README.md"]),
        .target(name: "CPrefetch"),
        .target(name: "Simulation", dependencies: ["MicrocircuitModel", "Connectivity", "CPrefetch"], exclude: ["README.md"]),
        .target(name: "Analysis", dependencies: ["MicrocircuitModel", "Simulation"], exclude: ["README.md"]),
        .systemLibrary(
            name: "COpenCL",
            pkgConfig: "OpenCL",
            providers: [.apt(["ocl-icd-opencl-dev", "opencl-headers"])]),
        .executableTarget(name: "embed-kernels"),
        .plugin(name: "EmbedKernels", capability: .buildTool(), dependencies: ["embed-kernels"]),
        .target(
            name: "OpenCLBackend",
            dependencies: ["COpenCL", "MicrocircuitModel", "Connectivity", "Simulation"],
            exclude: ["README.md"],
            plugins: ["EmbedKernels"]),
        .executableTarget(
            name: "microcircuit",
            dependencies: [
                "MicrocircuitModel", "Connectivity", "Simulation", "Analysis", "OpenCLBackend",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .testTarget(
            name: "MicrocircuitTests",
            dependencies: ["MicrocircuitModel", "Connectivity", "Simulation", "Analysis", "OpenCLBackend"]),
    ]
)
