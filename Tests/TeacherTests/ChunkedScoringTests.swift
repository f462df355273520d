import AudioIO
import Foundation
import LinearPrediction
import HarmonicSource
import SignalProcessing
import Tensors
import Testing
@testable import Teacher

/// Scoring in chunks without caches (`scoreLogLikelihood`) against the training forward's
/// log-likelihood (`logLikelihood(audio:mel:)`), per sample, on real speech.
@Suite struct ChunkedScoringTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Two items of `length` samples of the bundled utterance (from 0 and from 8000) and their mel.
    static func batch(length: Int, features: FeatureConfig) throws -> (audio: Tensor, mel: Tensor) {
        let url = repositoryRoot.appendingPathComponent("audio/speech/ru_nsh/ru_0001.wav")
        let samples = try Audio(contentsOf: url, sampleRate: features.sampleRate).samples
        let extractor = try LogMelExtractor(config: features)
        var audio: [Float] = [], mel: [Float] = []
        var frames = 0
        for start in [0, 8000] {
            let crop = Array(samples[start..<(start + length)])
            let spectrogram = try extractor.features(of: crop)
            audio += crop
            mel += spectrogram.values
            frames = spectrogram.frameCount
        }
        return (Tensor(shape: [2, length, 1], scalars: audio), Tensor(shape: [2, frames, features.melBandCount], scalars: mel))
    }

    static func check(_ model: WaveNet, length: Int, chunks: [Int]) throws {
        let (audio, mel) = try batch(length: length, features: FeatureConfig())
        let reference = model.logLikelihood(audio: audio, mel: mel).logLikelihood
        #expect(reference.allSatisfy { $0.isFinite })
        for chunk in chunks {
            let chunked = model.scoreLogLikelihood(audio: audio, mel: mel, chunkSamples: chunk)
            #expect(chunked.count == reference.count)
            let worst = zip(chunked, reference).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? .infinity
            #expect(worst < 1e-4, "chunk \(chunk): largest relative difference \(worst)")
        }
        let nll = model.negativeLogLikelihood(audio: audio, mel: mel, accumulateGradients: false)
        let referenceNLL = -reference.reduce(0.0) { $0 + Double($1) } / Double(reference.count)
        #expect(abs(nll - referenceNLL) < 1e-5 * max(1, abs(referenceNLL)))
    }

    @Test func tinyTeacherChunkedEqualsTheFullForward() throws {
        let model = try WaveNet(config: .preset(.tiny), conditionChannels: 80, hop: 256, seed: 5)
        // Chunks shorter than the receptive field, not multiples of the hop, and one longer than the audio.
        try Self.check(model, length: 3000, chunks: [7, 300, 1000, 4096])
    }

    /// The predictor's offsets and the pitch-lagged input come from the whole audio, not the chunk
    /// (a pitch period can reach further back than a chunk of 50 and the receptive field of 126).
    @Test func smallTeacherWithPredictorAndPitchLag() throws {
        var config = WaveNetConfig.preset(.small)
        config.linearPrediction = LinearPredictionConfig()
        config.pitchLag = HarmonicSourceConfig()
        let model = try WaveNet(config: config, conditionChannels: 80, hop: 256, seed: 5, features: FeatureConfig())
        #expect(config.receptiveField > 50)
        try Self.check(model, length: 4000, chunks: [50, 700])
    }
}
