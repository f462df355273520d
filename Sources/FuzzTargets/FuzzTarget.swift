import AudioIO
import Configuration
import FileFormats
import Foundation
import Pipeline

/// The inputs the fuzzers drive (`scripts/fuzz.sh`): bytes go through the same readers as files
/// on disk. A reader may throw on any input, but must never trap, and what it accepts must
/// satisfy the invariants checked here: a failed check is a crash, so the fuzzer reports it
/// like any other (silent corruption counts as a crash).
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// WAV/FLAC/Ogg/MP3/AIFF/... bytes through libsndfile's virtual I/O, resampled to 16 kHz.
    case audio
    /// `.npy` bytes.
    case npy
    /// safetensors bytes.
    case safetensors
    /// Recipe YAML text through the pipeline config loader.
    case recipe

    /// Runs one input. Returns true when the reader accepted it.
    @discardableResult
    public func run(_ data: Data) -> Bool {
        switch self {
        case .audio: return Self.audio(data)
        case .npy: return Self.npy(data)
        case .safetensors: return Self.safetensors(data)
        case .recipe: return Self.recipe(data)
        }
    }

    static func audio(_ data: Data) -> Bool {
        guard let audio = try? Audio(decoding: data, path: "fuzz", sampleRate: 16000) else { return false }
        check(!audio.samples.isEmpty, "audio: accepted with no samples")
        check(audio.samples.allSatisfy(\.isFinite), "audio: accepted with non-finite samples")
        check(audio.sampleRate == 16000, "audio: not resampled")
        return true
    }

    static func npy(_ data: Data) -> Bool {
        guard let array = try? NPY.decode(data, path: "fuzz") else { return false }
        check(array.values.count == array.shape.reduce(1, *), "npy: shape \(array.shape) for \(array.values.count) values")
        // What was accepted round-trips (as float32) bit for bit.
        if let again = try? NPY.decode(NPY.encode(array.values, shape: array.shape)) {
            check(again.shape == array.shape
                  && zip(again.values, array.values).allSatisfy { $0.bitPattern == $1.bitPattern }, "npy: round trip differs")
        } else {
            check(false, "npy: an accepted array cannot be re-encoded")
        }
        return true
    }

    static func safetensors(_ data: Data) -> Bool {
        guard let file = try? SafetensorsFile(decoding: data, source: "fuzz") else { return false }
        for tensor in file.tensors {
            check(tensor.scalars.count == tensor.shape.reduce(1, *), "safetensors: \(tensor.name) shape/value count")
        }
        if let again = try? SafetensorsFile(decoding: file.encoded(), source: "fuzz") {
            check(again.names == file.names && again.metadata == file.metadata, "safetensors: round trip differs")
        }
        return true
    }

    static func recipe(_ data: Data) -> Bool {
        let text = String(decoding: data, as: UTF8.self)
        guard let config = try? YAMLConfigLoader.decode(PipelineConfig.self, from: text, file: "fuzz.yaml") else { return false }
        // Every accepted recipe must be writable as the stages' JSON configs (a non-finite number
        // was not, and the stage hash silently covered "{}").
        let experiment = Experiment(config: config, directory: URL(fileURLWithPath: "/nonexistent"))
        for stage in Stage.allCases {
            check(experiment.inputsJSON(stage) != "{}", "recipe: the inputs of \(stage) cannot be encoded")
            _ = experiment.hash(stage)
            _ = MemoryEstimate.bytes(for: stage, config: config)
        }
        return true
    }

    /// A failed invariant: trap with the reason (the fuzzer saves the input).
    static func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
        if !condition() { fatalError("fuzz invariant: \(message())") }
    }
}
