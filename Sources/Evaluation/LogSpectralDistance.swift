import Foundation
import SignalProcessing

/// Log-spectral distance in dB between a reference and a synthesized signal (same sample rate,
/// time-aligned, as in copy synthesis):
///
///     P[t, k]  = |STFT(x)[t, k]|^2                    centred, periodic Hann, unnormalised
///     LSD_t    = sqrt( (1/K) sum_k (10 log10(P_ref[t,k] + eps) - 10 log10(P_syn[t,k] + eps))^2 )
///     LSD      = (1/F) sum_t LSD_t
///
/// over the K = n_fft/2 + 1 bins and the F = 1 + floor(L / hop) frames of the common length
/// L = min(reference.count, synthesized.count) (the longer signal is cut). Symmetric, 0 for
/// identical signals, and a gain g on one signal gives 20 log10(g) dB where P >> eps.
/// Computed in Double from float STFTs.
public func logSpectralDistance(reference: [Float], synthesized: [Float],
                                config: LogSpectralDistanceConfig = LogSpectralDistanceConfig()) throws -> Double {
    try config.validate(path: "")
    let stft = try STFT(fftLength: config.fftLength, hopLength: config.hopLength,
                        windowLength: config.windowLength, center: true, window: .hann)
    let (a, b) = try commonLength(reference, synthesized, stft: stft)
    let referencePower = try stftCall { () throws(STFTError) in try stft.spectrogram(of: a, power: .power) }
    let synthesizedPower = try stftCall { () throws(STFTError) in try stft.spectrogram(of: b, power: .power) }
    let bins = stft.binCount, frames = referencePower.frameCount
    let eps = config.epsilon
    var total = 0.0
    for t in 0..<frames {
        var sum = 0.0
        for k in 0..<bins {
            let i = t * bins + k
            let d = 10 * log10(Double(referencePower.values[i]) + eps) - 10 * log10(Double(synthesizedPower.values[i]) + eps)
            sum += d * d
        }
        total += (sum / Double(bins)).squareRoot()
    }
    return total / Double(frames)
}

/// Both signals cut to their common length, after checking that it can be framed.
func commonLength(_ a: [Float], _ b: [Float], stft: STFT) throws(EvaluationError) -> ([Float], [Float]) {
    let length = min(a.count, b.count)
    guard length >= stft.minimumSignalLength else {
        throw .signalTooShort(length: length, minimum: stft.minimumSignalLength, fftLength: stft.fftLength)
    }
    return (Array(a.prefix(length)), Array(b.prefix(length)))
}
