import Configuration
import Foundation
import Testing
@testable import SignalProcessing

@Suite struct FeatureConfigTests {
    @Test func defaultsAreTheDesignDefaults() {
        let c = FeatureConfig()
        #expect(c.sampleRate == 16000 && c.fftLength == 1024 && c.windowLength == 1024 && c.hopLength == 256)
        #expect(c.window == .hann && c.center && c.power == 1 && c.melBandCount == 80)
        #expect(c.minFrequency == 40 && c.maxFrequency == 8000)
        #expect(c.melScale == .slaney && c.melNormalization == .slaney)
        #expect(c.logFloor == 1e-5 && c.logarithm == .log10)
    }

    @Test func missingKeysTakeDefaults() throws {
        #expect(try FeatureConfig(json: "{}") == FeatureConfig())
        var expected = FeatureConfig()
        expected.melBandCount = 40
        expected.melScale = .htk
        #expect(try FeatureConfig(json: #"{"n_mels": 40, "mel_scale": "htk"}"#) == expected)
    }

    @Test func unknownKeyIsRejectedByName() {
        let error = #expect(throws: ConfigError.self) { try FeatureConfig(json: #"{"n_mel": 40}"#) }
        guard let error, case .unknownKey = error.kind else {
            Issue.record("expected an unknown-key error, got \(String(describing: error))")
            return
        }
        #expect(error.path == "n_mel")
        #expect(error.description.contains("n_mel"))
    }

    @Test func unknownChoiceListsTheAllowedValues() {
        let error = #expect(throws: ConfigError.self) { try FeatureConfig(json: #"{"mel_scale": "bark"}"#) }
        #expect(error?.path == "mel_scale")
        #expect(error?.description.contains("\"slaney\", \"htk\"") == true)
    }

    /// Each out-of-range value is refused with an error naming its key.
    @Test(arguments: [
        (#"{"sample_rate": 0}"#, "sample_rate"),
        (#"{"n_fft": 1023}"#, "n_fft"),
        (#"{"n_fft": 0}"#, "n_fft"),
        (#"{"n_fft": 1099511627776, "win_length": 1024}"#, "n_fft"),
        (#"{"win_length": 2048}"#, "win_length"),
        (#"{"win_length": 0}"#, "win_length"),
        (#"{"hop_length": 0}"#, "hop_length"),
        (#"{"power": 3}"#, "power"),
        (#"{"n_mels": 0}"#, "n_mels"),
        (#"{"n_mels": 400}"#, "n_mels"),
        (#"{"fmin": -1}"#, "fmin"),
        (#"{"fmax": 9000}"#, "fmax"),
        (#"{"fmin": 8000}"#, "fmax"),
        (#"{"log_floor": 0}"#, "log_floor"),
    ])
    func outOfRangeValuesNameTheirKey(json: String, key: String) {
        let error = #expect(throws: ConfigError.self) { try FeatureConfig(json: json) }
        guard let error, case .outOfRange = error.kind else {
            Issue.record("expected out of range for \(json), got \(String(describing: error))")
            return
        }
        #expect(error.path == key, "\(json): \(error)")
    }

    @Test func validateNamesTheSectionPath() {
        var config = FeatureConfig()
        config.hopLength = -4
        let error = #expect(throws: ConfigError.self) { try config.validate(path: "features") }
        #expect(error?.path == "features.hop_length")
        #expect(throws: Never.self) { try FeatureConfig().validate() }
    }

    /// Inside a YAML pipeline file the error carries the full key path and line.
    @Test func yamlErrorsCarryPathAndLine() {
        struct Pipeline: Decodable { var features: FeatureConfig }
        let yaml = "features:\n  n_mels: 40\n  hop: 200\n"
        let error = #expect(throws: ConfigError.self) {
            try YAMLConfigLoader.decode(Pipeline.self, from: yaml, file: "p.yaml")
        }
        #expect(error?.path == "features.hop")
        #expect(error?.line == 3)
        let range = "features:\n  fmax: 9000\n"
        #expect(throws: ConfigError.self) { try YAMLConfigLoader.decode(Pipeline.self, from: range) }
    }

    @Test func canonicalJSONIsSortedCompactAndRoundTrips() throws {
        var config = FeatureConfig()
        config.melBandCount = 64
        config.minFrequency = 55.5
        let json = config.canonicalJSON
        #expect(!json.contains(" ") && !json.contains("\n"))
        let keys = FeatureConfig.CodingKeys.allCases.map(\.stringValue)
        let positions = keys.compactMap { json.range(of: "\"\($0)\":")?.lowerBound }
        #expect(positions.count == keys.count)
        let orderInText = zip(positions, keys).sorted { $0.0 < $1.0 }.map(\.1)
        #expect(orderInText == keys.sorted())
        #expect(try FeatureConfig(json: json) == config)
        #expect(json == FeatureConfig(config).canonicalJSON)
        #expect(json != FeatureConfig().canonicalJSON)
    }
}

private extension FeatureConfig {
    /// A copy made field by field, to check equal values give equal text.
    init(_ other: FeatureConfig) {
        self.init()
        sampleRate = other.sampleRate; fftLength = other.fftLength; windowLength = other.windowLength
        hopLength = other.hopLength; window = other.window; center = other.center; power = other.power
        melBandCount = other.melBandCount; minFrequency = other.minFrequency; maxFrequency = other.maxFrequency
        melScale = other.melScale; melNormalization = other.melNormalization
        logFloor = other.logFloor; logarithm = other.logarithm
    }
}
