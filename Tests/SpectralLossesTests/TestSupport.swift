import Foundation
import GradientCheck
import SpectralLosses
import Randomness
import SignalProcessing
import Tensors

/// Shared helpers of the spectral-loss tests.
enum Support {
    /// Uniform noise on (-scale, scale) of `shape`, seeded.
    static func noise(_ shape: [Int], seed: UInt64, scale: Float = 0.5) -> Tensor {
        var rng = Philox(seed: seed)
        return Tensor(shape: shape, scalars: rng.uniforms(shape.reduce(1, *), low: -scale, high: scale))
    }

    /// a * x + b * y elementwise.
    static func combine(_ a: Float, _ x: Tensor, _ b: Float, _ y: Tensor) -> Tensor {
        Tensor(shape: x.shape, scalars: zip(x.scalars, y.scalars).map { a * $0 + b * $1 })
    }

    /// Row b of a [B, T] or [B, T, 1] tensor as a [1, T] tensor.
    static func item(_ b: Int, of x: Tensor) -> Tensor {
        let length = x.shape[1]
        return Tensor(shape: [1, length], scalars: Array(x.scalars[(b * length)..<((b + 1) * length)]))
    }

    static func maxAbs(_ values: [Float]) -> Float { values.reduce(0) { max($0, abs($1)) } }

    /// Magnitude spectrogram [frames][bins] by the Double-precision reference DFT (centred,
    /// periodic Hann): an implementation independent of the FFTW path.
    static func naiveMagnitude(_ x: [Float], fftLength: Int, hop: Int, window: Int) -> [[Double]] {
        let s = NaiveDFT.stft(x, fftLength: fftLength, hopLength: hop, windowLength: window)
        return zip(s.real, s.imaginary).map { re, im in zip(re, im).map { ($0 * $0 + $1 * $1).squareRoot() } }
    }

    /// Options for the spectral-loss gradient checks. The analytic gradients are ~1e-3 per
    /// sample; the absolute tolerance is a small fraction of the largest, so the check is not
    /// vacuous for small entries. eps = 1e-3: |X| and ln|X| curve like 1/|X|, and noise spectra
    /// have a few bins with |X| ~ 0.01 (of typical ~1), where eps = 1e-2 leaves a 10% truncation
    /// error in the central difference (measured: -0.00301 at eps 1e-2, -0.0027253 at 3e-3,
    /// -0.0027248 at 1e-3, against the analytic -0.0027251). Float noise of the Double loss
    /// (~1e-9 here) divided by 2 eps stays near 1e-6.
    static func checker(for gradient: Tensor, epsilon: Float = 1e-3, probes: Int = 96) -> GradientChecker {
        let largest = Double(maxAbs(gradient.scalars))
        return GradientChecker(options: .init(epsilon: epsilon, relativeTolerance: 1e-2,
                                              absoluteTolerance: 2e-3 * largest, maxProbes: probes, seed: 3))
    }

    /// The samples of `signal` (flat index into the [B, T(, 1)] tensor) that feed a frame
    /// holding a bin where the multi-resolution loss is not smooth within a finite-difference
    /// step: |X| < `magnitude` (|X| and ln|X| curve like 1/|X|; the frames centred on the ends
    /// are mirror-symmetric, so their spectra are real up to a linear phase and pass close to 0
    /// often, and the DC and Nyquist bins are real in every frame) or |ln(Y/X)| < `logRatio`
    /// (the kink of |ln Y - ln X|). A frame's samples are those under its window, mapped back
    /// through the reflect padding. With eps = 1e-4 a probe moves |X| by at most ~2e-4 (a sample
    /// appears twice near the ends), i.e. by at most 2% of |X| >= 0.01: it cannot reach a kink
    /// at a 2% log-ratio, and the curvature error (2%)^2 / 3 is negligible.
    static func probesNearKinks(student: Tensor, real: Tensor, resolutions: [STFTResolution],
                                magnitude: Float = 0.01, logRatio: Float = 0.02) throws -> Set<Int> {
        let batch = student.shape[0], length = student.shape[1]
        var skipped = Set<Int>()
        for resolution in resolutions {
            let stft = try STFT(fftLength: resolution.fftLength, hopLength: resolution.hopLength,
                                windowLength: resolution.windowLength)
            let left = (resolution.fftLength - resolution.windowLength) / 2
            for b in 0..<batch {
                let x = try stft.spectrogram(of: item(b, of: student).scalars)
                let y = try stft.spectrogram(of: item(b, of: real).scalars)
                for t in 0..<x.frameCount {
                    let bad = (0..<x.binCount).contains { k in
                        x[t, k] < magnitude || abs(log(max(y[t, k], 1e-30) / x[t, k])) < logRatio
                    }
                    guard bad else { continue }
                    for n in 0..<resolution.windowLength {
                        var i = t * resolution.hopLength + left + n - resolution.fftLength / 2
                        if i < 0 { i = -i }
                        if i >= length { i = 2 * (length - 1) - i }
                        skipped.insert(b * length + i)
                    }
                }
            }
        }
        return skipped
    }
}
