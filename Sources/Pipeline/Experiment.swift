import Configuration
import FileFormats
import Foundation
import Training

/// The directory of one pipeline's runs, `exp/<name>/`, and the bookkeeping that makes stages
/// skippable, invalidatable and resumable:
///
/// ```
/// exp/<name>/pipeline.json           the resolved config of the last run
/// exp/<name>/NN-<stage>/config.json  the stage's inputs (the config keys it reads) and its hash
/// exp/<name>/NN-<stage>/log.txt      everything the stage printed, timestamped
/// exp/<name>/NN-<stage>/STARTED      the config hash of the run in progress
/// exp/<name>/NN-<stage>/DONE         the config hash that produced the finished outputs
/// exp/<name>/summary.json            artifacts and headline metrics (written by `run`)
/// ```
/// Each stage's hash covers its inputs (`StageInputs`: every config key the stage reads, and
/// nothing the stage body could read besides) and the hashes of the stages it reads, so
/// changing a student key changes the hashes of distill and everything after it, and nothing
/// before. A stage whose DONE matches is skipped; one whose STARTED matches resumes (its
/// checkpoints were written under the same config); anything else starts from a clean directory.
public struct Experiment {
    public let config: PipelineConfig
    public let root: URL

    public init(config: PipelineConfig, directory: URL? = nil) {
        self.config = config
        root = directory ?? URL(fileURLWithPath: "exp").appendingPathComponent(config.name)
    }

    public func directory(_ stage: Stage) -> URL { directories.directory(stage) }

    /// The stage directories, for a stage body (which gets these and its inputs, not the config).
    public var directories: StageDirectories { StageDirectories(root: root) }

    /// What `stage` reads from the config, as canonical JSON (sorted keys): its whole cache key
    /// besides the upstream stages' hashes. The stage body reads only this value.
    public func inputsJSON(_ stage: Stage) -> String { config.inputs(stage).canonicalJSON }

    /// FNV-1a 64 over the stage's inputs and its upstream stages' hashes.
    public func hash(_ stage: Stage) -> String {
        var text = stage.name + "\n" + "inputs=" + inputsJSON(stage) + "\n"
        for up in stage.upstream where up != stage { text += "upstream \(up.name)=\(hash(up))\n" }
        let h = text.utf8.reduce(UInt64(0xcbf2_9ce4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
        return String(h, radix: 16)
    }

    private func marker(_ stage: Stage, _ name: String) -> URL { directory(stage).appendingPathComponent(name) }

    private func read(_ url: URL) -> String? {
        (try? String(contentsOf: url, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public func isComplete(_ stage: Stage) -> Bool { read(marker(stage, "DONE")) == hash(stage) }

    /// Prepares the stage directory: keeps it when a run with the same config was in progress
    /// (resume), otherwise empties it. Writes STARTED and config.json.
    public func begin(_ stage: Stage) throws -> (directory: URL, resuming: Bool) {
        let fm = FileManager.default
        let dir = directory(stage)
        let h = hash(stage)
        let resuming = read(marker(stage, "STARTED")) == h && read(marker(stage, "DONE")) != h
        if fm.fileExists(atPath: dir.path) && !resuming { try fm.removeItem(at: dir) }
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        try AtomicFile.write(Data((h + "\n").utf8), to: marker(stage, "STARTED"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(encoder.encode(StageRecord(inputs: config.inputs(stage), stageHash: h)),
                             to: dir.appendingPathComponent("config.json"))
        return (dir, resuming)
    }

    public func finish(_ stage: Stage) throws {
        try AtomicFile.write(Data((hash(stage) + "\n").utf8), to: marker(stage, "DONE"))
    }

    /// Throws unless every stage `stage` reads has finished under the current config.
    public func requireUpstream(_ stage: Stage) throws {
        for up in stage.upstream where !isComplete(up) {
            throw PipelineError.upstreamIncomplete(stage: stage, missing: up, directory: directory(up).path)
        }
    }
}

/// `config.json` of a stage directory.
private struct StageRecord: Encodable {
    var inputs: any StageInputs
    var stageHash: String

    enum CodingKeys: String, CodingKey {
        case inputs
        case stageHash = "stage_hash"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(inputs, forKey: .inputs)
        try c.encode(stageHash, forKey: .stageHash)
    }
}

public enum PipelineError: Error, CustomStringConvertible {
    case upstreamIncomplete(stage: Stage, missing: Stage, directory: String)
    case badStageRange(String)
    case noAudio(String)
    case featureMismatch(checkpoint: String, expected: String, found: String)
    case fetchFailed(String)
    /// An input file the stage cannot use (the message names it).
    case badInput(String)
    /// The stage's estimated memory exceeds what the machine has available.
    case insufficientMemory(String)
    /// Another process holds the experiment directory's lock.
    case locked(directory: String, holder: String)
    /// The experiment directory cannot be created or written.
    case cannotWrite(path: String, reason: String)
    /// Interrupted by a signal (Ctrl-C): where it stopped and how to go on.
    case interrupted(stage: Stage, detail: String, resume: String)
    case failed(stage: Stage, underlying: String, log: String)

    public var description: String {
        switch self {
        case let .upstreamIncomplete(stage, missing, directory):
            return "\(stage) needs \(missing) to be complete under the current config (\(directory)); run it first or use --stage \(missing.rawValue)"
        case .badStageRange(let message):
            return message
        case .noAudio(let message):
            return message
        case let .featureMismatch(checkpoint, expected, found):
            return "\(checkpoint) was trained on other features than this pipeline's (checkpoint: \(found); pipeline: \(expected))"
        case .fetchFailed(let message), .badInput(let message), .insufficientMemory(let message):
            return message
        case let .locked(directory, holder):
            return "\(directory) is in use by \(holder); wait for that run to finish (or stop it) before starting another on this directory"
        case let .cannotWrite(path, reason):
            return "\(path): cannot write to the experiment directory: \(reason)"
        case let .interrupted(stage, detail, resume):
            return "interrupted in \(stage)\(detail.isEmpty ? "" : " (\(detail))"); to resume: \(resume)"
        case let .failed(stage, underlying, log):
            return "\(stage) failed: \(underlying) (log: \(log); earlier stages are intact)"
        }
    }
}
