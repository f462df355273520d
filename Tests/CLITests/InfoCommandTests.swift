import AudioIO
import Foundation
import Testing

@Suite struct InfoCommandTests {
    static func tone(seconds: Double, rate: Int) -> Audio {
        let count = Int(seconds * Double(rate))
        return Audio(samples: (0..<count).map { Float(0.3 * sin(Double($0) * 0.1)) }, sampleRate: rate)
    }

    @Test func textOutputHasOneLinePerFile() throws {
        let runner = try WavedistillRunner.locate()
        let workspace = try Workspace()
        _ = try Self.tone(seconds: 1.5, rate: 16000).writeWAV(to: workspace.file("a.wav"))
        _ = try Self.tone(seconds: 0.5, rate: 44100).writeWAV(to: workspace.file("b.wav"), encoding: .float32)
        let result = try runner.run(["info", "a.wav", "b.wav"], in: workspace.url)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.outputLines == [
            "a.wav: WAV PCM_16, 16000 Hz, 1 channel, 24000 frames (1.500 s)",
            "b.wav: WAV FLOAT, 44100 Hz, 1 channel, 22050 frames (0.500 s)",
        ])
        #expect(result.standardError.isEmpty)
    }

    @Test func jsonOutputHasTheDocumentedKeys() throws {
        let runner = try WavedistillRunner.locate()
        let workspace = try Workspace()
        _ = try Self.tone(seconds: 1.5, rate: 16000).writeWAV(to: workspace.file("a.wav"))
        _ = try Self.tone(seconds: 0.25, rate: 8000).writeWAV(to: workspace.file("b.wav"))
        let result = try runner.run(["info", "--json", "a.wav", "b.wav"], in: workspace.url)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.outputLines.count == 2)
        let objects = try result.outputLines.map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:]
        }
        for object in objects {
            #expect(Set(object.keys) == ["path", "sample_rate", "channels", "frames", "duration_s", "format"])
        }
        #expect(objects[0]["path"] as? String == "a.wav")
        #expect(objects[0]["sample_rate"] as? Int == 16000)
        #expect(objects[0]["channels"] as? Int == 1)
        #expect(objects[0]["frames"] as? Int == 24000)
        #expect(objects[0]["duration_s"] as? Double == 1.5)
        #expect(objects[0]["format"] as? String == "WAV PCM_16")
        #expect(objects[1]["frames"] as? Int == 2000 && objects[1]["sample_rate"] as? Int == 8000)
    }

    /// Bad files get one stderr line each, naming the file; good ones are still listed; exit 1.
    @Test func badFilesAreReportedOneLineEach() throws {
        let runner = try WavedistillRunner.locate()
        let workspace = try Workspace()
        _ = try Self.tone(seconds: 0.1, rate: 16000).writeWAV(to: workspace.file("good.wav"))
        try workspace.write("just text\n", to: "notes.wav")
        let result = try runner.run(["info", "good.wav", "missing.wav", "notes.wav"], in: workspace.url)
        #expect(result.status == 1)
        #expect(result.outputLines.count == 1 && result.outputLines.first?.hasPrefix("good.wav:") == true)
        #expect(result.errorLines.count == 2, "\(result.standardError)")
        #expect(result.errorLines.first?.contains("missing.wav") == true)
        #expect(result.errorLines.first?.contains("no such file") == true)
        #expect(result.errorLines.last?.contains("notes.wav") == true)
        #expect(result.errorLines.last?.contains("not a readable audio file") == true)
    }
}
