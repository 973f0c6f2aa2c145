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
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
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
        // Hand-written SIMD kernels (AVX2, AVX-512) chosen at run time; see Sources/CVigilKernels/VigilKernels.c.
        .target(name: "CVigilKernels"),
        .target(name: "VigilCore"),
        .target(
            name: "VigilStore",
            dependencies: [
                "VigilCore", "VigilDetect", "CZlib",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(name: "VigilDemo", dependencies: ["VigilCore"]),
        .target(name: "VigilDetect", dependencies: ["VigilCore", "CVigilKernels"]),
        .target(name: "VigilTUI", dependencies: ["VigilCore", "CNcursesw"]),
        .target(
            name: "VigilApp",
            dependencies: [
                "VigilCore", "VigilStore", "VigilDemo", "VigilDetect", "VigilTUI",
                .product(name: "TOMLKit", package: "TOMLKit"),
            ]
        ),
        .executableTarget(
            name: "vigil",
            dependencies: [
                "VigilApp", "VigilCore", "VigilStore", "VigilDetect", "VigilTUI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "vigil-bench", dependencies: ["VigilStore", "VigilDemo", "VigilDetect", "VigilApp", "VigilTUI"]),
        .testTarget(name: "VigilCoreTests", dependencies: ["VigilCore"]),
        .testTarget(
            name: "VigilStoreTests",
            dependencies: [
                "VigilStore", "VigilDemo", "VigilDetect", "CZlib", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(name: "VigilDemoTests", dependencies: ["VigilDemo"]),
        .testTarget(name: "VigilDetectTests", dependencies: ["VigilDetect"]),
        .testTarget(name: "VigilTUITests", dependencies: ["VigilTUI", "VigilApp"]),
        .testTarget(
            name: "VigilAppTests",
            dependencies: ["VigilApp", "VigilCore", "VigilStore", "VigilDemo", "VigilDetect", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(
            name: "VigilEndToEndTests",
            dependencies: [.product(name: "GRDB", package: "GRDB.swift")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
