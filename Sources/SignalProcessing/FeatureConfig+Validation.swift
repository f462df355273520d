import Configuration

extension FeatureConfig: ValidatableConfig {
    /// Throws a `ConfigError` naming the first out-of-range key (prefixed by `path`, the
    /// section's own key path, e.g. `features.n_fft`).
    public func validate(path: String) throws {
        try Require.that(sampleRate > 0, key(path, "sample_rate"), "must be positive (got \(sampleRate))")
        try Require.that(fftLength >= 2 && fftLength % 2 == 0 && fftLength <= STFT.maximumFFTLength, key(path, "n_fft"),
                         "must be even and in 2...\(STFT.maximumFFTLength) (got \(fftLength))")
        try Require.that(windowLength >= 1 && windowLength <= fftLength, key(path, "win_length"),
                         "must be in 1...n_fft = 1...\(fftLength) (got \(windowLength))")
        try Require.that(hopLength > 0, key(path, "hop_length"), "must be positive (got \(hopLength))")
        try Require.that(power == 1 || power == 2, key(path, "power"),
                         "must be 1 (magnitude) or 2 (power) (got \(power))")
        try Require.that(melBandCount > 0, key(path, "n_mels"), "must be positive (got \(melBandCount))")
        try Require.that(minFrequency.isFinite && minFrequency >= 0, key(path, "fmin"),
                         "must be >= 0 Hz (got \(minFrequency))")
        let nyquist = Double(sampleRate) / 2
        try Require.that(maxFrequency.isFinite && maxFrequency > minFrequency && maxFrequency <= nyquist,
                         key(path, "fmax"),
                         "must satisfy fmin < fmax <= sample_rate / 2 = \(nyquist) Hz (got fmin \(minFrequency), fmax \(maxFrequency))")
        try Require.that(logFloor.isFinite && logFloor > 0, key(path, "log_floor"),
                         "must be positive (got \(logFloor))")
        if let empty = MelFilterbank.emptyFilterIndex(config: self) {
            try Require.that(false, key(path, "n_mels"),
                             "mel band \(empty) of \(melBandCount) covers no FFT bin: use fewer bands or a larger n_fft")
        }
    }

    /// Validates a top-level config (keys without a prefix).
    public func validate() throws { try validate(path: "") }
}

extension FeatureConfig {
    /// The feature config a mel-derived model part (a predictor, a pitch estimate) is built from:
    /// `features` itself when it describes this model's mel (`melBands` bands, `hop`), else an
    /// error at the part's key `path`.
    public static func required(_ features: FeatureConfig?, melBands: Int, hop: Int, path: String) throws -> FeatureConfig {
        guard let features, features.melBandCount == melBands, features.hopLength == hop else {
            throw ConfigError(.outOfRange(requirement: "needs the feature config the mel comes from (n_mels \(melBands), hop \(hop))"),
                              path: path)
        }
        return features
    }
}
