import Configuration
import Testing
@testable import SpectralLosses

/// The `distill.losses.power` and `distill.losses.mr_stft` sections: defaults, strict keys,
/// range checks naming the full key path.
@Suite struct SpectralLossConfigTests {
    struct Losses: Decodable {
        var power: PowerLossConfig?
        var mrStft: MultiResolutionSTFTConfig?
        enum CodingKeys: String, CodingKey { case power, mrStft = "mr_stft" }
    }

    static func decode(_ yaml: String) throws -> Losses {
        try YAMLConfigLoader.decode(Losses.self, from: yaml, file: "test.yaml")
    }

    @Test func emptySectionsTakeTheDefaults() throws {
        let losses = try Self.decode("power: {}\nmr_stft: {}\n")
        #expect(losses.power == PowerLossConfig())
        #expect(losses.power?.resolution == STFTResolution(fftLength: 1024, hopLength: 256, windowLength: 1024))
        #expect(losses.power?.power == 1)
        let mr = try #require(losses.mrStft)
        #expect(mr == MultiResolutionSTFTConfig())
        #expect(mr.resolutions.map(\.label) == ["1024/120/600", "2048/240/1200", "512/50/240"])
        #expect(mr.magnitudeFloor == 1e-5 && mr.spectralConvergenceWeight == 1 && mr.logMagnitudeWeight == 1)
        #expect(mr.minimumSignalLength == 1025)
    }

    @Test func valuesAreRead() throws {
        let losses = try Self.decode("""
            power: { n_fft: 512, hop_length: 128, power: 2 }
            mr_stft:
              resolutions:
                - { n_fft: 256, hop_length: 64 }
                - { n_fft: 128, hop_length: 32, win_length: 100 }
              magnitude_floor: 1.0e-7
              log_magnitude_weight: 0.5
            """)
        #expect(losses.power == PowerLossConfig(resolution: STFTResolution(fftLength: 512, hopLength: 128), power: 2))
        #expect(losses.mrStft?.resolutions == [STFTResolution(fftLength: 256, hopLength: 64, windowLength: 256),
                                               STFTResolution(fftLength: 128, hopLength: 32, windowLength: 100)])
        #expect(losses.mrStft?.magnitudeFloor == 1e-7 && losses.mrStft?.logMagnitudeWeight == 0.5)
    }

    @Test(arguments: [
        ("power: { n_ffts: 512 }", "power.n_ffts"),
        ("mr_stft: { floor: 1.0 }", "mr_stft.floor"),
        ("mr_stft: { resolutions: [ { n_fft: 64, hop_length: 16, window: 32 } ] }", "mr_stft.resolutions.0.window"),
    ])
    func unknownKeysAreRejected(yaml: String, path: String) {
        let error = #expect(throws: ConfigError.self) { try Self.decode(yaml) }
        guard let error, case .unknownKey = error.kind else {
            Issue.record("expected an unknown-key error for \(yaml), got \(String(describing: error))")
            return
        }
        #expect(error.path == path)
        #expect(error.line == 1)
    }

    @Test(arguments: [
        ("power: { n_fft: 1023 }", "power.n_fft"),
        ("power: { hop_length: 0 }", "power.hop_length"),
        ("power: { n_fft: 256, win_length: 512 }", "power.win_length"),
        ("power: { power: 3 }", "power.power"),
        ("mr_stft: { resolutions: [] }", "mr_stft.resolutions"),
        ("mr_stft: { resolutions: [ { n_fft: 64, hop_length: 16 }, { n_fft: 63, hop_length: 16 } ] }",
         "mr_stft.resolutions.1.n_fft"),
        ("mr_stft: { magnitude_floor: 0 }", "mr_stft.magnitude_floor"),
        ("mr_stft: { spectral_convergence_weight: -1 }", "mr_stft.spectral_convergence_weight"),
        ("mr_stft: { spectral_convergence_weight: 0, log_magnitude_weight: 0 }", "mr_stft.log_magnitude_weight"),
    ])
    func outOfRangeValuesNameTheirKey(yaml: String, path: String) {
        let error = #expect(throws: ConfigError.self) { try Self.decode(yaml) }
        guard let error, case .outOfRange = error.kind else {
            Issue.record("expected out of range for \(yaml), got \(String(describing: error))")
            return
        }
        #expect(error.path == path)
    }

    @Test func aResolutionNeedsNFFTAndHop() {
        let error = #expect(throws: ConfigError.self) { try Self.decode("mr_stft: { resolutions: [ { n_fft: 64 } ] }") }
        #expect(error?.kind == .missingKey)
        #expect(error?.path == "mr_stft.resolutions.0.hop_length")
    }

    @Test func powerConfigRoundTripsThroughJSON() throws {
        let config = PowerLossConfig(resolution: STFTResolution(fftLength: 512, hopLength: 100, windowLength: 400), power: 2)
        let json = JSONConfig.encode(config)
        #expect(json == #"{"hop_length":100,"n_fft":512,"power":2,"win_length":400}"#)
        #expect(try JSONConfig.decode(PowerLossConfig.self, from: json, source: "test") == config)
        let mr = MultiResolutionSTFTConfig()
        #expect(try JSONConfig.decode(MultiResolutionSTFTConfig.self, from: JSONConfig.encode(mr), source: "test") == mr)
    }
}
