import Foundation

/// What a WAV write did. Clipping is reported, never silent: callers (the CLI) print `warning`.
public struct WAVWriteReport: Sendable, Equatable {
    public var path: String
    public var frameCount: Int
    public var encoding: WAVEncoding
    /// Samples outside [-1, 1] that were clamped to the PCM range (always 0 for float32).
    public var clippedSampleCount: Int

    /// A one-line warning when samples were clipped, nil otherwise.
    public var warning: String? {
        guard clippedSampleCount > 0 else { return nil }
        let percent = 100 * Double(clippedSampleCount) / Double(max(frameCount, 1))
        return "\(path): \(clippedSampleCount) of \(frameCount) samples (\(String(format: "%.3g", percent))%) were outside [-1, 1] and clipped"
    }
}
