import AudioIO
import Foundation
import SignalProcessing
import Tensors

/// The conditioning the benchmark runs on: log-mel frames of one real utterance, tiled to
/// whatever length and batch a path needs.
public enum BenchmarkInput {
    /// The utterance used when none is given (relative to the repository root).
    public static let defaultUtterance = "audio/speech/ru_nsh/ru_0001.wav"

    /// Log-mel frames `[1, F, n_mels]` of an audio file, read at the features' sample rate
    /// (downmixed and resampled as in training).
    public static func mel(of url: URL, features: FeatureConfig) throws -> Tensor {
        let audio = try Audio(contentsOf: url, sampleRate: features.sampleRate)
        let extractor = try LogMelExtractor(config: features)
        let spectrogram: Spectrogram
        do {
            spectrogram = try extractor.features(of: audio.samples)
        } catch {
            throw BenchmarkError.invalidInput("\(url.path): \(error)")
        }
        return Tensor(shape: [1, spectrogram.frameCount, spectrogram.binCount], scalars: spectrogram.values)
    }

    /// Samples the frames `[1, F, C]` stand for: F = 1 + floor(T / hop) (DESIGN §2), so
    /// T is taken as (F - 1) * hop (at least one hop).
    public static func samples(of mel: Tensor, hop: Int) -> Int {
        max(1, mel.shape[1] - 1) * hop
    }

    /// Frames `[batch, 1 + samples / hop, C]` for `samples` samples: the utterance's frames
    /// repeated cyclically (frame j is frame j mod F), the same for every batch item.
    public static func tile(_ mel: Tensor, samples: Int, hop: Int, batch: Int = 1) -> Tensor {
        precondition(mel.rank == 3 && mel.shape[0] == 1 && mel.shape[1] >= 1,
                     "BenchmarkInput.tile: mel must be [1, F, C] with F >= 1, got \(mel.shape)")
        precondition(samples >= 1 && hop >= 1 && batch >= 1, "BenchmarkInput.tile: bad sizes")
        let (frames, c) = (mel.shape[1], mel.shape[2])
        let needed = 1 + samples / hop
        var out = Tensor(shape: [batch, needed, c])
        mel.withPointer { src in
            out.withMutablePointer { dst in
                for b in 0..<batch {
                    for j in 0..<needed {
                        (dst + (b * needed + j) * c).update(from: src + (j % frames) * c, count: c)
                    }
                }
            }
        }
        return out
    }
}
