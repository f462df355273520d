/// Per-band mean and standard deviation of the conditioning features over a set of
/// utterances (every frame counts once), accumulated in Double. Used to initialise a fresh
/// model's upsampler so that it starts on standardised features
/// (`ConditionUpsampler.standardizeInput`).
public struct ConditioningStatistics: Sendable, Equatable {
    public let mean: [Float]
    public let std: [Float]
    /// Frames the statistics were computed from.
    public let frames: Int

    /// Statistics of the mel frames of `utterances`; nil when there are no frames.
    public init?(utterances: [Utterance]) {
        guard let bands = utterances.first?.melBands else { return nil }
        var sum = [Double](repeating: 0, count: bands), sumSquares = sum
        var frames = 0
        for u in utterances {
            precondition(u.melBands == bands, "\(u.id): \(u.melBands) mel bands, expected \(bands)")
            for t in 0..<u.frames {
                for m in 0..<bands {
                    let v = Double(u.mel[t * bands + m])
                    sum[m] += v
                    sumSquares[m] += v * v
                }
            }
            frames += u.frames
        }
        guard frames > 0 else { return nil }
        let n = Double(frames)
        mean = sum.map { Float($0 / n) }
        std = zip(sum, sumSquares).map { s, q in Float(max(0, q / n - (s / n) * (s / n)).squareRoot()) }
        self.frames = frames
    }
}
