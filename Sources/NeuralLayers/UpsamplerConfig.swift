import Configuration

/// The config of a `ConditionUpsampler` (YAML section `upsampler:` of a model).
///
///     upsampler:
///       kind: transposed        # or: shared_transposed, repeat
///       strides: [4, 4, 4, 4]   # (shared_)transposed: product must equal the feature hop
///       smoothing_width: 5      # repeat: odd width of the centred smoothing conv
public struct UpsamplerConfig: Codable, Sendable, Equatable, ValidatableConfig {
    /// `transposed`: per-channel taps; `shared_transposed`: one set of taps for all channels
    /// after a per-channel gain (the student's default: see `ConditionUpsampler`); `repeat`:
    /// nearest frame, then a per-channel smoothing conv.
    public enum Kind: String, Codable, Sendable {
        case transposed
        case sharedTransposed = "shared_transposed"
        case `repeat`
    }

    public var kind: Kind = .transposed
    public var strides: [Int] = [4, 4, 4, 4]
    public var smoothingWidth: Int = 5

    public init(kind: Kind = .transposed, strides: [Int] = [4, 4, 4, 4], smoothingWidth: Int = 5) {
        self.kind = kind
        self.strides = strides
        self.smoothingWidth = smoothingWidth
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case kind, strides
        case smoothingWidth = "smoothing_width"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.value(.kind, default: kind)
        strides = try c.value(.strides, default: strides)
        smoothingWidth = try c.value(.smoothingWidth, default: smoothingWidth)
    }

    public func validate(path: String) throws {
        try Require.that(!strides.isEmpty && strides.allSatisfy { $0 >= 1 }, key(path, "strides"),
                         "strides must be a non-empty list of positive integers")
        try Require.that(smoothingWidth >= 1 && smoothingWidth % 2 == 1, key(path, "smoothing_width"),
                         "must be odd and >= 1")
    }

    /// Checks the strides against the feature hop (only known once features are configured).
    public func validate(path: String, hop: Int) throws {
        try validate(path: path)
        if kind != .repeat {
            try Require.that(strides.reduce(1, *) == hop, key(path, "strides"),
                             "the product of the strides \(strides) must equal the feature hop \(hop)")
        }
    }

    public var mode: ConditionUpsampler.Mode {
        switch kind {
        case .transposed: return .transposed(strides: strides)
        case .sharedTransposed: return .sharedTransposed(strides: strides)
        case .repeat: return .repeatThenSmooth(width: smoothingWidth)
        }
    }

    /// Strides for a hop: factors of 4 while possible, then the remainder (hop 256 -> [4,4,4,4]).
    public static func defaultStrides(hop: Int) -> [Int] {
        var rest = hop, strides: [Int] = []
        while rest % 4 == 0 && rest > 4 { strides.append(4); rest /= 4 }
        strides.append(rest)
        return strides
    }
}
