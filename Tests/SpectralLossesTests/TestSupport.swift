import Foundation
import GradientCheck
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

    /// Options for the spectral-loss gradient checks. The analytic gradients are a few 1e-3 per
    /// sample; the absolute tolerance is a small fraction of the largest, so the check is not
    /// vacuous for small entries. eps = 1e-2 on samples of size ~0.5: truncation error O(eps^2)
    /// stays below 1e-2 relative, and float noise of the loss (~1e-8) divided by 2 eps is ~5e-7.
    static func checker(for gradient: Tensor, probes: Int = 96) -> GradientChecker {
        let largest = Double(maxAbs(gradient.scalars))
        return GradientChecker(options: .init(epsilon: 1e-2, relativeTolerance: 1e-2,
                                              absoluteTolerance: 2e-3 * largest, maxProbes: probes, seed: 3))
    }
}
