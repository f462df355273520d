/// Triangular mel filters, [n_mels, n_fft/2 + 1], as librosa's `filters.mel` builds them.
///
/// n_mels + 2 points equally spaced in mel between mel(fmin) and mel(fmax) are mapped back to
/// Hz: f[0] < f[1] < ... < f[n_mels + 1]. Band i is the triangle rising from f[i] to 1 at f[i+1]
/// and falling to f[i+2], evaluated at the bin frequencies k * sample_rate / n_fft:
/// w[i, k] = max(0, min((f_k - f[i]) / (f[i+1] - f[i]), (f[i+2] - f_k) / (f[i+2] - f[i+1]))).
/// With Slaney normalisation each row is multiplied by 2 / (f[i+2] - f[i]) (equal area).
/// Weights are computed in Double and stored as Float.
public struct MelFilterbank: Sendable {
    public let melBandCount: Int
    public let binCount: Int
    /// Row-major [n_mels, n_fft/2 + 1].
    public let weights: [Float]
    /// f[0] ... f[n_mels + 1] in Hz: band i has its edges at f[i], f[i+2] and its peak at f[i+1].
    public let edgeFrequencies: [Double]
    /// Bins with a nonzero weight in each band, so applying the filters skips the zeros.
    let nonzeroBins: [Range<Int>]

    /// Parameters are expected to be valid (see `FeatureConfig.validate`); `init(config:)` checks them.
    public init(sampleRate: Int, fftLength: Int, melBandCount: Int, minFrequency: Double,
                maxFrequency: Double, scale: MelScale = .slaney, normalization: MelNormalization = .slaney) {
        let binCount = fftLength / 2 + 1
        let lowMel = scale.mel(fromHz: minFrequency)
        let highMel = scale.mel(fromHz: maxFrequency)
        let edges = (0..<(melBandCount + 2)).map { i in
            scale.hz(fromMel: lowMel + (highMel - lowMel) * Double(i) / Double(melBandCount + 1))
        }
        var weights = [Float](repeating: 0, count: melBandCount * binCount)
        var nonzeroBins: [Range<Int>] = []
        for band in 0..<melBandCount {
            let left = edges[band], peak = edges[band + 1], right = edges[band + 2]
            let norm = normalization == .slaney ? 2 / (right - left) : 1
            var first = binCount, last = 0
            for k in 0..<binCount {
                let f = Double(k) * Double(sampleRate) / Double(fftLength)
                let rising = (f - left) / (peak - left)
                let falling = (right - f) / (right - peak)
                let w = max(0, min(rising, falling)) * norm
                if w > 0 {
                    weights[band * binCount + k] = Float(w)
                    first = min(first, k)
                    last = max(last, k)
                }
            }
            nonzeroBins.append(first <= last ? first..<(last + 1) : 0..<0)
        }
        self.melBandCount = melBandCount
        self.binCount = binCount
        self.weights = weights
        self.edgeFrequencies = edges
        self.nonzeroBins = nonzeroBins
    }

    /// The filterbank of a feature config (validated first).
    public init(config: FeatureConfig) throws {
        try config.validate()
        self.init(unvalidated: config)
    }

    init(unvalidated config: FeatureConfig) {
        self.init(sampleRate: config.sampleRate, fftLength: config.fftLength,
                  melBandCount: config.melBandCount, minFrequency: config.minFrequency,
                  maxFrequency: config.maxFrequency, scale: config.melScale,
                  normalization: config.melNormalization)
    }

    /// Centre (peak) frequency of each band in Hz.
    public var centerFrequencies: [Double] { Array(edgeFrequencies[1...melBandCount]) }

    /// Mel energies [frames, n_mels] of a spectrogram [frames, n_fft/2 + 1].
    public func apply(to spectrogram: Spectrogram) -> Spectrogram {
        precondition(spectrogram.binCount == binCount,
                     "mel filterbank for \(binCount) bins applied to \(spectrogram.binCount) bins")
        var mel = [Float](repeating: 0, count: spectrogram.frameCount * melBandCount)
        spectrogram.values.withUnsafeBufferPointer { s in
            weights.withUnsafeBufferPointer { w in
                for t in 0..<spectrogram.frameCount {
                    let row = t * binCount
                    for band in 0..<melBandCount {
                        var sum: Float = 0
                        for k in nonzeroBins[band] { sum += w[band * binCount + k] * s[row + k] }
                        mel[t * melBandCount + band] = sum
                    }
                }
            }
        }
        return Spectrogram(frameCount: spectrogram.frameCount, binCount: melBandCount, values: mel)
    }

    /// The first band that covers no FFT bin for `config` (too many bands for the FFT
    /// resolution), or nil. Such a band would be constant at the log floor.
    static func emptyFilterIndex(config: FeatureConfig) -> Int? {
        guard config.fftLength >= 2, config.sampleRate > 0, config.melBandCount > 0,
              config.melBandCount <= 100_000, config.maxFrequency > config.minFrequency else { return nil }
        return MelFilterbank(unvalidated: config).nonzeroBins.firstIndex { $0.isEmpty }
    }
}
