// swift-tools-version:6.0
import PackageDescription

// Numeric targets are compiled with -Ounchecked in release builds: bounds are validated at the
// edge (GGUF load, tokenizer input), so the hot loops need no per-element checks. The CPU baseline
// is x86-64-v3 (AVX2 + FMA, "haswell"): without it SIMD fused multiply-add becomes a libm call.
#if arch(x86_64)
let cpuFlags = ["-target-cpu", "haswell"]
#else
let cpuFlags: [String] = []
#endif
let fast: [SwiftSetting] = [.unsafeFlags(["-Ounchecked", "-wmo"] + cpuFlags, .when(configuration: .release))]

let package = Package(
    name: "Tern",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "tern", targets: ["tern"]),
        .library(name: "TernEngine", targets: ["TernEngine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.20.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.60.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.0"),
    ],
    targets: [
        // Integer dot-product kernels in C, compiled per instruction set and picked at run time.
        .target(name: "TernCKernels", cSettings: [.unsafeFlags(["-O3", "-mprefer-vector-width=256"], .when(configuration: .release))]),
        .target(name: "TernKernels", dependencies: ["TernCKernels"], swiftSettings: fast),
        .target(name: "TernGGUF", dependencies: ["TernKernels"], swiftSettings: fast),
        .target(name: "TernTokenizers", dependencies: ["TernGGUF"], swiftSettings: fast),
        .target(name: "TernModels", dependencies: ["TernKernels", "TernCKernels", "TernGGUF"], swiftSettings: fast),
        .target(name: "TernEngine", dependencies: ["TernModels", "TernTokenizers"], swiftSettings: fast),
        .target(name: "TernStore", resources: [.copy("Adapters")], swiftSettings: fast),
        .target(name: "TernEmbeddings", dependencies: ["TernKernels", "TernCKernels"], swiftSettings: fast),
        .target(name: "TernLM", dependencies: [
            "TernEngine", "TernStore", "TernEmbeddings",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        .target(name: "TernPrograms", dependencies: ["TernLM"]),
        .target(name: "TernSearch", dependencies: ["TernLM"]),
        .target(name: "TernEnsembles", dependencies: ["TernLM"]),
        .target(name: "TernEvals", dependencies: ["TernLM", "TernStore", "TernPrograms", "TernEnsembles", .product(name: "Yams", package: "Yams")]),
        .target(name: "TernTraining", dependencies: ["TernCKernels", "TernKernels", "TernGGUF", "TernModels", "TernTokenizers", "TernLM", "TernEmbeddings"], swiftSettings: fast),
        .target(name: "TernRL", dependencies: ["TernTraining", "TernEngine", "TernModels", "TernSearch"], swiftSettings: fast),
        .target(name: "TernServer", dependencies: [
            "TernLM", "TernEngine", "TernEnsembles", "TernTokenizers",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], resources: [.copy("Playground")]),
        .executableTarget(name: "tern", dependencies: [
            "TernEngine", "TernStore", "TernGGUF", "TernLM", "TernServer", "TernPrograms", "TernSearch", "TernEnsembles", "TernTraining", "TernRL", "TernCKernels", "TernEvals",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "topic-classification", dependencies: ["TernPrograms", "TernLM", "TernEngine", "TernStore"],
                          path: "Examples/TopicClassification"),
        .testTarget(name: "TernKernelsTests", dependencies: ["TernKernels", "TernCKernels"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TernGGUFTests", dependencies: ["TernGGUF", "TernStore", "TernKernels"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TernTokenizersTests", dependencies: ["TernTokenizers", "TernStore"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TernModelsTests", dependencies: ["TernModels", "TernGGUF", "TernKernels", "TernCKernels"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TernEngineTests", dependencies: ["TernEngine", "TernStore"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TernStoreTests", dependencies: ["TernStore"]),
        .testTarget(name: "TernEmbeddingsTests", dependencies: ["TernEmbeddings", "TernStore"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TernLMTests", dependencies: ["TernLM", "TernStore"]),
        .testTarget(name: "TernProgramsTests", dependencies: ["TernPrograms", "TernLM", "TernEngine", "TernStore"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TernSearchTests", dependencies: ["TernSearch", "TernLM", "TernStore"]),
        .testTarget(name: "TernEvalsTests", dependencies: ["TernEvals", "TernLM"]),
        .testTarget(name: "TernEnsemblesTests", dependencies: ["TernEnsembles", "TernLM"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TernTrainingTests", dependencies: ["TernTraining", "TernRL", "TernEngine", "TernKernels", "TernModels", "TernGGUF", "TernLM", "TernTokenizers", "TernStore", "TernEmbeddings"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TernServerTests", dependencies: [
            "TernServer", "TernLM", .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        .testTarget(name: "ternTests", dependencies: ["tern", "TernGGUF", "TernStore", "TernLM", "TernSearch"], resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v6]
)
