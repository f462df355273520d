import AudioIO
import FileFormats
import Foundation
import Testing

/// `score --mel --self-consistency` on the pretrained teacher: its own samples, scored under the
/// mel they were drawn from, score their entropy; samples drawn colder than the model, or scored
/// under another utterance's mel, do not.
@Suite(.serialized) struct ScoreSelfConsistencyTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let teacher = root.appendingPathComponent("models/ru_nsh-small/teacher.safetensors").path
    /// The recipe the pretrained models were trained with: its features are the teacher's.
    static let recipe = root.appendingPathComponent("Pipelines/voice.yaml").path
    static func speech(_ id: String) -> String { root.appendingPathComponent("audio/speech/ru_nsh/\(id).wav").path }

    struct Score: Decodable {
        struct Consistency: Decodable {
            let samples_nll_bits_per_sample: Double
            let entropy_bits_per_sample: Double
            let difference_bits: Double
            let standard_error_bits: Double
            let consistent: Bool
        }
        let nll_bits_per_sample: Double
        let samples: Int
        let self_consistency: Consistency
    }

    static func score(_ runner: WavedistillRunner, _ workspace: Workspace, audio: String, mel: String) throws -> Score {
        let result = try runner.run(["score", "--checkpoint", teacher, "--input", audio, "--mel", mel, "--self-consistency",
                                     "--json"], in: workspace.url)
        #expect(result.status == 0, "\(result.standardError)")
        return try JSONDecoder().decode(Score.self, from: Data(result.standardOutput.utf8))
    }

    @Test func teacherSamplesScoreTheirEntropyOnlyUnderTheirOwnMel() throws {
        let runner = try WavedistillRunner.locate()
        let workspace = try Workspace()
        for (id, name) in [("ru_0024", "own.npy"), ("ru_0025", "other.npy")] {
            let features = try runner.run(["features", Self.speech(id), "--out", name, "--config", Self.recipe], in: workspace.url)
            #expect(features.status == 0, "\(features.standardError)")
        }
        let synthesis = try runner.run(["synthesize", "--checkpoint", Self.teacher, "--mel", "own.npy", "--max-seconds", "0.3",
                                        "--seed", "5", "--out", "sample.wav"], in: workspace.url)
        #expect(synthesis.status == 0, "\(synthesis.standardError)")

        let own = try Self.score(runner, workspace, audio: "sample.wav", mel: "own.npy")
        #expect(own.samples == 4608)  // 0.3 s = 4800 samples, scored in whole hops (18 x 256), as evaluate does
        #expect(own.self_consistency.consistent,
                "NLL \(own.self_consistency.samples_nll_bits_per_sample) vs entropy \(own.self_consistency.entropy_bits_per_sample)")
        #expect(abs(own.self_consistency.difference_bits) < 0.1)

        // A sampler that draws from another distribution than the one scored (here: narrower, at
        // temperature 0.7) scores below the entropy; a one-sample delay of the whole waveform would
        // not be caught (the past moves with it, and the mel changes at frame rate), a misaligned
        // sampler input is the kind of error this finds.
        let narrow = try runner.run(["synthesize", "--checkpoint", Self.teacher, "--mel", "own.npy", "--max-seconds", "0.3",
                                     "--seed", "5", "--temperature", "0.7", "--out", "narrow.wav"], in: workspace.url)
        #expect(narrow.status == 0, "\(narrow.standardError)")
        let cold = try Self.score(runner, workspace, audio: "narrow.wav", mel: "own.npy")
        #expect(!cold.self_consistency.consistent)
        #expect(cold.self_consistency.difference_bits < -4 * cold.self_consistency.standard_error_bits)

        // Another utterance's mel: the samples are not what the model predicts there.
        let other = try Self.score(runner, workspace, audio: "sample.wav", mel: "other.npy")
        #expect(other.self_consistency.difference_bits > own.self_consistency.difference_bits + 0.1)
    }

    @Test func melOfTheWrongShapeOrLengthIsAnError() throws {
        let runner = try WavedistillRunner.locate()
        let workspace = try Workspace()
        try NPY.write([Float](repeating: 0, count: 40 * 100), shape: [100, 40], to: workspace.file("m.npy"))
        let wrongShape = try runner.run(["score", "--checkpoint", Self.teacher, "--input", Self.speech("ru_0024"), "--mel", "m.npy"],
                                        in: workspace.url)
        #expect(wrongShape.status == 1)
        #expect(wrongShape.standardError.contains("m.npy"), "\(wrongShape.standardError)")
        // A 1 s excerpt's mel cannot condition the whole utterance.
        let utterance = try Audio(contentsOf: URL(fileURLWithPath: Self.speech("ru_0024")), sampleRate: 16000)
        _ = try Audio(samples: Array(utterance.samples.prefix(16000)), sampleRate: 16000).writeWAV(to: workspace.file("one.wav"))
        let features = try runner.run(["features", "one.wav", "--out", "one.npy", "--config", Self.recipe], in: workspace.url)
        #expect(features.status == 0, "\(features.standardError)")
        let mismatch = try runner.run(["score", "--checkpoint", Self.teacher, "--input", Self.speech("ru_0024"), "--mel", "one.npy"],
                                      in: workspace.url)
        #expect(mismatch.status == 1)
        #expect(mismatch.standardError.contains("not this audio's"), "\(mismatch.standardError)")
    }
}
