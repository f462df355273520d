/// A mono waveform with its sample rate: what every stage of the pipeline passes around.
///
/// Samples are nominally in [-1, 1] (a 16-bit value v reads as v / 32768).
public struct Audio: Sendable, Equatable {
    public var samples: [Float]
    /// Samples per second.
    public var sampleRate: Int

    public init(samples: [Float], sampleRate: Int) {
        self.samples = samples
        self.sampleRate = sampleRate
    }

    /// Length in seconds.
    public var duration: Double {
        sampleRate > 0 ? Double(samples.count) / Double(sampleRate) : 0
    }
}
