import AudioIO
import Foundation
import Testing

/// The pretrained models in `models/ru_nsh-small/` (card: its README.md) load and synthesise one
/// second with the README's command, on a bundled utterance.
@Suite struct PretrainedModelTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    struct Voicing: Decodable {
        struct Comparison: Decodable {
            let voiced_percent: Double
            let reference_voiced_percent: Double
        }
        let voicing: Comparison
    }

    @Test(arguments: ["student", "teacher"])
    func synthesizesOneSecond(kind: String) throws {
        let runner = try WavedistillRunner.locate()
        let workspace = try Workspace()
        let model = Self.root.appendingPathComponent("models/ru_nsh-small/\(kind).safetensors").path
        let input = Self.root.appendingPathComponent("audio/speech/ru_nsh/ru_0024.wav").path
        let result = try runner.run(["synthesize", "--checkpoint", model, "--input", input, "--max-seconds", "1",
                                     "--out", "out.wav"], in: workspace.url)
        #expect(result.status == 0, "\(result.standardError)")
        let audio = try Audio(contentsOf: workspace.file("out.wav"), sampleRate: 16000)
        #expect(audio.samples.count == 16000)
        #expect(audio.samples.allSatisfy { $0.isFinite && abs($0) <= 1 })
        let rms = (audio.samples.reduce(0.0) { $0 + Double($1 * $1) } / Double(audio.samples.count)).squareRoot()
        #expect(rms > 0.003, "RMS \(rms): silent output")
        guard kind == "student" else { return }
        // The student is voiced where the utterance is: at least half the reference's voiced share.
        let pitch = try runner.run(["pitch", "out.wav", "--reference", input, "--json"], in: workspace.url)
        #expect(pitch.status == 0, "\(pitch.standardError)")
        let voicing = try JSONDecoder().decode(Voicing.self, from: Data(pitch.standardOutput.utf8)).voicing
        #expect(voicing.reference_voiced_percent > 20)
        #expect(voicing.voiced_percent >= 0.5 * voicing.reference_voiced_percent,
                "student voiced \(voicing.voiced_percent) % against the reference's \(voicing.reference_voiced_percent) %")
    }
}
