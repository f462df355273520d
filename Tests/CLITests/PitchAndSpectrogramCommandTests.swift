import AudioIO
import Foundation
import Plotting
import Testing

/// `wavedistill pitch` and `wavedistill spectrogram` on generated WAV files.
@Suite struct PitchAndSpectrogramCommandTests {
    /// A harmonic tone (f0 and four overtones), 1 s at 16 kHz.
    static func tone(f0: Double) -> Audio {
        Audio(samples: (0..<16000).map { n in
            Float((1...5).reduce(0.0) { $0 + 0.1 * sin(2 * Double.pi * Double($1) * f0 * Double(n) / 16000) / Double($1) })
        }, sampleRate: 16000)
    }

    @Test func pitchPrintsVoicedShareAndMedianF0() throws {
        let runner = try WavedistillRunner.locate()
        let workspace = try Workspace()
        _ = try Self.tone(f0: 150).writeWAV(to: workspace.file("tone.wav"))
        let result = try runner.run(["pitch", "tone.wav"], in: workspace.url)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.outputLines == ["tone.wav: 1.00 s, 63 frames (hop 256 at 16000 Hz), voiced 96.8 %, median f0 150.0 Hz"])
    }

    @Test func pitchFramesListsEveryFrame() throws {
        let runner = try WavedistillRunner.locate()
        let workspace = try Workspace()
        _ = try Self.tone(f0: 220).writeWAV(to: workspace.file("tone.wav"))
        let result = try runner.run(["pitch", "tone.wav", "--frames"], in: workspace.url)
        #expect(result.status == 0, "\(result.standardError)")
        let lines = result.outputLines
        #expect(lines.count == 1 + 63 + 1 && lines.first == "time_s\tf0_hz\tconfidence\tvoiced")
        #expect(lines.count > 33 && lines[33].hasPrefix("0.512\t220.0"), "\(lines.count > 33 ? lines[33] : "")")
        let both = try runner.run(["pitch", "tone.wav", "--frames", "--json"], in: workspace.url)
        #expect(both.status != 0 && both.standardError.contains("--frames and --json"), "\(both.standardError)")
    }

    /// Against a reference an octave lower: VDE about 0, RMSE about 1200 cents; JSON carries the keys.
    @Test func pitchAgainstAReference() throws {
        let runner = try WavedistillRunner.locate()
        let workspace = try Workspace()
        _ = try Self.tone(f0: 300).writeWAV(to: workspace.file("high.wav"))
        _ = try Self.tone(f0: 150).writeWAV(to: workspace.file("low.wav"))
        let text = try runner.run(["pitch", "high.wav", "--reference", "low.wav"], in: workspace.url)
        #expect(text.status == 0, "\(text.standardError)")
        #expect(text.outputLines.count == 2)
        #expect(text.outputLines.last?.hasPrefix("against low.wav: VDE ") == true, "\(text.outputLines)")
        let json = try runner.run(["pitch", "high.wav", "--reference", "low.wav", "--json"], in: workspace.url)
        #expect(json.status == 0, "\(json.standardError)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
        #expect(object["path"] as? String == "high.wav" && object["reference"] as? String == "low.wav")
        let voicing = try #require(object["voicing"] as? [String: Any])
        #expect(Set(voicing.keys) == ["vde_percent", "f0_rmse_cents", "voiced_percent", "reference_voiced_percent",
                                      "gross_pitch_error_percent", "fine_f0_rmse_cents", "frames_voiced_in_both", "frames"])
        let rmse = try #require(voicing["f0_rmse_cents"] as? Double)
        #expect(abs(rmse - 1200) < 5, "RMSE \(rmse)")
        // Every frame an octave off: all gross errors, no fine RMSE.
        #expect(try #require(voicing["gross_pitch_error_percent"] as? Double) == 100)
        #expect(voicing["fine_f0_rmse_cents"] is NSNull)
        #expect(try #require(voicing["vde_percent"] as? Double) < 5)
    }

    @Test func pitchOfAMissingFileNamesIt() throws {
        let runner = try WavedistillRunner.locate()
        let workspace = try Workspace()
        _ = try Self.tone(f0: 150).writeWAV(to: workspace.file("tone.wav"))
        let result = try runner.run(["pitch", "tone.wav", "--reference", "absent.wav"], in: workspace.url)
        #expect(result.status == 1)
        #expect(result.errorLines.count == 1 && result.standardError.contains("absent.wav"), "\(result.standardError)")
    }

    @Test func spectrogramWritesOnePanelPerFile() throws {
        let runner = try WavedistillRunner.locate()
        let workspace = try Workspace()
        _ = try Self.tone(f0: 150).writeWAV(to: workspace.file("a.wav"))
        _ = try Self.tone(f0: 220).writeWAV(to: workspace.file("b.wav"))
        let one = try runner.run(["spectrogram", "a.wav", "--out", "one.png", "--f0"], in: workspace.url)
        #expect(one.status == 0, "\(one.standardError)")
        #expect(one.outputLines.first?.hasPrefix("one.png: 1 panel, ") == true, "\(one.outputLines)")
        let two = try runner.run(["spectrogram", "a.wav", "b.wav", "--out", "two.png", "--scale", "mel", "--max-hz", "4000"], in: workspace.url)
        #expect(two.status == 0, "\(two.standardError)")
        #expect(two.outputLines.first?.hasPrefix("two.png: 2 panels, ") == true, "\(two.outputLines)")
        let a = try RGBImage(pngAt: workspace.file("one.png")), b = try RGBImage(pngAt: workspace.file("two.png"))
        #expect(a.width > 200 && b.height > a.height + 300)  // a second panel of a 320-pixel plot
        #expect(Set(workspace.contents) == ["a.wav", "b.wav", "one.png", "two.png"])
    }

    @Test func spectrogramErrorsNameTheFileOrOption() throws {
        let runner = try WavedistillRunner.locate()
        let workspace = try Workspace()
        _ = try Self.tone(f0: 150).writeWAV(to: workspace.file("a.wav"))
        let missing = try runner.run(["spectrogram", "a.wav", "nothere.wav", "--out", "x.png"], in: workspace.url)
        #expect(missing.status == 1 && missing.errorLines.count == 1 && missing.standardError.contains("nothere.wav"),
                "\(missing.standardError)")
        let directory = try runner.run(["spectrogram", "a.wav", "--out", "no/such/dir/x.png"], in: workspace.url)
        #expect(directory.status == 1 && directory.standardError.contains("no/such/dir/x.png"), "\(directory.standardError)")
        let option = try runner.run(["spectrogram", "a.wav", "--out", "x.png", "--n-fft", "1001"], in: workspace.url)
        #expect(option.status == 1 && option.standardError.contains("--n-fft"), "\(option.standardError)")
        #expect(workspace.contents == ["a.wav"])
    }
}
