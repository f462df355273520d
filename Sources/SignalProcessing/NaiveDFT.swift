import Foundation

/// Slow, obviously correct reference transforms (O(N^2), Double sums) to test the FFTW paths.
///
/// Window convention, matching `STFT`: the periodic Hann window
/// w[n] = 0.5 - 0.5 cos(2 pi n / N), n = 0 ... N-1 (not the symmetric N-1 denominator),
/// centred in the n_fft frame when shorter, and frames start at t * hop in the signal reflected
/// by n_fft/2 on both sides (numpy "reflect": the edge sample is not repeated). Written
/// separately from `STFT` (own window formula, own padding arithmetic) so the two can disagree.
public enum NaiveDFT {
    /// X[k] = sum_n x[n] e^{-2 pi i k n / N} for k = 0 ... N/2.
    public static func transform(_ x: [Double]) -> (real: [Double], imaginary: [Double]) {
        let n = x.count
        var real = [Double](repeating: 0, count: n / 2 + 1)
        var imaginary = real
        for k in 0...(n / 2) {
            var re = 0.0, im = 0.0
            for j in 0..<n {
                // Reduce k*j mod N first, so the angle stays small and accurate.
                let angle = 2 * Double.pi * Double((k * j) % n) / Double(n)
                re += x[j] * cos(angle)
                im -= x[j] * sin(angle)
            }
            real[k] = re
            imaginary[k] = im
        }
        return (real, imaginary)
    }

    /// The STFT of `signal`: [frames][bins] real and imaginary parts. Double input so finite
    /// differences through it are not limited by float rounding.
    public static func stft(_ signal: [Double], fftLength: Int, hopLength: Int, windowLength: Int,
                            center: Bool = true) -> (real: [[Double]], imaginary: [[Double]]) {
        let half = center ? fftLength / 2 : 0
        let offset = (fftLength - windowLength) / 2
        let length = signal.count
        let lastStart = length + 2 * half - fftLength
        let frames = lastStart < 0 ? 0 : lastStart / hopLength + 1
        var real: [[Double]] = [], imaginary: [[Double]] = []
        for t in 0..<frames {
            var frame = [Double](repeating: 0, count: fftLength)
            for j in 0..<windowLength {
                let n = offset + j
                var source = t * hopLength + n - half
                if source < 0 { source = -source }
                if source > length - 1 { source = (length - 1) - (source - (length - 1)) }
                let w = 0.5 - 0.5 * cos(2 * Double.pi * Double(j) / Double(windowLength))
                frame[n] = w * signal[source]
            }
            let spectrum = transform(frame)
            real.append(spectrum.real)
            imaginary.append(spectrum.imaginary)
        }
        return (real, imaginary)
    }

    /// The same for a float signal.
    public static func stft(_ signal: [Float], fftLength: Int, hopLength: Int, windowLength: Int,
                            center: Bool = true) -> (real: [[Double]], imaginary: [[Double]]) {
        stft(signal.map(Double.init), fftLength: fftLength, hopLength: hopLength,
             windowLength: windowLength, center: center)
    }
}
