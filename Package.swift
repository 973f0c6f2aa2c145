// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Vigil",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "vigil", targets: ["vigil"]),
        .executable(name: "vigil-bench", targets: ["vigil-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", exact: "0.6.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CNcursesw",
            providers: [.apt(["libncursesw5-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // SHA-256 and HMAC-SHA-256 come from the system (Sources/VigilStore/Keys/Digest.swift): OpenSSL's libcrypto
        // here, CryptoKit on macOS, so that a first build compiles no crypto library (bench/RESULTS.md, "Trust II").
        .systemLibrary(
            name: "CLibcrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"]), .brew(["openssl"])]
        ),
        // Hand-written SIMD kernels (AVX2, AVX-512) chosen at run time; see Sources/CVigilKernels/VigilKernels.c.
        .target(name: "CVigilKernels"),
        .target(name: "VigilCore"),
        .target(
            name: "VigilStore",
            dependencies: [
                "VigilCore", "CZlib",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .target(name: "CLibcrypto", condition: .when(platforms: [.linux])),
            ]
        ),
        .target(name: "VigilDemo", dependencies: ["VigilCore"]),
        .target(name: "VigilDetect", dependencies: ["VigilCore", "CVigilKernels"]),
        // The terminal toolkit draws into cell buffers only; the one piece that talks to ncurses is VigilTerminal, so
        // that nothing but the interactive binary links it.
        .target(name: "VigilTUI", dependencies: ["VigilCore"]),
        .target(name: "VigilTerminal", dependencies: ["VigilTUI", "VigilCore", "CNcursesw"]),
        // What joins the store and the detectors: scans, evaluation, live scoring, configuration.
        .target(
            name: "VigilEngine",
            dependencies: [
                "VigilCore", "VigilStore", "VigilDetect",
                .product(name: "TOMLKit", package: "TOMLKit"),
            ]
        ),
        .target(
            name: "VigilApp",
            dependencies: ["VigilCore", "VigilStore", "VigilDemo", "VigilDetect", "VigilEngine", "VigilTUI"]
        ),
        .executableTarget(
            name: "vigil",
            dependencies: [
                "VigilApp", "VigilEngine", "VigilCore", "VigilStore", "VigilDetect", "VigilTUI", "VigilTerminal",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "vigil-bench",
            dependencies: ["VigilStore", "VigilDemo", "VigilDetect", "VigilEngine", "VigilApp", "VigilTUI"]
        ),
        // Fixtures shared by the test targets (never linked by a product).
        .target(name: "VigilTestSupport", dependencies: ["VigilStore", "VigilDemo"]),
        .testTarget(name: "VigilCoreTests", dependencies: ["VigilCore"]),
        .testTarget(
            name: "VigilStoreTests",
            dependencies: [
                "VigilStore", "VigilDemo", "VigilDetect", "CZlib", .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(name: "VigilDemoTests", dependencies: ["VigilDemo"]),
        .testTarget(
            name: "VigilEngineTests",
            dependencies: ["VigilEngine", "VigilStore", "VigilDetect", "VigilDemo", "VigilCore", "VigilTestSupport", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(name: "VigilDetectTests", dependencies: ["VigilDetect"]),
        .testTarget(name: "VigilTUITests", dependencies: ["VigilTUI", "VigilTerminal", "VigilApp"]),
        .testTarget(
            name: "VigilAppTests",
            dependencies: ["VigilApp", "VigilEngine", "VigilCore", "VigilStore", "VigilDemo", "VigilDetect", "VigilTestSupport", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(
            name: "VigilEndToEndTests",
            dependencies: ["VigilApp", "VigilStore", "VigilTUI", "VigilCore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
