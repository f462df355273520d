import ArgumentParser
import AudioIO
import Configuration
import FileFormats
import Foundation
import SignalProcessing

/// A failure reported to the user as one line: ArgumentParser prints it as `Error: <message>`
/// and exits with status 1 (no usage text, no stack trace).
struct CLIError: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

enum CLISupport {
    /// Runs a command body so that every error reaches the user as a single line: library
    /// errors keep their own message (which names the file), multi-line messages (e.g. a YAML
    /// parser's) are joined with "; ". ArgumentParser's own exit requests pass through.
    static func reportingErrors<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let exit as ExitCode {
            throw exit
        } catch let exit as CleanExit {
            throw exit
        } catch {
            throw CLIError(oneLine(error))
        }
    }

    /// The error's description on one line.
    static func oneLine(_ error: any Error) -> String {
        String(describing: error)
            .split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
            .joined(separator: "; ")
    }

    /// Writes one line to standard error (Swift 6 cannot use the C `stderr` global).
    static func printToStandardError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// `warning: <message>` on standard error.
    static func warn(_ message: String) {
        printToStandardError("warning: \(message)")
    }

    /// Prints the clipping warning of a WAV write, if any: clipping is never silent.
    static func warnIfClipped(_ report: WAVWriteReport) {
        if let warning = report.warning { warn(warning) }
    }

    /// This process's command line as a shell command (`wavedistill run p.yaml --exp-dir 'my exp'`):
    /// re-running it resumes an interrupted run.
    static func sameCommand() -> String {
        let words = CommandLine.arguments.dropFirst().map { word -> String in
            let safe = !word.isEmpty && word.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:,+@%".contains($0) }
            return safe ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }
        return (["wavedistill"] + words).joined(separator: " ")
    }

    /// A file URL for a command-line path (relative paths resolve against the working directory).
    static func fileURL(_ path: String) -> URL {
        URL(fileURLWithPath: path)
    }

    /// Fails early, before any work, if the directory that would hold `path` does not exist.
    static func requireOutputDirectory(for path: String) throws {
        let directory = fileURL(path).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CLIError("\(path): cannot write: directory \(directory) does not exist")
        }
    }

    /// The log-mel features of `samples`, read from `path` (the extractor's error names the file).
    static func logMel(of samples: [Float], from path: String, _ features: FeatureConfig) throws -> Spectrogram {
        do {
            return try LogMelExtractor(config: features).features(of: samples)
        } catch {
            throw CLIError("\(path): \(error)")
        }
    }

    /// A features file (`.npy`, float32 `[frames, n_mels]`) for a model whose checkpoint has
    /// `features`: two dimensions, at least one frame, the model's band count, every value finite.
    static func readLogMel(_ path: String, for features: FeatureConfig) throws -> Spectrogram {
        let array = try NPY.read(from: fileURL(path))
        guard array.shape.count == 2, array.shape[0] > 0, array.shape[1] == features.melBandCount else {
            throw CLIError("\(path): features must be [frames, \(features.melBandCount)] for this model, got \(array.shape)")
        }
        guard array.values.allSatisfy({ $0.isFinite }) else { throw CLIError("\(path): features contain NaN or infinity") }
        return Spectrogram(frameCount: array.shape[0], binCount: array.shape[1], values: array.values)
    }

    /// The feature definition for a command: the `features:` section of a pipeline YAML file,
    /// or the defaults when no file is given (or it has no such section). Unknown keys inside
    /// `features:` are errors naming the key and line; other top-level sections are ignored
    /// here (the pipeline stages read those).
    static func featureConfig(fromPipeline path: String?) throws -> FeatureConfig {
        guard let path else { return FeatureConfig() }
        return try YAMLConfigLoader.load(PipelineFeatureSection.self, from: fileURL(path)).features
    }
}

/// The part of a pipeline file that feature extraction needs.
private struct PipelineFeatureSection: Decodable {
    var features = FeatureConfig()

    enum CodingKeys: String, CodingKey { case features }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        features = try container.decodeIfPresent(FeatureConfig.self, forKey: .features) ?? FeatureConfig()
    }
}
