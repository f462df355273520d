import Foundation
import Randomness
import Tensors
import Testing
@testable import Student

/// Real-time factor of parallel synthesis (10 s of 16 kHz audio, 80 mel bands, hop 256).
/// Opt-in, it takes about a minute: `WAVEDISTILL_STUDENT_SPEED=1 swift test -c release --filter SynthesisSpeed`.
/// Prints the median of 3 runs; asserts nothing about time (shared machines are noisy).
@Suite struct SynthesisSpeedTests {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["WAVEDISTILL_STUDENT_SPEED"] != nil),
          arguments: [StudentConfig.Preset.full, .small])
    func realTimeFactor(preset: StudentConfig.Preset) throws {
        let (rate, hop, mels, seconds) = (16_000, 256, 80, 10)
        let length = rate * seconds
        let student = try IAFStudent(config: .preset(preset), conditionChannels: mels, hop: hop, seed: 1)
        randomizeHeads(of: student, seed: 2)
        var rng = Philox(seed: 3)
        let frames = length / hop + 1
        let mel = Tensor(shape: [1, frames, mels], scalars: rng.normals(frames * mels))
        let flops = Double(student.config.flopsPerSample(conditionChannels: mels)) * Double(length)
        for chunk in [nil, 32_768] as [Int?] {
            var times: [Double] = []
            for _ in 0..<3 {
                let start = DispatchTime.now().uptimeNanoseconds
                let x = student.synthesize(mel: mel, length: length, seed: 4, chunkSamples: chunk)
                times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
                #expect(x.count == length)
            }
            let median = times.sorted()[1]
            let line = "student \(preset) synthesis of \(seconds) s, chunk \(chunk.map(String.init) ?? "none"), "
                + "\(Compute.threads) threads: median \(String(format: "%.2f", median)) s "
                + "(runs \(times.map { String(format: "%.2f", $0) }.joined(separator: ", "))), "
                + "RTF \(String(format: "%.3f", median / Double(seconds))), "
                + "\(String(format: "%.1f", flops / median / 1e9)) GFLOP/s of \(String(format: "%.2f", flops / 1e9)) GFLOP"
            print(line)
        }
    }
}
