import AudioIO
import Foundation
import Testing
@testable import SignalProcessing

@Suite struct LogMelTests {
    @Test func shapeFollowsTheFrameFormula() throws {
        let extractor = try LogMelExtractor()
        let features = try extractor.features(of: randomSignal(count: 16000, seed: 1))
        #expect(features.shape == [1 + 16000 / 256, 80])
    }

    @Test func silenceSitsAtTheLogFloor() throws {
        let features = try LogMelExtractor().features(of: [Float](repeating: 0, count: 4000))
        #expect(features.values.allSatisfy { $0 == log10(Float(1e-5)) })
    }

    @Test func sineLightsTheBandAtItsFrequency() throws {
        let extractor = try LogMelExtractor()
        let features = try extractor.features(of: sine(frequency: 1000, sampleRate: 16000, count: 16000))
        let frame = 30
        let row = (0..<80).map { features[frame, $0] }
        let loudest = row.indices.max { row[$0] < row[$1] } ?? -1
        let edges = extractor.filterbank.edgeFrequencies
        #expect(edges[loudest] < 1000 && 1000 < edges[loudest + 2], "band \(loudest) does not cover 1 kHz")
    }

    /// The extractor equals the definition composed by hand: reference DFT magnitudes, the dense
    /// filterbank matrix, log10 of the clamped result.
    @Test(arguments: [1, 2])
    func extractorEqualsTheComposedDefinition(power: Int) throws {
        var config = FeatureConfig()
        config.sampleRate = 8000
        config.fftLength = 64
        config.windowLength = 48
        config.hopLength = 16
        config.melBandCount = 10
        config.minFrequency = 0
        config.maxFrequency = 4000
        config.power = power
        let x = randomSignal(count: 500, seed: 21)
        let ours = try LogMelExtractor(config: config).features(of: x)
        let fb = try MelFilterbank(config: config)
        let spectrum = NaiveDFT.stft(x, fftLength: 64, hopLength: 16, windowLength: 48)
        var worst = 0.0
        for t in spectrum.real.indices {
            for band in 0..<10 {
                var mel = 0.0
                for k in 0..<33 {
                    let p = spectrum.real[t][k] * spectrum.real[t][k] + spectrum.imaginary[t][k] * spectrum.imaginary[t][k]
                    mel += Double(fb.weights[band * 33 + k]) * (power == 2 ? p : p.squareRoot())
                }
                worst = max(worst, abs(log10(max(mel, 1e-5)) - Double(ours[t, band])))
            }
        }
        #expect(worst < 1e-4, "max log10 difference \(worst)")
    }

    @Test func naturalLogOption() throws {
        var config = FeatureConfig()
        config.logarithm = .ln
        let x = randomSignal(count: 3000, seed: 4)
        let ln = try LogMelExtractor(config: config).features(of: x)
        let log10Features = try LogMelExtractor().features(of: x)
        for i in stride(from: 0, to: ln.values.count, by: 13) {
            #expect(abs(ln.values[i] - log10Features.values[i] * Float(M_LN10)) < 1e-4)
        }
    }

    static var bundledSpeech: URL { packageRoot().appendingPathComponent("audio/speech/ru_nsh/ru_0001.wav") }

    /// Sanity check on a real recording (the bundled corpus). The mean was computed with
    /// librosa 0.11.0 for the same definition (stft magnitude, filters.mel defaults, log10 floor 1e-5).
    @Test(.enabled(if: FileManager.default.fileExists(atPath: bundledSpeech.path)))
    func bundledSpeechFeatures() throws {
        let audio = try Audio(contentsOf: Self.bundledSpeech, sampleRate: 16000)
        let features = try LogMelExtractor().features(of: audio.samples)
        let values = features.values
        let mean = values.reduce(0.0) { $0 + Double($1) } / Double(values.count)
        let minimum = values.min() ?? .nan, maximum = values.max() ?? .nan
        print("ru_0001.wav: \(audio.samples.count) samples -> features \(features.shape), min \(minimum), max \(maximum), mean \(mean)")
        #expect(features.shape == [1 + audio.samples.count / 256, 80])
        #expect(values.allSatisfy { $0.isFinite })
        #expect(minimum >= -5 && maximum < 2)
        #expect(abs(mean - -2.2759387) < 1e-3)
    }
}
