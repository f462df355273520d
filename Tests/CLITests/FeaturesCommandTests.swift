import AudioIO
import FileFormats
import Foundation
import Testing

@Suite struct FeaturesCommandTests {
    static func tone(count: Int, rate: Int) -> Audio {
        Audio(samples: (0..<count).map { Float(0.3 * sin(2 * Double.pi * 440 * Double($0) / Double(rate))) }, sampleRate: rate)
    }

    @Test func writesDefaultFeatures() throws {
        let runner = try WavedistillRunner.locate()
        let workspace = try Workspace()
        _ = try Self.tone(count: 16000, rate: 16000).writeWAV(to: workspace.file("in.wav"))
        let result = try runner.run(["features", "in.wav", "--out", "out.npy"], in: workspace.url)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError.isEmpty)
        #expect(result.outputLines.count == 1 && result.outputLines.first?.hasPrefix("out.npy: 63 frames x 80 mel bands") == true)
        let array = try NPY.read(from: workspace.file("out.npy"))
        #expect(array.shape == [1 + 16000 / 256, 80])
        #expect(array.values.allSatisfy { $0.isFinite && $0 >= -5 })
        #expect(workspace.contents == ["in.wav", "out.npy"])
    }

    /// Input at another rate is resampled to the feature rate first (44100 -> 16000 samples).
    @Test func resamplesToTheFeatureRate() throws {
        let runner = try WavedistillRunner.locate()
        let workspace = try Workspace()
        _ = try Self.tone(count: 44100, rate: 44100).writeWAV(to: workspace.file("in.wav"))
        let result = try runner.run(["features", "in.wav", "--out", "out.npy"], in: workspace.url)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(try NPY.read(from: workspace.file("out.npy")).shape == [63, 80])
    }

    /// Only `features:` is read; other top-level sections are left to the pipeline.
    @Test func readsTheFeaturesSectionOfAPipelineFile() throws {
        let runner = try WavedistillRunner.locate()
        let workspace = try Workspace()
        _ = try Self.tone(count: 16000, rate: 16000).writeWAV(to: workspace.file("in.wav"))
        try workspace.write("""
            teacher:
              layers: 24
            features:
              n_mels: 40
              hop_length: 160
              fmin: 0
            """, to: "pipeline.yaml")
        let result = try runner.run(["features", "in.wav", "--out", "out.npy", "--config", "pipeline.yaml"], in: workspace.url)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(try NPY.read(from: workspace.file("out.npy")).shape == [1 + 16000 / 160, 40])
    }

    /// One failure case: what to set up, the command's extra arguments, and what the single
    /// stderr line must mention.
    struct Failure: CustomTestStringConvertible, Sendable {
        var name: String
        var input = "in.wav"
        var extraArguments: [String] = []
        var mentions: [String]
        var setUp: @Sendable (Workspace) throws -> Void
        var testDescription: String { name }
    }

    static let failures: [Failure] = [
        Failure(name: "missing input", input: "absent.wav", mentions: ["absent.wav", "no such file"]) { _ in },
        Failure(name: "text file named .wav", mentions: ["in.wav", "not a readable audio file"]) { w in
            try w.write("this is not audio\n", to: "in.wav")
        },
        Failure(name: "0-byte file", mentions: ["in.wav", "0 bytes"]) { w in try w.write("", to: "in.wav") },
        Failure(name: "zero-length WAV", mentions: ["in.wav", "empty"]) { w in
            _ = try Audio(samples: [], sampleRate: 16000).writeWAV(to: w.file("in.wav"))
        },
        Failure(name: "truncated WAV", mentions: ["in.wav", "truncated"]) { w in
            _ = try tone(count: 1000, rate: 16000).writeWAV(to: w.file("in.wav"))
            let handle = try FileHandle(forWritingTo: w.file("in.wav"))
            try handle.truncate(atOffset: 500)
            try handle.close()
        },
        Failure(name: "audio too short to frame", mentions: ["in.wav", "too short"]) { w in
            _ = try tone(count: 100, rate: 16000).writeWAV(to: w.file("in.wav"))
        },
        Failure(name: "output directory missing", extraArguments: ["--out", "no/such/dir/out.npy"],
                mentions: ["no/such/dir/out.npy", "does not exist"]) { w in
            _ = try tone(count: 16000, rate: 16000).writeWAV(to: w.file("in.wav"))
        },
        Failure(name: "unknown key in features", extraArguments: ["--config", "p.yaml"],
                mentions: ["p.yaml:3", "features.n_mel", "unknown key"]) { w in
            _ = try tone(count: 16000, rate: 16000).writeWAV(to: w.file("in.wav"))
            try w.write("features:\n  hop_length: 128\n  n_mel: 40\n", to: "p.yaml")
        },
        Failure(name: "out-of-range value", extraArguments: ["--config", "p.yaml"],
                mentions: ["p.yaml:2", "features.hop_length"]) { w in
            _ = try tone(count: 16000, rate: 16000).writeWAV(to: w.file("in.wav"))
            try w.write("features:\n  hop_length: 0\n", to: "p.yaml")
        },
        Failure(name: "missing config file", extraArguments: ["--config", "absent.yaml"], mentions: ["absent.yaml"]) { w in
            _ = try tone(count: 16000, rate: 16000).writeWAV(to: w.file("in.wav"))
        },
        Failure(name: "invalid YAML", extraArguments: ["--config", "p.yaml"], mentions: ["p.yaml", "not valid YAML"]) { w in
            _ = try tone(count: 16000, rate: 16000).writeWAV(to: w.file("in.wav"))
            try w.write("features: [unclosed\n  n_mels: 3\n", to: "p.yaml")
        },
    ]

    /// Every failure exits 1 with exactly one stderr line naming the file and the problem,
    /// and leaves no output (or temporary) file behind.
    @Test(arguments: failures)
    func failsWithOneLineAndNoOutput(_ failure: Failure) throws {
        let runner = try WavedistillRunner.locate()
        let workspace = try Workspace()
        try failure.setUp(workspace)
        let before = workspace.contents
        var arguments = ["features", failure.input]
        if !failure.extraArguments.contains("--out") { arguments += ["--out", "out.npy"] }
        arguments += failure.extraArguments
        let result = try runner.run(arguments, in: workspace.url)
        #expect(result.status == 1)
        #expect(result.errorLines.count == 1, "stderr: \(result.standardError)")
        let line = result.errorLines.first ?? ""
        #expect(line.hasPrefix("Error: "))
        for word in failure.mentions { #expect(line.contains(word), "'\(word)' missing from: \(line)") }
        #expect(result.standardOutput.isEmpty)
        #expect(workspace.contents == before, "files left behind: \(workspace.contents)")
    }

    /// A missing required option is ArgumentParser's usage error: non-zero exit, and the first
    /// line names the option (the usage lines that follow come from ArgumentParser).
    @Test func missingOutOptionIsAUsageError() throws {
        let runner = try WavedistillRunner.locate()
        let workspace = try Workspace()
        let result = try runner.run(["features", "in.wav"], in: workspace.url)
        #expect(result.status != 0)
        #expect(result.errorLines.first?.contains("--out") == true)
        #expect(workspace.contents.isEmpty)
    }
}
