import Foundation
import SignalProcessing

/// Mel-cepstral distortion in dB between a reference and a synthesized signal (same sample
/// rate, time-aligned: copy synthesis from the reference's own features, so frames are
/// compared one to one, without dynamic time warping):
///
///     E[t, m]  = sum_k M[m, k] |STFT(x)[t, k]|^p      the feature config's mel filterbank and power p
///                                                      (default p = 1: magnitude; centred Hann STFT)
///     c[t, :]  = DCT-II_ortho( ln(max(E[t, :], log_floor)) )        over the n_mels bands
///     MCD_t    = (10 / ln 10) sqrt( 2 sum_{d=1}^{D} (c_ref[t,d] - c_syn[t,d])^2 )
///     MCD      = (1/F) sum_t MCD_t
///
/// c_0 (log energy) is excluded, so a gain on one signal does not change the MCD (it adds a
/// constant to every log band, which the orthonormal DCT puts into c_0 alone) as long as no band
/// hits the floor. Frames: those of the common length L = min(reference.count,
/// synthesized.count). Symmetric, 0 for identical signals. Note: these cepstra come from a mel
/// filterbank, not SPTK's mel-generalised cepstral analysis, so values are comparable within
/// this project, not with published MCDs. Computed in Double from float spectra.
public func melCepstralDistortion(reference: [Float], synthesized: [Float],
                                  config: MelCepstralDistortionConfig = MelCepstralDistortionConfig()) throws -> Double {
    try config.validate(path: "")
    let stft = try STFT(config: config.features)
    let filterbank = try MelFilterbank(config: config.features)
    let (a, b) = try commonLength(reference, synthesized, stft: stft)
    let dct = OrthonormalDCT(length: config.features.melBandCount, coefficientCount: config.coefficients + 1)
    let referenceCepstra = try melCepstra(a, stft: stft, filterbank: filterbank, config: config.features, dct: dct)
    let synthesizedCepstra = try melCepstra(b, stft: stft, filterbank: filterbank, config: config.features, dct: dct)
    let scale = 10 / log(10.0)
    var total = 0.0
    for (c, c2) in zip(referenceCepstra, synthesizedCepstra) {
        var sum = 0.0
        for d in 1...config.coefficients { sum += (c[d] - c2[d]) * (c[d] - c2[d]) }
        total += scale * (2 * sum).squareRoot()
    }
    return total / Double(referenceCepstra.count)
}

/// Mel cepstra c_0 ... c_D of every frame of `samples`.
func melCepstra(_ samples: [Float], stft: STFT, filterbank: MelFilterbank, config: FeatureConfig,
                dct: OrthonormalDCT) throws(EvaluationError) -> [[Double]] {
    let spectrogram = try stftCall { () throws(STFTError) in try stft.spectrogram(of: samples, power: config.spectrumPower) }
    let mel = filterbank.apply(to: spectrogram)
    let floor = config.logFloor
    return (0..<mel.frameCount).map { t in
        dct((0..<mel.binCount).map { m in log(max(Double(mel[t, m]), floor)) })
    }
}
