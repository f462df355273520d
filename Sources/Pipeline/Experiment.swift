import Configuration
import FileFormats
import Foundation
import Training

/// The directory of one pipeline's runs, `exp/<name>/`, and the bookkeeping that makes stages
/// skippable, invalidatable and resumable:
///
/// ```
/// exp/<name>/pipeline.json           the resolved config of the last run
/// exp/<name>/NN-<stage>/config.json  the config sections this stage depends on
/// exp/<name>/NN-<stage>/log.txt      everything the stage printed, timestamped
/// exp/<name>/NN-<stage>/STARTED      the config hash of the run in progress
/// exp/<name>/NN-<stage>/DONE         the config hash that produced the finished outputs
/// exp/<name>/summary.json            artifacts and headline metrics (written by `run`)
/// ```
/// Each stage's hash covers its own config sections and the hashes of the stages it reads, so
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

    public func directory(_ stage: Stage) -> URL { root.appendingPathComponent(stage.directoryName) }

    /// The config sections `stage` depends on directly, as canonical JSON.
    public func ownConfig(_ stage: Stage) -> [String: String] {
        let c = config
        switch stage {
        case .prepare:
            return ["data": JSONConfig.encode(c.data), "features": JSONConfig.encode(c.features)]
        case .trainTeacher:
            return ["teacher": JSONConfig.encode(c.teacher), "training.teacher": JSONConfig.encode(c.training.teacher),
                    "seed": String(c.seed)]
        case .distill:
            return ["student": JSONConfig.encode(c.student), "losses": JSONConfig.encode(c.losses),
                    "training.student": JSONConfig.encode(c.training.student), "seed": String(c.seed)]
        case .synthesize:
            return ["synthesis": JSONConfig.encode(c.synthesis)]
        case .evaluate:
            return ["evaluation": JSONConfig.encode(c.evaluation)]
        case .bench:
            return ["benchmark": JSONConfig.encode(c.benchmark)]
        }
    }

    /// FNV-1a 64 over the stage's own sections and its upstream stages' hashes.
    public func hash(_ stage: Stage) -> String {
        var text = stage.name + "\n"
        for (k, v) in ownConfig(stage).sorted(by: { $0.key < $1.key }) { text += "\(k)=\(v)\n" }
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
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        var sections: [String: String] = ownConfig(stage)
        sections["stage_hash"] = h
        try AtomicFile.write(encoder.encode(sections), to: dir.appendingPathComponent("config.json"))
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
