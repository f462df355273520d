/// The random streams of one training step, one per crop of the global batch.
///
/// Crop `i` of step `s` draws everything random about it (its audio window, the student's
/// noise for it, its Monte Carlo samples) from stream (seed, s, i), never from a stream shared
/// by the batch. A batch split over N processes (data parallelism) is then drawn exactly as
/// one process draws it, whatever N is, and a run resumed at step `s` draws what an
/// uninterrupted one would.
public struct CropStreams: Sendable, Equatable {
    public let seed: UInt64
    public let step: Int

    /// The largest batch the stream numbering keeps apart (crop indices use the low 20 bits).
    public static let maximumCrops = 1 << 20

    public init(seed: UInt64, step: Int) {
        precondition(step >= 0, "step must be >= 0, got \(step)")
        self.seed = seed
        self.step = step
    }

    /// The stream of crop `crop` (0 ..< global batch size).
    public func stream(crop: Int) -> Philox {
        precondition(crop >= 0 && crop < Self.maximumCrops, "crop index \(crop) outside 0..<\(Self.maximumCrops)")
        return Philox(seed: seed, stream: UInt64(step) << 20 | UInt64(crop))
    }
}
