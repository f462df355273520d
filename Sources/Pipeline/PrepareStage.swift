import AudioIO
import Corpus
import FileFormats
import Foundation
import SignalProcessing
import Training

/// Stage 1: finds the audio, holds out the validation utterances, resamples every file to the
/// feature rate and writes its waveform and log-mel features, plus the manifest that every
/// later stage reads (see `PreparedCorpus`).
public enum PrepareStage {
    static let audioExtensions: Set<String> = ["wav", "flac", "ogg", "aiff", "aif"]

    /// Audio files under the configured folders, sorted by id; ids must be unique.
    public static func findAudio(_ data: DataConfig) throws -> [(id: String, url: URL)] {
        var found: [String: URL] = [:]
        for dir in data.audioDirs {
            let root = URL(fileURLWithPath: dir)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw PipelineError.noAudio("data.audio_dirs: folder \(dir) does not exist (relative paths are resolved from \(FileManager.default.currentDirectoryPath))")
            }
            let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)?
                .compactMap { $0 as? URL } ?? []
            for url in files where audioExtensions.contains(url.pathExtension.lowercased()) {
                let id = url.deletingPathExtension().lastPathComponent
                if let other = found[id] {
                    throw PipelineError.noAudio("two audio files share the id \(id): \(other.path) and \(url.path)")
                }
                found[id] = url
            }
        }
        return found.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// The full festvox-ru voice for the big recipe, fetched from the Debian package.
    static func fetchIfRequested(_ data: DataConfig, sink: LogSink) throws {
        guard let target = data.fetchFullVoice else { return }
        if let existing = try? findAudio(data), !existing.isEmpty { return }
        sink.line("prepare: no audio in \(data.audioDirs); fetching the full voice into \(target)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["scripts/fetch-corpus.sh", "--full-voice", target]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw PipelineError.fetchFailed("scripts/fetch-corpus.sh --full-voice \(target) failed (exit \(process.terminationStatus))")
        }
    }

    public static func run(_ config: PrepareInputs, stages: StageDirectories, directory: URL, sink: LogSink) throws {
        try fetchIfRequested(config.data, sink: sink)
        let files = try findAudio(config.data)
        guard !files.isEmpty else {
            throw PipelineError.noAudio("no audio files (\(audioExtensions.sorted().joined(separator: ", "))) under \(config.data.audioDirs)")
        }
        let validationIDs: Set<String>
        if config.data.validation.isEmpty {
            validationIDs = Set(files.suffix(min(config.data.validationCount, files.count - 1)).map(\.id))
        } else {
            let ids = Set(files.map(\.id))
            let missing = config.data.validation.filter { !ids.contains($0) }
            guard missing.isEmpty else {
                throw PipelineError.noAudio("data.validation names utterances that were not found: \(missing.joined(separator: ", "))")
            }
            validationIDs = Set(config.data.validation)
        }
        var trainFiles = files.filter { !validationIDs.contains($0.id) }
        if config.data.maxTrainUtterances > 0 { trainFiles = Array(trainFiles.prefix(config.data.maxTrainUtterances)) }
        guard !trainFiles.isEmpty else { throw PipelineError.noAudio("every utterance is held out: nothing to train on") }
        let selected = trainFiles.map { ($0, "train") } + files.filter { validationIDs.contains($0.id) }.map { ($0, "valid") }

        let features = config.features
        let extractor = try LogMelExtractor(config: features)
        let fm = FileManager.default
        for split in ["train", "valid"] {
            try fm.createDirectory(at: directory.appendingPathComponent(split), withIntermediateDirectories: true)
        }
        var entries: [CorpusManifest.Entry] = []
        var seconds = 0.0
        for (index, (file, split)) in selected.enumerated() {
            let audio = try Audio(contentsOf: file.url, sampleRate: features.sampleRate)
            let mel: Spectrogram
            do {
                mel = try extractor.features(of: audio.samples)
            } catch {
                throw PipelineError.badInput("\(file.url.path): \(error)")
            }
            let audioPath = "\(split)/\(file.id).wav", featurePath = "\(split)/\(file.id).npy"
            // Float WAV: the resampled waveform is kept exactly (no second quantisation).
            _ = try audio.writeWAV(to: directory.appendingPathComponent(audioPath), encoding: .float32)
            try NPY.write(mel.values, shape: [mel.frameCount, mel.binCount], to: directory.appendingPathComponent(featurePath))
            entries.append(CorpusManifest.Entry(id: file.id, split: split, audio: audioPath, features: featurePath,
                                                samples: audio.samples.count, frames: mel.frameCount, source: file.url.path))
            seconds += audio.duration
            if (index + 1) % 50 == 0 { sink.line("prepare: \(index + 1)/\(selected.count) utterances") }
        }
        let manifest = CorpusManifest(featureConfig: features, utterances: entries)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(encoder.encode(manifest), to: directory.appendingPathComponent(CorpusManifest.fileName))
        let nTrain = entries.filter { $0.split == "train" }.count
        sink.line(String(format: "prepare: %d utterances (%d train, %d valid), %.1f s of audio, features [frames, %d]",
                         entries.count, nTrain, entries.count - nTrain, seconds, features.melBandCount))
    }
}
