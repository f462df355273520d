import AudioIO
import FileFormats
import Foundation
import SignalProcessing

/// The output of the `prepare` stage, read by every later stage: for each utterance its
/// waveform (16-bit WAV at the feature rate) and log-mel features (`.npy`, [frames, n_mels]),
/// listed in `manifest.json` with the feature config that produced them.
///
/// ```
/// manifest.json   {"format": "wavedistill.corpus.v1", "feature_config": {...},
///                  "utterances": [{"id", "split", "audio", "features", "samples", "frames", "source"}]}
/// train/<id>.wav, train/<id>.npy, valid/<id>.wav, valid/<id>.npy
/// ```
public struct CorpusManifest: Codable, Sendable, Equatable {
    public static let format = "wavedistill.corpus.v1"

    public struct Entry: Codable, Sendable, Equatable {
        public var id: String
        /// `train` or `valid`.
        public var split: String
        /// Paths relative to the manifest's directory.
        public var audio: String
        public var features: String
        public var samples: Int
        public var frames: Int
        /// The original file.
        public var source: String

        public init(id: String, split: String, audio: String, features: String, samples: Int, frames: Int, source: String) {
            self.id = id
            self.split = split
            self.audio = audio
            self.features = features
            self.samples = samples
            self.frames = frames
            self.source = source
        }
    }

    public var format: String = CorpusManifest.format
    public var featureConfig: FeatureConfig
    public var utterances: [Entry]

    public init(featureConfig: FeatureConfig, utterances: [Entry]) {
        self.featureConfig = featureConfig
        self.utterances = utterances
    }

    enum CodingKeys: String, CodingKey {
        case format
        case featureConfig = "feature_config"
        case utterances
    }

    public static let fileName = "manifest.json"
}

/// One utterance in memory.
public struct Utterance: Sendable {
    public var id: String
    public var samples: [Float]
    /// Row-major [frames, n_mels].
    public var mel: [Float]
    public var frames: Int
    public var melBands: Int

    public init(id: String, samples: [Float], mel: [Float], frames: Int, melBands: Int) {
        self.id = id
        self.samples = samples
        self.mel = mel
        self.frames = frames
        self.melBands = melBands
    }
}

public enum CorpusError: Error, CustomStringConvertible {
    case missingManifest(String)
    case invalidManifest(path: String, reason: String)
    case featureMismatch(path: String, expected: String, found: String)
    case inconsistentUtterance(id: String, reason: String)
    case emptySplit(String, path: String)

    public var description: String {
        switch self {
        case .missingManifest(let path):
            return "\(path): no prepared corpus here (run the prepare stage first)"
        case let .invalidManifest(path, reason):
            return "\(path): invalid corpus manifest: \(reason)"
        case let .featureMismatch(path, expected, found):
            return "\(path): the corpus was prepared with other features (corpus \(found), config \(expected)): re-run prepare"
        case let .inconsistentUtterance(id, reason):
            return "utterance \(id): \(reason)"
        case let .emptySplit(split, path):
            return "\(path): the \(split) split has no utterances"
        }
    }
}

/// A prepared corpus on disk.
public struct PreparedCorpus {
    public let directory: URL
    public let manifest: CorpusManifest

    /// Reads the manifest; if `features` is given, the corpus must have been prepared with it.
    public init(directory: URL, expecting features: FeatureConfig? = nil) throws {
        self.directory = directory
        let url = directory.appendingPathComponent(CorpusManifest.fileName)
        guard FileManager.default.fileExists(atPath: url.path) else { throw CorpusError.missingManifest(directory.path) }
        do {
            manifest = try JSONDecoder().decode(CorpusManifest.self, from: Data(contentsOf: url))
        } catch {
            throw CorpusError.invalidManifest(path: url.path, reason: "\(error)")
        }
        guard manifest.format == CorpusManifest.format else {
            throw CorpusError.invalidManifest(path: url.path, reason: "format \(manifest.format), expected \(CorpusManifest.format)")
        }
        if let features, features != manifest.featureConfig {
            throw CorpusError.featureMismatch(path: url.path, expected: features.canonicalJSON,
                                              found: manifest.featureConfig.canonicalJSON)
        }
    }

    public func entries(split: String) -> [CorpusManifest.Entry] {
        manifest.utterances.filter { $0.split == split }
    }

    /// Loads every utterance of a split into memory (audio and features), checking that the
    /// frame count matches the audio length.
    public func load(split: String) throws -> [Utterance] {
        let entries = entries(split: split)
        guard !entries.isEmpty else { throw CorpusError.emptySplit(split, path: directory.path) }
        let bands = manifest.featureConfig.melBandCount
        let hop = manifest.featureConfig.hopLength
        return try entries.map { e in
            let audio = try Audio(contentsOf: directory.appendingPathComponent(e.audio))
            let mel = try NPY.read(from: directory.appendingPathComponent(e.features))
            guard mel.shape.count == 2, mel.shape[1] == bands else {
                throw CorpusError.inconsistentUtterance(id: e.id, reason: "features shape \(mel.shape), expected [frames, \(bands)]")
            }
            guard mel.shape[0] == 1 + audio.samples.count / hop else {
                throw CorpusError.inconsistentUtterance(id: e.id,
                    reason: "\(mel.shape[0]) frames for \(audio.samples.count) samples (expected \(1 + audio.samples.count / hop))")
            }
            return Utterance(id: e.id, samples: audio.samples, mel: mel.values, frames: mel.shape[0], melBands: bands)
        }
    }
}
