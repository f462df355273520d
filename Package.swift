// swift-tools-version:6.1
// wavedistill: Parallel WaveNet (probability density distillation) in Swift.
//
// Module layout, bottom to top (each module depends only on those above it):
//
//   C libraries     CSndFile, CSoxr, CFFTW, COpenBLAS, CAubio, CPNG, CMPI (system), CKernels (AVX2 C kernels),
//                   CPNGCodec (libpng calls that need setjmp), CMPIShim (MPI calls behind C macros)
//   foundations     Randomness, FileFormats, AudioIO, SignalProcessing, LinearPrediction, Tensors, PitchTracking
//   learning        NeuralLayers, GradientCheck, Optimization, Distributions
//   figures         Plotting (spectrogram PNGs)
//   models          Teacher, Student, Distillation
//   parallelism     DataParallel (MPI process group; Training owns the loop's side)
//   application     Pipeline, Benchmarks, WavedistillCLI (the `wavedistill` executable)
import PackageDescription

// Numeric Swift code needs a CPU target, or SIMD lanes become libm calls (DESIGN §8).
let numericSwiftSettings: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"])]

let package = Package(
    name: "wavedistill",
    products: [
        .executable(name: "wavedistill", targets: ["WavedistillCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        // MARK: C libraries (Debian -dev packages, found through pkg-config)
        .systemLibrary(name: "CSndFile", pkgConfig: "sndfile",
                       providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(name: "CSoxr", pkgConfig: "soxr",
                       providers: [.apt(["libsoxr-dev"])]),
        .systemLibrary(name: "CFFTW", pkgConfig: "fftw3f",
                       providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CAubio", pkgConfig: "aubio",
                       providers: [.apt(["libaubio-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"])]),
        // MPI (Open MPI or MPICH: Debian's mpi-c.pc names the default one) for data-parallel training.
        .systemLibrary(name: "CMPI", pkgConfig: "mpi-c",
                       providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]),
        // MPI's handles are C macros: C functions wrap the calls wavedistill makes.
        .target(name: "CMPIShim", dependencies: ["CMPI"]),
        // libpng reports errors by longjmp, which Swift cannot catch: C functions own the setjmp.
        .target(name: "CPNGCodec", dependencies: ["CPNG"]),
        // Elementwise kernels in C: SwiftPM appends these flags after its own -O0,
        // so they are vectorised even in debug builds.
        .target(name: "CKernels",
                cSettings: [.unsafeFlags(["-O3", "-mavx2", "-mfma", "-fno-math-errno"])]),

        // MARK: Foundations
        .target(name: "Randomness", swiftSettings: numericSwiftSettings),
        .target(name: "FileFormats"),
        .target(name: "Configuration", dependencies: [.product(name: "Yams", package: "Yams")]),
        .target(name: "AudioIO", dependencies: ["CSndFile", "CSoxr", "FileFormats"]),
        .target(name: "SignalProcessing", dependencies: ["CFFTW", "Configuration"],
                swiftSettings: numericSwiftSettings),
        .target(name: "Tensors", dependencies: ["COpenBLAS", "CKernels", "Randomness"],
                swiftSettings: numericSwiftSettings),
        // Linear prediction from the mel (LPC through the filterbank's pseudo-inverse, Levinson).
        .target(name: "LinearPrediction", dependencies: ["SignalProcessing", "Configuration", "COpenBLAS"],
                swiftSettings: numericSwiftSettings),
        .target(name: "PitchTracking", dependencies: ["CAubio"]),

        // MARK: Learning
        .target(name: "NeuralLayers", dependencies: ["Tensors", "Configuration"],
                swiftSettings: numericSwiftSettings),
        .target(name: "GradientCheck", dependencies: ["Tensors", "NeuralLayers", "Randomness"],
                swiftSettings: numericSwiftSettings),
        // -fno-math-errno: Swift's squareRoot() goes through C's sqrtf, which must set errno on a
        // negative input and so is never vectorised; without errno it is one vsqrtps (Adam 4x faster).
        .target(name: "Optimization", dependencies: ["Tensors", "NeuralLayers", "FileFormats", "Configuration"],
                swiftSettings: numericSwiftSettings + [.unsafeFlags(["-Xcc", "-fno-math-errno"])]),
        .target(name: "Distributions", dependencies: ["Randomness", "Tensors"],
                swiftSettings: numericSwiftSettings),

        .target(name: "Training", dependencies: ["Optimization", "Tensors", "Randomness"]),
        // Data parallelism across processes: the MPI process group (the loop's side is in Training).
        .target(name: "DataParallel", dependencies: ["CMPIShim", "Training"]),
        .target(name: "Corpus", dependencies: ["AudioIO", "FileFormats", "SignalProcessing", "Tensors", "Randomness"]),

        // MARK: Losses and metrics
        .target(name: "SpectralLosses", dependencies: ["SignalProcessing", "Tensors", "Configuration"],
                swiftSettings: numericSwiftSettings),
        .target(name: "Evaluation", dependencies: ["SignalProcessing", "Tensors", "Configuration", "Randomness",
                                                   "LinearPrediction", "Distributions"],
                swiftSettings: numericSwiftSettings),
        .testTarget(name: "SpectralLossesTests",
                    dependencies: ["SpectralLosses", "SignalProcessing", "Tensors", "GradientCheck",
                                   "Configuration", "Randomness"]),
        .testTarget(name: "EvaluationTests",
                    dependencies: ["Evaluation", "SignalProcessing", "AudioIO", "Configuration", "Randomness",
                                   "LinearPrediction"]),
        .testTarget(name: "PitchTrackingTests", dependencies: ["PitchTracking", "AudioIO", "Randomness"]),
        .target(name: "HarmonicSource", dependencies: ["Evaluation", "PitchTracking", "SignalProcessing", "Configuration"],
                swiftSettings: numericSwiftSettings),
        .testTarget(name: "HarmonicSourceTests",
                    dependencies: ["HarmonicSource", "PitchTracking", "SignalProcessing", "AudioIO", "Randomness"]),

        // MARK: Figures
        .target(name: "Plotting", dependencies: ["CPNGCodec", "SignalProcessing", "FileFormats"]),
        .testTarget(name: "PlottingTests", dependencies: ["Plotting"]),

        // MARK: Models
        .target(name: "Teacher", dependencies: ["NeuralLayers", "Distributions", "Tensors", "Configuration", "LinearPrediction",
                                                "HarmonicSource", "Optimization", "Training", "Corpus", "SignalProcessing"],
                swiftSettings: numericSwiftSettings),
        .target(name: "Student", dependencies: ["NeuralLayers", "Tensors", "CKernels", "Randomness", "Configuration",
                                                "LinearPrediction", "HarmonicSource",
                                                "Optimization", "FileFormats", "SignalProcessing", "Distributions"],
                swiftSettings: numericSwiftSettings),

        .target(name: "Distillation", dependencies: ["Teacher", "Student", "Distributions", "SpectralLosses", "Training",
                                                     "Corpus", "Tensors", "Randomness", "Optimization", "SignalProcessing"],
                swiftSettings: numericSwiftSettings),

        // MARK: Application
        .target(name: "Pipeline", dependencies: ["Distillation", "Teacher", "Student", "SpectralLosses", "Evaluation", "PitchTracking", "HarmonicSource",
                                                 "Benchmarks", "Training", "Corpus", "AudioIO", "SignalProcessing",
                                                 "FileFormats", "Configuration", "Tensors", "Randomness", "Plotting"]),
        .target(name: "Benchmarks", dependencies: ["Teacher", "Student", "Tensors", "NeuralLayers", "SignalProcessing",
                                                   "AudioIO", "Randomness", "COpenBLAS", "Optimization", "Training", "Corpus"],
                swiftSettings: numericSwiftSettings),
        .executableTarget(name: "WavedistillCLI", dependencies: [
            "AudioIO", "SignalProcessing", "FileFormats", "Configuration", "Tensors", "NeuralLayers",
            "Pipeline", "Teacher", "Student", "Optimization", "Randomness", "Benchmarks", "PitchTracking", "Plotting",
            "HarmonicSource", "Corpus", "DataParallel", "Training",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // MARK: Tests
        .testTarget(name: "RandomnessTests", dependencies: ["Randomness"]),
        .testTarget(name: "FileFormatsTests", dependencies: ["FileFormats"]),
        .testTarget(name: "AudioIOTests", dependencies: ["AudioIO", "CSndFile"]),
        .testTarget(name: "SignalProcessingTests", dependencies: ["SignalProcessing", "AudioIO", "Configuration"]),
        .testTarget(name: "TensorsTests", dependencies: ["Tensors", "Randomness"]),
        .testTarget(name: "LinearPredictionTests",
                    dependencies: ["LinearPrediction", "SignalProcessing", "AudioIO", "Randomness"]),
        .testTarget(name: "NeuralLayersTests",
                    dependencies: ["NeuralLayers", "GradientCheck", "Tensors", "Randomness"]),
        .testTarget(name: "OptimizationTests",
                    dependencies: ["Optimization", "NeuralLayers", "Tensors", "FileFormats", "Configuration"]),
        .testTarget(name: "DistributionsTests",
                    dependencies: ["Distributions", "Randomness", "GradientCheck", "Tensors"]),
        .testTarget(name: "ConfigurationTests", dependencies: ["Configuration"]),
        .testTarget(name: "GradientCheckTests", dependencies: ["GradientCheck", "Tensors"]),
        .testTarget(name: "CorpusTests", dependencies: ["Corpus", "Randomness", "SignalProcessing"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Optimization", "Tensors", "Randomness"]),
        .testTarget(name: "TeacherTests",
                    dependencies: ["Teacher", "GradientCheck", "NeuralLayers", "Tensors", "Randomness", "LinearPrediction",
                                   "HarmonicSource", "Optimization", "Training", "Corpus", "AudioIO", "SignalProcessing"]),
        .testTarget(name: "StudentTests",
                    dependencies: ["Student", "Teacher", "GradientCheck", "LinearPrediction", "HarmonicSource", "PitchTracking", "NeuralLayers", "Tensors", "Randomness",
                                   "Optimization", "FileFormats", "SignalProcessing", "Configuration"],
                    swiftSettings: numericSwiftSettings),
        .testTarget(name: "DistillationTests",
                    dependencies: ["Distillation", "Student", "Teacher", "GradientCheck", "Training", "Corpus",
                                   "Tensors", "Randomness", "SpectralLosses", "Distributions"]),
        .testTarget(name: "PipelineTests",
                    dependencies: ["Pipeline", "Configuration", "AudioIO", "FileFormats", "Teacher", "Student", "Corpus",
                                   "Benchmarks"]),
        .testTarget(name: "BenchmarksTests",
                    dependencies: ["Benchmarks", "Teacher", "Student", "Tensors", "NeuralLayers", "SignalProcessing",
                                   "Training"]),
        .testTarget(name: "CLITests", dependencies: ["AudioIO", "FileFormats", "Plotting", "WavedistillCLI"]),
        // The experiment report: the debug recipe's page (parsed as XML, every reference resolved)
        // and the same page in a headless chromium (skipped outside CI when chromium is absent).
        .testTarget(name: "ReportTests", dependencies: ["Pipeline", "Plotting"]),

        // MARK: Fuzzing (scripts/fuzz.sh; docs/bad-input.md): the targets, the libFuzzer/replay
        // executable, and the test that replays the seed corpora and every saved crasher.
        .target(name: "FuzzTargets", dependencies: ["AudioIO", "FileFormats", "Configuration", "Pipeline"]),
        .executableTarget(name: "wavedistill-fuzz", dependencies: ["FuzzTargets"], path: "Sources/FuzzDriver"),
        .testTarget(name: "FuzzTargetsTests", dependencies: ["FuzzTargets"], exclude: ["Corpus", "Regressions"]),
    ]
)
