import Tensors

extension ConditionUpsampler {
    /// Data-dependent initialisation: folds the standardisation (c - mean) / std of the
    /// conditioning into the first stage, so a fresh model sees features with zero mean and unit
    /// variance per band while the checkpoint format and the forward pass stay unchanged (the
    /// folded weights are ordinary trainable parameters). With shared taps the scale goes into
    /// the per-band input gain instead of the taps.
    ///
    /// Why: raw log-mel bands sit around -2.3 (log10, floor -5) with std ~1.2; through an
    /// N(0, 1/C) projection that puts every gate's pre-activation at std ~2.6, where tanh and
    /// sigmoid are saturated and learning is slow. Per-band statistics of the training split
    /// remove the common offset.
    ///
    /// Exact for the freshly initialised upsampler, whose first stage interpolates (the taps that
    /// reach each output sum to 1: the triangle of `.transposed`, the moving average of
    /// `.repeatThenSmooth`; later stages interpolate too), except within one frame of either
    /// end, where taps fall outside the input. Call it before training, never on trained weights.
    /// `std` values below `minimumStd` are raised to it (bands that never leave the log floor).
    public func standardizeInput(mean: [Float], std: [Float], minimumStd: Float = 0.1) {
        precondition(mean.count == channels && std.count == channels,
                     "\(weights[0].name): standardisation for \(mean.count)/\(std.count) bands, the upsampler has \(channels)")
        let inverse = std.map { 1 / max($0, minimumStd) }
        let weight = weights[0], bias = biases[0]
        if let gain = inputGain {
            // Shared taps: the per-band scale goes into the input gain.
            for c in 0..<channels { gain.value.scalars[c] *= inverse[c] }
        } else {
            let taps = weight.value.shape[0]
            for r in 0..<taps {
                for c in 0..<channels { weight.value.scalars[r * channels + c] *= inverse[c] }
            }
        }
        for c in 0..<channels { bias.value.scalars[c] -= mean[c] * inverse[c] }
    }
}
