import AudioIO
import Foundation
import Randomness

/// Shared helpers of the evaluation tests.
enum Support {
    /// Uniform noise on (-scale, scale), seeded.
    static func noise(count: Int, seed: UInt64, scale: Float = 0.3) -> [Float] {
        var rng = Philox(seed: seed)
        return rng.uniforms(count, low: -scale, high: scale)
    }

    static func add(_ a: [Float], _ b: [Float]) -> [Float] { zip(a, b).map { $0 + $1 } }

    /// The package root, from this file's path (Tests/EvaluationTests/<file>).
    static func packageRoot(_ file: String = #filePath) -> URL {
        URL(fileURLWithPath: file).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// A bundled recording at 16 kHz (the feature rate).
    static func bundledSpeech(_ name: String = "ru_0003.wav") throws -> [Float] {
        let url = packageRoot().appendingPathComponent("audio/speech/ru_nsh").appendingPathComponent(name)
        return try Audio(contentsOf: url, sampleRate: 16000).samples
    }
}
