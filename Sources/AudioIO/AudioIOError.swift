/// Everything that can go wrong reading, resampling or writing audio. Every message names the
/// file, so a failing stage over a corpus says which recording is at fault.
public enum AudioIOError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Nothing exists at the path.
    case fileNotFound(path: String)
    /// libsndfile cannot open the file as audio (`reason` is its `sf_strerror` text, or ours).
    case unreadable(path: String, reason: String)
    /// A valid audio header that announces zero frames.
    case empty(path: String)
    /// The header announces more audio than the file holds (an interrupted copy or download).
    /// Reading it anyway would silently train on a shortened file, so it is an error.
    case truncated(path: String, declaredFrames: Int, availableFrames: Int)
    /// NaN or infinite samples (float files only): they would poison every feature and loss.
    case nonFiniteSamples(path: String, count: Int)
    /// The decoder failed part-way, or the stream's length cannot be determined (an Ogg file
    /// without its final page): a damaged or cut file, never read as a shorter one.
    case corrupt(path: String, reason: String)
    /// Readable, but not something this project handles (e.g. an invalid sample rate).
    case unsupported(path: String, reason: String)
    /// Resampling failed or was asked for with invalid rates (in-memory, so no path).
    case resamplingFailed(reason: String)
    /// The output file could not be written; nothing was left under its name.
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case let .fileNotFound(path):
            return "\(path): no such file"
        case let .unreadable(path, reason):
            return "\(path): not a readable audio file: \(reason)"
        case let .empty(path):
            return "\(path): the audio file is empty (0 frames)"
        case let .truncated(path, declared, available):
            return "\(path): truncated: the header declares \(declared) frames but the file holds only \(available)"
        case let .nonFiniteSamples(path, count):
            return "\(path): \(count) sample\(count == 1 ? " is" : "s are") NaN or infinite"
        case let .corrupt(path, reason):
            return "\(path): truncated or corrupt audio: \(reason)"
        case let .unsupported(path, reason):
            return "\(path): unsupported audio: \(reason)"
        case let .resamplingFailed(reason):
            return "resampling failed: \(reason)"
        case let .cannotWrite(path, reason):
            return "\(path): cannot write: \(reason)"
        }
    }
}
