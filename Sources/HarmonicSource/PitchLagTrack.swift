import Foundation

/// The pitch period at every sample of an utterance, from its mel's f0 track: the lag of a
/// long-term (pitch) predictor, as CELP codecs use one beside the short-term LPC. A model given
/// x[t - lag_t] sees the sample one period back without a receptive field that long.
///
///     lag_t = sample_rate / f0_t          (f0 of `PulseTrain.f0(atSample:)`; 0 where unvoiced)
///     x~_t  = (1 - w) x[t - m] + w x[t - m - 1],   m = floor(lag_t), w = lag_t - m
///
/// x~_t is 0 where t is unvoiced and where t - m - 1 < 0 reads before the start (as zeros). With
/// f0 <= sample_rate / 2, m >= 2: x~_t depends on x_<t only.
public struct PitchLagTrack: Sendable, Equatable {
    /// lag_t in samples (0: unvoiced).
    public let lags: [Float]

    public var length: Int { lags.count }

    public init(lags: [Float]) {
        precondition(lags.allSatisfy { $0 == 0 || ($0 >= 2 && $0.isFinite) }, "PitchLagTrack: lags must be 0 or >= 2")
        self.lags = lags
    }

    /// The lags of `length` samples under `frames` (frame t centred on sample t * hop).
    public init(frames: [SourceFrame], hop: Int, sampleRate: Int, length: Int) {
        precondition(hop >= 1 && sampleRate >= 1 && length >= 0, "PitchLagTrack: bad sizes")
        self.init(lags: (0..<length).map { n in
            guard let f0 = PulseTrain.f0(atSample: n, frames: frames, hop: hop) else { return 0 }
            return Float(max(2, Double(sampleRate) / f0))
        })
    }

    /// x~_t from the samples `past[0 ..< t]`.
    @inline(__always)
    public func lagged(at t: Int, past: UnsafePointer<Float>) -> Float {
        let lag = lags[t]
        guard lag > 0 else { return 0 }
        let m = Int(lag), w = lag - Float(m)
        let a = t - m >= 0 ? past[t - m] : 0
        let b = t - m - 1 >= 0 ? past[t - m - 1] : 0
        return (1 - w) * a + w * b
    }

    /// The adjoint of `lagged(at:past:)`: adds d x~_t's share to dPast[t - m] and dPast[t - m - 1].
    @inline(__always)
    public func addLaggedAdjoint(_ d: Float, at t: Int, into dPast: UnsafeMutablePointer<Float>) {
        let lag = lags[t]
        guard lag > 0 else { return }
        let m = Int(lag), w = lag - Float(m)
        if t - m >= 0 { dPast[t - m] += (1 - w) * d }
        if t - m - 1 >= 0 { dPast[t - m - 1] += w * d }
    }
}
