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
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .target(name: "MicrocircuitModel"),
        .target(name: "Connectivity", dependencies: ["MicrocircuitModel"]),
        .target(name: "Simulation", dependencies: ["MicrocircuitModel", "Connectivity"]),
        .target(name: "Analysis", dependencies: ["MicrocircuitModel", "Simulation"]),
        .executableTarget(
            name: "microcircuit",
            dependencies: [
                "MicrocircuitModel", "Connectivity", "Simulation", "Analysis",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .testTarget(
            name: "MicrocircuitTests",
            dependencies: ["MicrocircuitModel", "Connectivity", "Simulation", "Analysis"]),
    ]
)
