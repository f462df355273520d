import Foundation
import Randomness
import SignalProcessing

/// A diagnostic reference for copy-synthesis metrics: the reference's own STFT magnitudes with
/// every phase replaced by a uniform random one, x = ISTFT(|X| e^{i phi}), phi ~ U[0, 2 pi)
/// from Philox(seed). Its magnitudes are as right as magnitudes can be, its phase is as
/// incoherent as a noise-driven generator's; overlap-add then re-randomises the magnitudes it
/// measures, so its log-spectral distance (about 9 dB on speech) shows how much of a sampled
/// vocoder's LSD comes from phase alone. Griffin-Lim starts from the same signal and removes
/// that inconsistency by iterating; a sampled vocoder must instead learn phase-coherent
/// (harmonic) structure.
public func randomPhaseResynthesis(of reference: [Float], features: FeatureConfig = FeatureConfig(),
                                   seed: UInt64 = 0) throws -> [Float] {
    let stft = try STFT(config: features)
    guard reference.count >= stft.minimumSignalLength else {
        throw EvaluationError.signalTooShort(length: reference.count, minimum: stft.minimumSignalLength, fftLength: stft.fftLength)
    }
    var spectrum = try stftCall { () throws(STFTError) in try stft.complexSpectrogram(of: reference) }
    var rng = Philox(seed: seed)
    for i in spectrum.real.indices {
        let re = spectrum.real[i], im = spectrum.imaginary[i]
        let magnitude = (re * re + im * im).squareRoot()
        let phase = 2 * Double.pi * Double(rng.nextUniform())
        spectrum.real[i] = magnitude * Float(cos(phase))
        spectrum.imaginary[i] = magnitude * Float(sin(phase))
    }
    let length = reference.count
    return try stftCall { () throws(STFTError) in try stft.inverse(spectrum, length: length) }
}
