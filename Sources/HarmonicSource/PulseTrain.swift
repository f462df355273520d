import Foundation

/// A band-limited pulse train that follows an f0 track: the periodic part of an LPC excitation
/// (flat harmonic spectrum; the envelope is the synthesis filter's job).
///
/// Sample n has the voicing and f0 of `f0(atSample:frames:hop:)`. The phase advances by
/// 2 pi f0 / sample_rate at every voiced sample (it starts at 0 and holds through unvoiced
/// ones), and a voiced sample is
///
///     p_n = sqrt(2 / K) * sum_{k = 1}^{K} cos(k phi_n),   K = floor(max_harmonic_hz / f0_n)
///
/// (unit mean power: each cosine has power 1/2), unvoiced samples are 0. The cosines come
/// from the Chebyshev recurrence cos((k+1) phi) = 2 cos(phi) cos(k phi) - cos((k-1) phi),
/// in Double.
public enum PulseTrain {
    /// `length` samples of the pulse train of `frames` (frame t centred on sample t * hop), and
    /// each sample's voicing (1 or 0).
    public static func samples(frames: [SourceFrame], hop: Int, sampleRate: Int, length: Int,
                               maximumHarmonicHz: Double) -> (pulse: [Float], voicing: [Float]) {
        precondition(hop >= 1 && sampleRate >= 1 && length >= 0, "PulseTrain: bad sizes")
        var pulse = [Float](repeating: 0, count: length), voicing = pulse
        guard !frames.isEmpty else { return (pulse, voicing) }
        var phase = 0.0
        for n in 0..<length {
            guard let f0 = f0(atSample: n, frames: frames, hop: hop) else { continue }
            phase += 2 * Double.pi * f0 / Double(sampleRate)
            if phase > 2 * Double.pi { phase -= 2 * Double.pi * (phase / (2 * Double.pi)).rounded(.down) }
            let harmonics = max(1, Int(maximumHarmonicHz / f0))
            let c1 = cos(phase)
            var (previous, current, sum) = (1.0, c1, c1)
            for _ in 1..<harmonics {
                (previous, current) = (current, 2 * c1 * current - previous)
                sum += current
            }
            pulse[n] = Float(sum * (2 / Double(harmonics)).squareRoot())
            voicing[n] = 1
        }
        return (pulse, voicing)
    }

    /// The f0 (Hz) at sample n, or nil where n is unvoiced: the voicing of the nearest frame
    /// (round(n / hop)), the f0 interpolated linearly between frames floor(n / hop) and the
    /// next, taking the voiced one's where only one of them is voiced.
    public static func f0(atSample n: Int, frames: [SourceFrame], hop: Int) -> Double? {
        guard !frames.isEmpty else { return nil }
        let last = frames.count - 1
        let u = Double(n) / Double(hop)
        let nearest = min(last, Int(u.rounded()))
        guard frames[nearest].voiced else { return nil }
        let i = min(last, Int(u)), j = min(last, i + 1)
        let w = u - Double(i)
        let f0: Double
        switch (frames[i].voiced, frames[j].voiced) {
        case (true, true): f0 = (1 - w) * frames[i].f0Hz + w * frames[j].f0Hz
        case (true, false): f0 = frames[i].f0Hz
        case (false, true): f0 = frames[j].f0Hz
        case (false, false): f0 = frames[nearest].f0Hz
        }
        return f0 > 0 ? f0 : nil
    }
}
