/// A distribution configured with values it cannot work with (from a config file, say),
/// reported with the offending value and the allowed range so the user can fix the config.
public enum DistributionError: Error, Equatable, CustomStringConvertible {
    case invalidMixtureCount(Int)
    case invalidLogScaleMin(Float)
    case invalidRegularisation(Float)

    public var description: String {
        switch self {
        case .invalidMixtureCount(let m):
            return "mixture count must be at least 1, got \(m)"
        case .invalidLogScaleMin(let v):
            return "log-scale minimum must be a finite number (e.g. -9 for 16-bit audio), got \(v)"
        case .invalidRegularisation(let v):
            return "KL regularisation weight lambda must be finite and >= 0 (ClariNet uses 4), got \(v)"
        }
    }
}
