import ArgumentParser
import AudioIO
import Foundation

/// `wavedistill info FILE... [--json]`: what is in an audio file, from its header.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Show the sample rate, channels, length and format of audio files.",
        discussion: "Files that cannot be read are reported on standard error, one line each; the exit status is then 1.")

    @Argument(help: "Audio files (WAV, FLAC, OGG, ... anything libsndfile reads).")
    var files: [String]

    @Flag(help: "Print one JSON object per file per line (keys: path, sample_rate, channels, frames, duration_s, format).")
    var json = false

    func run() throws {
        var failures = 0
        for file in files {
            do {
                let info = try AudioFileInfo(contentsOf: CLISupport.fileURL(file))
                print(json ? try jsonLine(info, path: file) : textLine(info, path: file))
            } catch {
                CLISupport.printToStandardError("Error: \(CLISupport.oneLine(error))")
                failures += 1
            }
        }
        if failures > 0 { throw ExitCode.failure }
    }

    private func textLine(_ info: AudioFileInfo, path: String) -> String {
        let channels = info.channelCount == 1 ? "1 channel" : "\(info.channelCount) channels"
        let seconds = String(format: "%.3f", info.duration)
        return "\(path): \(info.format), \(info.sampleRate) Hz, \(channels), \(info.frameCount) frames (\(seconds) s)"
    }

    private func jsonLine(_ info: AudioFileInfo, path: String) throws -> String {
        let record = InfoRecord(path: path, sampleRate: info.sampleRate, channels: info.channelCount,
                                frames: info.frameCount, duration: info.duration, format: info.format)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(record), as: UTF8.self)
    }

    /// The JSON line of one file.
    private struct InfoRecord: Encodable {
        var path: String
        var sampleRate: Int
        var channels: Int
        var frames: Int
        var duration: Double
        var format: String

        enum CodingKeys: String, CodingKey {
            case path, sampleRate = "sample_rate", channels, frames, duration = "duration_s", format
        }
    }
}
