import Evaluation
import Foundation
import PitchTracking
import SignalProcessing

/// f0 and voicing of one conditioning frame, estimated from the mel alone.
public struct SourceFrame: Sendable, Equatable {
    /// Fundamental frequency (Hz); meaningful only where `voiced`.
    public var f0Hz: Double
    public var voiced: Bool

    public init(f0Hz: Double, voiced: Bool) {
        self.f0Hz = f0Hz
        self.voiced = voiced
    }

    public static let unvoiced = SourceFrame(f0Hz: 0, voiced: false)
}

/// Pitch from log-mel frames, with no learned parameter: the waveform a vocoder has to make
/// carries its harmonics in the low mel bands (below ~1 kHz the bands are ~37 Hz apart at
/// 80 bands, finer than the 60-400 Hz spacing of speech harmonics), so
///
/// 1. fast Griffin-Lim (momentum 0.99) turns the frames into a waveform with the mel's
///    harmonics (its phase is wrong, its periodicity is not),
/// 2. aubio's YIN (`PitchTracker`, frames centred on the mel frames' centres) finds f0 and
///    voicing frame by frame,
/// 3. isolated single voiced frames become unvoiced and single unvoiced gaps inside voicing
///    become voiced (with their neighbours' mean f0): voicing shorter than 16 ms is not speech.
///
/// On the bundled speech (ru_0024, ru_0025, ru_0001, `wavedistill pitch --from-mel`) this
/// agrees with YIN on the audio itself in 93-95 % of the frames (VDE 6-7 %); where both are
/// voiced, ~94 % of the f0s lie within a semitone and the rest are mostly an octave above the
/// audio's (the fundamental is weakest in the mel's lowest bands). Folding such jumps towards a
/// running median made it worse (f0 RMSE 242-309 -> 346-443 cents: speech moves by more than
/// a fifth within 200 ms), and so did YIN's tolerance 0.05 or 100 Griffin-Lim iterations.
///
/// The result depends only on the frames given (Griffin-Lim's start phase is seeded), so the
/// same mel always gives the same source.
public struct MelPitchEstimator: Sendable {
    public let features: FeatureConfig
    public let config: HarmonicSourceConfig
    private let griffinLim: GriffinLim
    private let tracker: PitchTracker

    public init(features: FeatureConfig, config: HarmonicSourceConfig) throws {
        try config.validate(path: "harmonic_source")
        self.features = features
        self.config = config
        griffinLim = try GriffinLim(features: features, config: GriffinLimConfig(
            iterations: config.griffinLimIterations, momentum: 0.99, melInversionIterations: 100, seed: 0))
        tracker = try PitchTracker(sampleRate: features.sampleRate, hopLength: features.hopLength,
                                   windowLength: max(4 * features.hopLength,
                                                     Int(2 * Double(features.sampleRate) / config.minimumHz) + 2),
                                   minimumHz: config.minimumHz, maximumHz: config.maximumHz,
                                   confidenceThreshold: config.confidence)
    }

    /// One `SourceFrame` per frame of `logMel` (`frameCount` frames of `n_mels` values, row-major).
    /// Too few frames for one STFT window, or silence: every frame unvoiced.
    public func estimate(logMel: [Float], frameCount: Int) -> [SourceFrame] {
        precondition(logMel.count == frameCount * features.melBandCount,
                     "MelPitchEstimator: \(logMel.count) values for \(frameCount) x \(features.melBandCount) frames")
        let unvoiced = [SourceFrame](repeating: .unvoiced, count: frameCount)
        let length = frameCount * features.hopLength - 1
        guard frameCount >= 2, length >= features.fftLength else { return unvoiced }
        let spectrogram = Spectrogram(frameCount: frameCount, binCount: features.melBandCount, values: logMel)
        guard let waveform = try? griffinLim.synthesize(logMel: spectrogram, sampleCount: length).samples,
              waveform.allSatisfy(\.isFinite),
              let track = try? tracker.track(waveform) else { return unvoiced }
        var frames = (0..<frameCount).map { t -> SourceFrame in
            guard t < track.frames.count, track.frames[t].voiced else { return .unvoiced }
            return SourceFrame(f0Hz: track.frames[t].f0Hz, voiced: true)
        }
        Self.removeBlips(&frames)
        return frames
    }

    /// One track per item of a batch of mels stored item after item (`items` x `frameCount` x
    /// `n_mels` values, row-major, as a `[B, F, n_mels]` tensor holds them).
    public func estimate(batchedLogMel values: [Float], items: Int, frameCount: Int) -> [[SourceFrame]] {
        let size = frameCount * features.melBandCount
        precondition(values.count == items * size,
                     "MelPitchEstimator: \(values.count) values for \(items) x \(frameCount) x \(features.melBandCount)")
        return (0..<items).map { estimate(logMel: Array(values[($0 * size)..<(($0 + 1) * size)]), frameCount: frameCount) }
    }

    /// Step 3 of the type's comment.
    static func removeBlips(_ frames: inout [SourceFrame]) {
        guard frames.count >= 3 else { return }
        let raw = frames
        for t in 1..<(raw.count - 1) {
            let (before, after) = (raw[t - 1], raw[t + 1])
            if raw[t].voiced && !before.voiced && !after.voiced {
                frames[t] = .unvoiced
            } else if !raw[t].voiced && before.voiced && after.voiced {
                frames[t] = SourceFrame(f0Hz: (before.f0Hz + after.f0Hz) / 2, voiced: true)
            }
        }
    }
}
