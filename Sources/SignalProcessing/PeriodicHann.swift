import Foundation

extension WindowFunction {
    /// The periodic window of `length` samples: for Hann, w[n] = 0.5 - 0.5 cos(2 pi n / length).
    ///
    /// Periodic (the first `length` points of a `length + 1`-point symmetric window) rather than
    /// symmetric, because shifted copies at hop length/4 then sum to a constant, and it is what
    /// librosa, scipy (`fftbins=True`) and torch use, so features match theirs.
    /// Properties: w[0] = 0, w[n] = w[length - n], sum = length / 2.
    public func values(length: Int) -> [Float] {
        switch self {
        case .hann:
            return (0..<length).map { n in
                Float(0.5 - 0.5 * cos(2 * Double.pi * Double(n) / Double(length)))
            }
        }
    }

    /// The window of `windowLength` samples centred in a frame of `fftLength` samples, zero
    /// outside (librosa's convention when win_length < n_fft).
    public func values(windowLength: Int, fftLength: Int) -> [Float] {
        let window = values(length: windowLength)
        let left = (fftLength - windowLength) / 2
        var frame = [Float](repeating: 0, count: fftLength)
        frame.replaceSubrange(left..<(left + windowLength), with: window)
        return frame
    }
}
