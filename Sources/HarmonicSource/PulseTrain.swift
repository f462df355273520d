import Foundation

/// A band-limited pulse train that follows an f0 track: the periodic part of an LPC excitation
/// (flat harmonic spectrum; the envelope is the synthesis filter's job).
///
/// Sample n lies at position u = n / hop in frames. Its voicing is that of the nearest frame
/// (round(u)); its f0 is interpolated linearly between frames floor(u) and floor(u) + 1,
/// taking the voiced one's f0 where only one of them is voiced. The phase advances by
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
        let last = frames.count - 1
        var phase = 0.0
        for n in 0..<length {
            let u = Double(n) / Double(hop)
            let nearest = min(last, Int(u.rounded()))
            guard frames[nearest].voiced else { continue }
            let i = min(last, Int(u)), j = min(last, i + 1)
            let w = u - Double(i)
            let f0: Double
            switch (frames[i].voiced, frames[j].voiced) {
            case (true, true): f0 = (1 - w) * frames[i].f0Hz + w * frames[j].f0Hz
            case (true, false): f0 = frames[i].f0Hz
            case (false, true): f0 = frames[j].f0Hz
            case (false, false): f0 = frames[nearest].f0Hz
            }
            guard f0 > 0 else { continue }
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
}
