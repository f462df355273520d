/// Why a signal could not be pitch-tracked or two tracks compared.
public enum PitchTrackingError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A tracker setting out of range; `name` is the parameter (e.g. `hop_length`).
    case invalidParameter(name: String, requirement: String)
    /// An empty signal.
    case emptySignal
    /// A NaN or infinite sample (the tracker would return garbage for its frames).
    case nonFiniteSample(index: Int)
    /// aubio refused the settings (`new_aubio_pitch` returned NULL).
    case aubioRefused(String)
    /// Two tracks made with different sample rates or hops cannot be compared frame by frame.
    case incompatibleTracks(String)

    public var description: String {
        switch self {
        case let .invalidParameter(name, requirement):
            return "pitch tracker: \(name) \(requirement)"
        case .emptySignal:
            return "pitch tracker: the signal is empty"
        case let .nonFiniteSample(index):
            return "pitch tracker: sample \(index) is not finite"
        case let .aubioRefused(what):
            return "pitch tracker: aubio refused \(what)"
        case let .incompatibleTracks(why):
            return "pitch comparison: \(why)"
        }
    }
}
