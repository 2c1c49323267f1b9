// swift-tools-version: 6.2
// The targets follow the pipeline: read (Journal, KernelLog, SystemdJournal, Inputs)
// → events (Events) → analysis (Analysis) → report (Report), with the executable a
// thin shell over Pipeline.
import PackageDescription

let strict: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]
/// The per-entry path (read, events, analysis): a release build leaves out the run-time
/// exclusivity checks, which cost ~9% of the analysing thread on a crash-loop journal
/// (every mutation of a class's property is checked). Debug builds, which the tests run,
/// keep them.
let hot: [SwiftSetting] = strict + [.unsafeFlags(["-enforce-exclusivity=unchecked", "-cross-module-optimization"], .when(configuration: .release))]

let package = Package(
    name: "postmortem",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "postmortem", targets: ["postmortem"]),
        .library(name: "Journal", targets: ["Journal"]),
        .library(name: "KernelLog", targets: ["KernelLog"]),
        .library(name: "Analysis", targets: ["Analysis"]),
        .library(name: "Detection", targets: ["Detection"]),
        .library(name: "Report", targets: ["Report"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // C libraries, each wrapped by exactly one Swift file in `Compression` or `SystemdJournal`.
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd",
                       providers: [.apt(["libzstd-dev"]), .yum(["libzstd-devel"]), .brew(["zstd"])]),
        .systemLibrary(name: "CLZMA", pkgConfig: "liblzma",
                       providers: [.apt(["liblzma-dev"]), .yum(["xz-devel"]), .brew(["xz"])]),
        .systemLibrary(name: "CLZ4", pkgConfig: "liblz4",
                       providers: [.apt(["liblz4-dev"]), .yum(["lz4-devel"]), .brew(["lz4"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"]), .yum(["zlib-devel"])]),
        // libbz2 ships no pkg-config file: the module map links it by name.
        .systemLibrary(name: "CBzip2", providers: [.apt(["libbz2-dev"]), .yum(["bzip2-devel"])]),
        .systemLibrary(name: "CArchive", pkgConfig: "libarchive",
                       providers: [.apt(["libarchive-dev"]), .yum(["libarchive-devel"]), .brew(["libarchive"])]),
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd",
                       providers: [.apt(["libsystemd-dev"]), .yum(["systemd-devel"])]),

        // read
        .target(name: "Compression", dependencies: ["CZstd", "CLZMA", "CLZ4", "CZlib", "CBzip2"], swiftSettings: strict),
        .target(name: "Journal", dependencies: ["Compression"], swiftSettings: hot),
        .target(name: "SystemdJournal", dependencies: ["CSystemd", "Journal"], swiftSettings: strict),
        .target(name: "KernelLog", dependencies: ["Compression"], swiftSettings: strict),
        .target(name: "Inputs", dependencies: ["Journal", "KernelLog", "Compression", "CArchive"], swiftSettings: strict),
        // events
        .target(name: "Events", dependencies: ["Journal", "KernelLog"], swiftSettings: hot),
        // analysis
        .target(name: "Analysis", dependencies: ["Events", "Journal", "KernelLog"], swiftSettings: hot),
        // what monitoring would have caught: signals, alert back-test, rules and drop-ins
        .target(name: "Detection", dependencies: ["Analysis", "Events"], swiftSettings: strict),
        // report
        .target(name: "Report", dependencies: ["Analysis", "Events"], swiftSettings: strict),
        // the whole run: inputs → analysis → report
        .target(name: "Pipeline",
                dependencies: ["Inputs", "Journal", "SystemdJournal", "KernelLog", "Analysis", "Detection", "Report"],
                swiftSettings: strict),
        .executableTarget(
            name: "postmortem",
            dependencies: ["Pipeline", "Detection", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict,
            plugins: ["BuildInfo"]),
        // Generates `BuildStamp` (git commit, build date) for `postmortem --version`.
        .plugin(name: "BuildInfo", capability: .buildTool()),

        // `scripts/fuzz.sh` builds these with -sanitize=fuzzer -DFUZZING; otherwise they replay inputs.
        .executableTarget(name: "journal-fuzz", dependencies: ["Journal"], path: "Fuzz/JournalFuzz"),
        .executableTarget(name: "kernel-log-fuzz", dependencies: ["KernelLog", "Events", "Analysis"], path: "Fuzz/KernelLogFuzz"),
        .executableTarget(name: "tar-fuzz", dependencies: ["Inputs", "Journal", "Compression"], path: "Fuzz/TarFuzz"),
        .executableTarget(name: "host-fuzz", dependencies: ["Pipeline", "Inputs", "Analysis", "Report"], path: "Fuzz/HostFuzz"),

        .target(name: "TestSupport", dependencies: ["Journal"], path: "Tests/TestSupport"),
        .testTarget(name: "CompressionTests", dependencies: ["Compression", "TestSupport"]),
        .testTarget(name: "JournalTests", dependencies: ["Journal", "SystemdJournal", "TestSupport"]),
        .testTarget(name: "KernelLogTests", dependencies: ["KernelLog", "Compression", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "AnalysisTests", dependencies: ["Analysis", "Events", "Journal", "KernelLog", "TestSupport"]),
        .testTarget(name: "ReportTests", dependencies: ["Report", "Analysis", "Events", "KernelLog", "TestSupport"]),
        .testTarget(name: "DetectionTests", dependencies: ["Detection", "Pipeline", "Inputs", "Analysis", "KernelLog", "Report", "TestSupport"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "Inputs", "TestSupport"]),
    ]
)
