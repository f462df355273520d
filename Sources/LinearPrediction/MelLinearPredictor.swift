import COpenBLAS
import Foundation
import SignalProcessing

/// Linear prediction from log-mel frames alone, as LPCNet and ExcitNet derive it (no learned
/// parameters). Per frame:
///
///     m     = 10^logmel  (e^logmel for natural-log features)          magnitude mel  [n_mels]
///     |X|   ~ max(0, W+ m)                                              W+: pseudo-inverse of the filterbank
///     P_y   = |X|^2 |1 - alpha e^{-i w}|^2                              power of the pre-emphasised signal
///     r_k   = (1/N) sum over all N bins of P_y cos(w k),  k = 0...p     autocorrelation (inverse DFT)
///     r_0  *= 1 + 1e-3                                                  white-noise floor: keeps Levinson stable
///     a, E  = Levinson(r, p)                                            A(z) = 1 + sum_k a_k z^-k
///     std   = sqrt(E / sum_n w_n^2)                                     innovation std per sample
///
/// The predictor of y_t = x_t - alpha x_{t-1} is y^_t = -sum a_k y_{t-k}. Written in terms of x,
/// x^_t = alpha x_{t-1} + y^_t = sum_{k=1}^{taps} b_k x_{t-k} with b = -(A(z)(1 - alpha z^-1))_k,
/// so x_t - x^_t is exactly the innovation e_t of y, whose std is `std`. Pre-emphasis and the LPC
/// filter are unit lower-triangular maps of the waveform, so modelling e instead of x changes
/// no likelihood: only what the model has to learn.
///
/// Scale: with an unnormalised DFT, (1/N) sum_k |X_k|^2 = sum_n (w_n x_n)^2 (Parseval), so r_0
/// is the windowed frame's energy and E / sum w^2 a per-sample variance.
///
/// Special cases: order 0 with alpha 1 is the previous-sample predictor with the mel's gain of
/// the first difference; order p with alpha 0 is plain mel-LPC.
public struct MelLinearPredictor: Sendable {
    public let config: LinearPredictionConfig
    public let features: FeatureConfig
    /// [n_mels, n_fft/2 + 1] row-major: the pseudo-inverse of the filterbank, transposed, so a
    /// frame's magnitude spectrum is the product of its mel row with this matrix.
    let inverseFilterbank: [Double]
    /// [n_fft/2 + 1, p + 1] row-major: r_k = sum_j |X_j|^2 basis[j, k] (the pre-emphasis weight,
    /// the one-sided spectrum's factor 2 and 1/N folded in).
    let autocorrelationBasis: [Double]
    /// sum_n w_n^2 of the analysis window.
    let windowEnergy: Double

    /// Relative white-noise floor added to r_0 (a 30 dB floor on the prediction gain).
    public static let noiseFloor = 1e-3

    public init(features: FeatureConfig, config: LinearPredictionConfig) throws {
        try features.validate()
        try config.validate(path: "linear_prediction")
        self.features = features
        self.config = config
        let filterbank = try MelFilterbank(config: features)
        inverseFilterbank = try Self.pseudoInverse(filterbank)
        let n = features.fftLength, bins = n / 2 + 1, lags = config.order + 1
        var basis = [Double](repeating: 0, count: bins * lags)
        for j in 0..<bins {
            let w = 2 * Double.pi * Double(j) / Double(n)
            let emphasis = 1 + config.preemphasis * config.preemphasis - 2 * config.preemphasis * cos(w)
            let sides: Double = (j == 0 || j == n / 2) ? 1 : 2
            for k in 0..<lags { basis[j * lags + k] = sides * emphasis * cos(w * Double(k)) / Double(n) }
        }
        autocorrelationBasis = basis
        windowEnergy = features.window.values(windowLength: features.windowLength, fftLength: n)
            .reduce(0.0) { $0 + Double($1) * Double($1) }
    }

    /// W+ transposed, [n_mels, bins]: W+ = W^T (W W^T + eps I)^-1 (W has full row rank when no
    /// band is empty, which feature validation ensures; eps guards near-singular banks).
    static func pseudoInverse(_ filterbank: MelFilterbank) throws -> [Double] {
        let m = filterbank.melBandCount, bins = filterbank.binCount
        let w = filterbank.weights.map(Double.init)
        // G = W W^T [m, m], symmetric; column-major equals row-major.
        var g = [Double](repeating: 0, count: m * m)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(m), Int32(bins), 1, w, Int32(bins),
                    w, Int32(bins), 0, &g, Int32(m))
        let trace = (0..<m).reduce(0.0) { $0 + g[$1 * m + $1] }
        for i in 0..<m { g[i * m + i] += 1e-10 * trace / Double(m) }
        // Solve G X = W for X [m, bins], column-major (ld m) as LAPACK wants: B[band + bin m].
        var x = [Double](repeating: 0, count: m * bins)
        for band in 0..<m { for bin in 0..<bins { x[bin * m + band] = w[band * bins + bin] } }
        var info: Int32 = 0
        var n32 = Int32(m), nrhs = Int32(bins), lda = Int32(m), ldb = Int32(m)
        "L".withCString { uplo in dposv_(uplo, &n32, &nrhs, &g, &lda, &x, &ldb, &info, 1) }
        guard info == 0 else { throw LinearPredictionError.singularFilterbank(info: Int(info)) }
        // x holds X column-major [m, bins]: x[bin * m + band]. Return row-major [m, bins].
        var out = [Double](repeating: 0, count: m * bins)
        for band in 0..<m { for bin in 0..<bins { out[band * bins + bin] = x[bin * m + band] } }
        return out
    }

    /// The predictor of every frame of a log-mel matrix `[frames, n_mels]` (row-major).
    public func frames(logMel: UnsafeBufferPointer<Float>, frameCount: Int) -> FramePredictors {
        let m = features.melBandCount, bins = features.fftLength / 2 + 1, lags = config.order + 1
        precondition(logMel.count >= frameCount * m, "MelLinearPredictor: \(logMel.count) values for \(frameCount) x \(m)")
        var result = FramePredictors(taps: config.taps, frameCount: frameCount)
        guard frameCount > 0 else { return result }
        let natural = features.logarithm == .ln
        var mel = [Double](repeating: 0, count: frameCount * m)
        for i in mel.indices { mel[i] = natural ? exp(Double(logMel[i])) : pow(10, Double(logMel[i])) }
        var spectrum = [Double](repeating: 0, count: frameCount * bins)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(frameCount), Int32(bins), Int32(m), 1,
                    mel, Int32(m), inverseFilterbank, Int32(bins), 0, &spectrum, Int32(bins))
        for i in spectrum.indices { let v = max(0, spectrum[i]); spectrum[i] = v * v }
        var r = [Double](repeating: 0, count: frameCount * lags)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(frameCount), Int32(lags), Int32(bins), 1,
                    spectrum, Int32(bins), autocorrelationBasis, Int32(lags), 0, &r, Int32(lags))
        let alpha = config.preemphasis, taps = config.taps
        for f in 0..<frameCount {
            var lagsOfFrame = Array(r[(f * lags)..<((f + 1) * lags)])
            lagsOfFrame[0] *= 1 + Self.noiseFloor
            let (a, error) = Levinson.solve(autocorrelation: lagsOfFrame, order: config.order)
            // c = A(z) (1 - alpha z^-1); b_k = -c_k for k = 1...taps.
            for k in 1...taps {
                let ak = k <= config.order ? a[k - 1] : 0
                let akPrevious = k == 1 ? 1 : a[k - 2]
                result.coefficients[f * taps + k - 1] = Float(-(ak - alpha * akPrevious))
            }
            let variance = max(error, 0) / windowEnergy
            result.logStd[f] = Float(0.5 * log(max(variance, Self.minimumVariance)))
        }
        return result
    }

    /// Floor of the innovation variance: a 16-bit step's quantisation noise (LSB^2 / 12 on [-1, 1]).
    public static let minimumVariance: Double = (2.0 / 65536) * (2.0 / 65536) / 12

    /// Array form of `frames(logMel:frameCount:)`.
    public func frames(logMel: [Float], frameCount: Int) -> FramePredictors {
        logMel.withUnsafeBufferPointer { frames(logMel: $0, frameCount: frameCount) }
    }
}

/// The predictor of each mel frame: x^_t = sum_k coefficients[f, k-1] x_{t-k}, and the log of
/// the innovation's standard deviation.
public struct FramePredictors: Sendable, Equatable {
    public let taps: Int
    public let frameCount: Int
    /// [frames, taps] row-major: b_1 ... b_taps.
    public var coefficients: [Float]
    /// [frames]: log std of x_t - x^_t (waveform units, [-1, 1] full scale).
    public var logStd: [Float]

    public init(taps: Int, frameCount: Int) {
        self.taps = taps
        self.frameCount = frameCount
        coefficients = [Float](repeating: 0, count: taps * frameCount)
        logStd = [Float](repeating: 0, count: frameCount)
    }
}

public enum LinearPredictionError: Error, CustomStringConvertible {
    case singularFilterbank(info: Int)

    public var description: String {
        switch self {
        case .singularFilterbank(let info):
            return "linear prediction: the mel filterbank's Gram matrix is not positive definite (LAPACK dposv info \(info)); "
                + "use fewer mel bands or a longer n_fft"
        }
    }
}
