import Foundation

/// Audio samples -> log-mel features [frames, n_mels] as DESIGN §2 defines them:
/// STFT magnitude (or power) -> mel filterbank -> log10(max(mel, log_floor)).
///
/// The samples must already be at `config.sampleRate` (AudioIO resamples when reading).
public struct LogMelExtractor: Sendable {
    public let config: FeatureConfig
    public let stft: STFT
    public let filterbank: MelFilterbank

    public init(config: FeatureConfig = FeatureConfig()) throws {
        try config.validate()
        self.config = config
        stft = try STFT(config: config)
        filterbank = MelFilterbank(unvalidated: config)
    }

    /// Frames for a signal of `signalLength` samples: 1 + floor(T / hop) with center=true.
    public func frameCount(signalLength: Int) -> Int { stft.frameCount(signalLength: signalLength) }

    /// Log-mel features, [frames, n_mels], float32.
    public func features(of samples: [Float]) throws(STFTError) -> Spectrogram {
        let spectrogram = try stft.spectrogram(of: samples, power: config.spectrumPower)
        var mel = filterbank.apply(to: spectrogram)
        let floor = Float(config.logFloor)
        switch config.logarithm {
        case .log10:
            for i in mel.values.indices { mel.values[i] = log10(max(mel.values[i], floor)) }
        case .ln:
            for i in mel.values.indices { mel.values[i] = log(max(mel.values[i], floor)) }
        }
        // Finite but huge samples overflow the power spectrum: never hand on inf/NaN features.
        let nonFinite = mel.values.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
        if nonFinite > 0 { throw .nonFiniteFeatures(count: nonFinite) }
        return mel
    }
}
