import AudioIO
import Foundation
import Randomness

/// Signals for the pitch tests.
enum Support {
    static let sampleRate = 16000

    /// sum_{h=1..harmonics} sin(2 pi h f0 t) / h, scaled to peak about `amplitude` (a sawtooth-like
    /// tone whose fundamental is its strongest partial, as in voiced speech).
    static func harmonicTone(f0: Double, seconds: Double = 1, harmonics: Int = 6, amplitude: Double = 0.3) -> [Float] {
        let count = Int(seconds * Double(sampleRate))
        let norm = (1...harmonics).reduce(0.0) { $0 + 1 / Double($1) }
        return (0..<count).map { n in
            let t = Double(n) / Double(sampleRate)
            let s = (1...harmonics).reduce(0.0) { $0 + sin(2 * Double.pi * Double($1) * f0 * t) / Double($1) }
            return Float(amplitude * s / norm)
        }
    }

    /// Uniform white noise on (-scale, scale), seeded.
    static func noise(count: Int, seed: UInt64, scale: Float = 0.3) -> [Float] {
        var rng = Philox(seed: seed)
        return rng.uniforms(count, low: -scale, high: scale)
    }

    /// The package root, from this file's path (Tests/PitchTrackingTests/<file>).
    static func packageRoot(_ file: String = #filePath) -> URL {
        URL(fileURLWithPath: file).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// A bundled recording at 16 kHz.
    static func bundledSpeech(_ name: String) throws -> [Float] {
        let url = packageRoot().appendingPathComponent("audio/speech/ru_nsh").appendingPathComponent(name)
        return try Audio(contentsOf: url, sampleRate: sampleRate).samples
    }
}
