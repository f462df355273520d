/// Range checks for numeric command-line options. ArgumentParser accepts `nan`, `inf` and
/// `1e300` as a Double, and any Int; converting such a value to a sample count traps, so every
/// numeric option is checked before any work, with a one-line error naming the option.
enum OptionCheck {
    /// The longest audio any command is asked to handle, in seconds (a day): beyond it a
    /// sample count is a mistake, not a request, and memory would run out long before.
    static let maximumSeconds = 86_400.0

    /// `value` must be finite and in `range`.
    static func require(_ value: Double, _ option: String, in range: ClosedRange<Double>, _ requirement: String? = nil) throws {
        guard value.isFinite, range.contains(value) else {
            throw CLIError("--\(option) must be \(requirement ?? "in \(format(range.lowerBound))...\(format(range.upperBound))"), got \(value)")
        }
    }

    /// A duration in seconds: finite, above zero, at most `maximumSeconds`.
    static func requireSeconds(_ value: Double, _ option: String) throws {
        try require(value, option, in: Double.leastNonzeroMagnitude...maximumSeconds,
                    "a positive number of seconds, at most \(format(maximumSeconds))")
    }

    static func require(_ value: Int, _ option: String, in range: ClosedRange<Int>) throws {
        guard range.contains(value) else {
            throw CLIError("--\(option) must be in \(range.lowerBound)...\(range.upperBound), got \(value)")
        }
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
