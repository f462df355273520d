import Foundation
import FileFormats
import Tensors
#if canImport(Glibc)
import Glibc
#endif

/// A run's checkpoints on disk, so that a killed run resumes from the last *complete*
/// checkpoint and never from a half-written one.
///
/// ```
/// <directory>/
///   latest                         "step-00001200\n", replaced atomically after each save
///   step-00001000/                 a complete checkpoint
///     model.safetensors            weights + CheckpointMetadata
///     ema.safetensors              EMA weights (only when EMA is on)
///     optimizer.safetensors        Adam state
///     state.json                   written last: {"format", "files", "training": TrainingState}
///   step-00001200/
///   step-00001400.incomplete/      a save in progress, or one a crash interrupted: never read
/// ```
/// A save writes every file atomically (temporary file, fsync, rename) into
/// `step-N.incomplete/`, `state.json` last, renames the directory to `step-N/` (atomic), fsyncs
/// the parent, then replaces `latest` atomically, and finally deletes all but the newest
/// `keepLast` complete checkpoints. A crash at any point leaves `latest` naming a complete
/// checkpoint. Resuming follows `latest`; if it is missing or names something incomplete, the
/// newest complete `step-N/` wins. One process writes a given directory.
public struct CheckpointStore {
    public static let format = "wavedistill.checkpoint.v1"
    public static let modelFileName = "model.safetensors"
    public static let emaFileName = "ema.safetensors"
    public static let optimizerFileName = "optimizer.safetensors"
    public static let stateFileName = "state.json"
    public static let latestFileName = "latest"
    static let incompleteSuffix = ".incomplete"

    public let directory: URL
    /// Complete checkpoints to keep (the newest ones); at least 1.
    public let keepLast: Int

    public init(directory: URL, keepLast: Int = 3) {
        precondition(keepLast >= 1, "keepLast must be at least 1, got \(keepLast)")
        self.directory = directory
        self.keepLast = keepLast
    }

    /// A complete checkpoint directory.
    public struct Entry: Sendable, Equatable {
        public var step: Int
        public var url: URL
    }

    /// What `restore` read. The model's weights have been assigned already.
    public struct Restored {
        public var entry: Entry
        public var metadata: CheckpointMetadata
        public var optimizer: Adam
        public var ema: ExponentialMovingAverage?
        public var state: TrainingState
    }

    /// `step-00001200` for step 1200 (8 digits so directory listings sort; more digits if needed).
    public static func directoryName(step: Int) -> String {
        let digits = String(step)
        return "step-" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }

    /// Saves a complete checkpoint for `state.step` and returns its directory.
    @discardableResult
    public func save(model: ParameterSet, metadata: CheckpointMetadata, optimizer: Adam,
                     ema: ExponentialMovingAverage?, state: TrainingState) throws -> URL {
        guard metadata.step == state.step else {
            throw CheckpointError.invalidMetadata(file: directory.path, key: "step", value: String(metadata.step),
                                                  reason: "differs from the training state's step \(state.step)")
        }
        let fileManager = FileManager.default
        try createDirectory(directory)
        let name = Self.directoryName(step: state.step)
        let staging = directory.appendingPathComponent(name + Self.incompleteSuffix)
        let final = directory.appendingPathComponent(name)
        try remove(staging)
        try createDirectory(staging)

        try model.save(to: staging.appendingPathComponent(Self.modelFileName), metadata: metadata)
        var files = [Self.modelFileName, Self.optimizerFileName]
        if let ema {
            try ema.save(to: staging.appendingPathComponent(Self.emaFileName), metadata: metadata)
            files.append(Self.emaFileName)
        }
        try optimizer.save(to: staging.appendingPathComponent(Self.optimizerFileName))
        let document = StateDocument(format: Self.format, files: files, training: state)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(encoder.encode(document), to: staging.appendingPathComponent(Self.stateFileName))

        if fileManager.fileExists(atPath: final.path) { try remove(final) }  // re-saving a step after a resume
        guard rename(staging.path, final.path) == 0 else {
            throw CheckpointError.fileSystem(path: final.path, reason: "cannot rename \(staging.lastPathComponent): "
                                             + String(cString: strerror(errno)))
        }
        syncDirectory(directory)
        try AtomicFile.write(Data((name + "\n").utf8), to: directory.appendingPathComponent(Self.latestFileName))
        try prune()
        return final
    }

    /// Complete checkpoints, oldest first.
    public func completeCheckpoints() -> [Entry] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.compactMap { name -> Entry? in
            guard let step = Self.step(fromDirectoryName: name) else { return nil }
            let url = directory.appendingPathComponent(name)
            return isComplete(url, step: step) ? Entry(step: step, url: url) : nil
        }.sorted { $0.step < $1.step }
    }

    /// The checkpoint to resume from: the one `latest` names if it is complete, otherwise the
    /// newest complete one; nil for a fresh run.
    public func latest() -> Entry? {
        let latestURL = directory.appendingPathComponent(Self.latestFileName)
        if let text = try? String(contentsOf: latestURL, encoding: .utf8) {
            let name = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if let step = Self.step(fromDirectoryName: name) {
                let url = directory.appendingPathComponent(name)
                if isComplete(url, step: step) { return Entry(step: step, url: url) }
            }
        }
        return completeCheckpoints().last
    }

    /// Restores the latest complete checkpoint: reads and checks every file first, then assigns
    /// the weights to `model`. Returns nil when there is no checkpoint (a fresh run).
    public func restore(into model: ParameterSet, expectedFormat: String? = nil) throws -> Restored? {
        guard let entry = latest() else { return nil }
        let document = try readState(entry.url)
        let modelFile = try SafetensorsFile(contentsOf: entry.url.appendingPathComponent(Self.modelFileName))
        let metadata = try CheckpointMetadata(from: modelFile)
        if let expectedFormat { try metadata.requireFormat(expectedFormat, file: modelFile.source) }
        let weights = try modelFile.tensors(matching: model.tensorSpecs)
        let optimizer = try Adam(contentsOf: entry.url.appendingPathComponent(Self.optimizerFileName), for: model)
        var ema: ExponentialMovingAverage?
        if document.files.contains(Self.emaFileName) {
            ema = try ExponentialMovingAverage(contentsOf: entry.url.appendingPathComponent(Self.emaFileName),
                                               tracking: model)
        }
        for (parameter, tensor) in zip(model.parameters, weights) {
            parameter.value.scalars = tensor.scalars
        }
        return Restored(entry: entry, metadata: metadata, optimizer: optimizer, ema: ema, state: document.training)
    }

    // MARK: Internals

    /// `state.json`'s top level.
    struct StateDocument: Codable {
        var format: String
        var files: [String]
        var training: TrainingState
    }

    func readState(_ checkpoint: URL) throws -> StateDocument {
        let url = checkpoint.appendingPathComponent(Self.stateFileName)
        let document: StateDocument
        do {
            document = try JSONDecoder().decode(StateDocument.self, from: Data(contentsOf: url))
        } catch {
            throw CheckpointError.invalidStateFile(file: url.path, reason: "\(error)")
        }
        guard document.format == Self.format else {
            throw CheckpointError.formatMismatch(file: url.path, expected: Self.format, found: document.format)
        }
        return document
    }

    /// Complete: `state.json` reads, names this step, and every file it lists exists.
    func isComplete(_ url: URL, step: Int) -> Bool {
        guard let document = try? readState(url), document.training.step == step else { return false }
        return document.files.allSatisfy {
            FileManager.default.fileExists(atPath: url.appendingPathComponent($0).path)
        }
    }

    static func step(fromDirectoryName name: String) -> Int? {
        guard name.hasPrefix("step-") else { return nil }
        let digits = name.dropFirst(5)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(digits)
    }

    /// Deletes complete checkpoints beyond the newest `keepLast` (never the one `latest` names),
    /// leftover `.incomplete` directories, and incomplete `step-N/` directories older than the latest.
    func prune() throws {
        let complete = completeCheckpoints()
        guard let newest = latest() else { return }
        var keep = Set(complete.suffix(keepLast).map(\.step))
        keep.insert(newest.step)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        for name in names {
            let url = directory.appendingPathComponent(name)
            if name.hasSuffix(Self.incompleteSuffix), Self.step(fromDirectoryName: String(name.dropLast(Self.incompleteSuffix.count))) != nil {
                try remove(url)
            } else if let step = Self.step(fromDirectoryName: name), !keep.contains(step),
                      step < newest.step || complete.contains(where: { $0.step == step }) {
                try remove(url)
            }
        }
    }

    private func createDirectory(_ url: URL) throws {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw CheckpointError.fileSystem(path: url.path, reason: "cannot create directory: \(error.localizedDescription)")
        }
    }

    private func remove(_ url: URL) throws {
        guard FileManager.default.fileExists(atPath: url.path) else { return }
        do {
            try FileManager.default.removeItem(at: url)
        } catch {
            throw CheckpointError.fileSystem(path: url.path, reason: "cannot remove: \(error.localizedDescription)")
        }
    }

    /// Makes a rename inside `url` durable.
    private func syncDirectory(_ url: URL) {
        let fd = open(url.path, O_RDONLY)
        if fd >= 0 { fsync(fd); close(fd) }
    }
}
