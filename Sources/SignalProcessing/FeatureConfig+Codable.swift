import Configuration
import Foundation

extension FeatureConfig: Codable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case sampleRate = "sample_rate"
        case fftLength = "n_fft"
        case windowLength = "win_length"
        case hopLength = "hop_length"
        case window, center, power
        case melBandCount = "n_mels"
        case minFrequency = "fmin"
        case maxFrequency = "fmax"
        case melScale = "mel_scale"
        case melNormalization = "mel_norm"
        case logFloor = "log_floor"
        case logarithm = "log"
    }

    /// Strict decoding: an unknown key (a typo such as `n_mel`) is a `ConfigError` naming it,
    /// missing keys keep their defaults, and the result is validated before it is returned.
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let path = dottedPath(decoder.codingPath)
        self.init()
        sampleRate = try c.decodeIfPresent(Int.self, forKey: .sampleRate) ?? sampleRate
        fftLength = try c.decodeIfPresent(Int.self, forKey: .fftLength) ?? fftLength
        windowLength = try c.decodeIfPresent(Int.self, forKey: .windowLength) ?? windowLength
        hopLength = try c.decodeIfPresent(Int.self, forKey: .hopLength) ?? hopLength
        window = try Self.decodeChoice(c, .window, path: path) ?? window
        center = try c.decodeIfPresent(Bool.self, forKey: .center) ?? center
        power = try c.decodeIfPresent(Int.self, forKey: .power) ?? power
        melBandCount = try c.decodeIfPresent(Int.self, forKey: .melBandCount) ?? melBandCount
        minFrequency = try c.decodeIfPresent(Double.self, forKey: .minFrequency) ?? minFrequency
        maxFrequency = try c.decodeIfPresent(Double.self, forKey: .maxFrequency) ?? maxFrequency
        melScale = try Self.decodeChoice(c, .melScale, path: path) ?? melScale
        melNormalization = try Self.decodeChoice(c, .melNormalization, path: path) ?? melNormalization
        logFloor = try c.decodeIfPresent(Double.self, forKey: .logFloor) ?? logFloor
        logarithm = try Self.decodeChoice(c, .logarithm, path: path) ?? logarithm
        try validate(path: path)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(sampleRate, forKey: .sampleRate)
        try c.encode(fftLength, forKey: .fftLength)
        try c.encode(windowLength, forKey: .windowLength)
        try c.encode(hopLength, forKey: .hopLength)
        try c.encode(window, forKey: .window)
        try c.encode(center, forKey: .center)
        try c.encode(power, forKey: .power)
        try c.encode(melBandCount, forKey: .melBandCount)
        try c.encode(minFrequency, forKey: .minFrequency)
        try c.encode(maxFrequency, forKey: .maxFrequency)
        try c.encode(melScale, forKey: .melScale)
        try c.encode(melNormalization, forKey: .melNormalization)
        try c.encode(logFloor, forKey: .logFloor)
        try c.encode(logarithm, forKey: .logarithm)
    }

    /// A string-valued choice; an unknown value is an error that lists the allowed ones.
    private static func decodeChoice<Choice: RawRepresentable & CaseIterable>(
        _ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys, path: String
    ) throws -> Choice? where Choice.RawValue == String {
        guard let text = try c.decodeIfPresent(String.self, forKey: key) else { return nil }
        guard let value = Choice(rawValue: text) else {
            let allowed = Choice.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw ConfigError(.outOfRange(requirement: "\"\(text)\" is not one of \(allowed)"),
                              path: path.isEmpty ? key.stringValue : "\(path).\(key.stringValue)")
        }
        return value
    }

    /// The config as JSON with sorted keys and no whitespace: equal configs give equal strings,
    /// so it can be stored in checkpoint metadata and compared as text.
    public var canonicalJSON: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain numbers, strings and bools cannot fail.
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Decodes (and validates) a config from JSON text, e.g. a checkpoint's `canonicalJSON`.
    public init(json: String) throws {
        do {
            self = try JSONDecoder().decode(FeatureConfig.self, from: Data(json.utf8))
        } catch let error as DecodingError {
            switch error {
            case let .typeMismatch(type, context), let .valueNotFound(type, context):
                throw ConfigError(.wrongType(expected: String(describing: type)),
                                  path: dottedPath(context.codingPath))
            default:
                throw ConfigError(.other("is not a valid feature config: \(error)"), path: "")
            }
        }
    }
}
