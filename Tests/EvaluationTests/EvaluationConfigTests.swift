import Configuration
import SignalProcessing
import Testing
@testable import Evaluation

/// Strict decoding of the evaluation configs (e.g. YAML sections `evaluate.lsd`, `evaluate.mcd`,
/// `evaluate.griffin_lim`).
@Suite struct EvaluationConfigTests {
    struct Section: Decodable {
        var lsd: LogSpectralDistanceConfig?
        var mcd: MelCepstralDistortionConfig?
        var griffinLim: GriffinLimConfig?
        enum CodingKeys: String, CodingKey { case lsd, mcd, griffinLim = "griffin_lim" }
    }

    static func decode(_ yaml: String) throws -> Section {
        try YAMLConfigLoader.decode(Section.self, from: yaml, file: "test.yaml")
    }

    @Test func emptySectionsTakeTheDefaults() throws {
        let s = try Self.decode("lsd: {}\nmcd: {}\ngriffin_lim: {}\n")
        #expect(s.lsd == LogSpectralDistanceConfig())
        #expect(s.lsd?.fftLength == 1024 && s.lsd?.hopLength == 256 && s.lsd?.windowLength == 1024 && s.lsd?.epsilon == 1e-10)
        #expect(s.mcd == MelCepstralDistortionConfig() && s.mcd?.coefficients == 24 && s.mcd?.features == FeatureConfig())
        #expect(s.griffinLim == GriffinLimConfig())
        #expect(s.griffinLim?.iterations == 32 && s.griffinLim?.momentum == 0 && s.griffinLim?.melInversionIterations == 200)
    }

    @Test func valuesAreRead() throws {
        let s = try Self.decode("""
            lsd: { n_fft: 512, hop_length: 128, epsilon: 1.0e-8 }
            mcd: { coefficients: 12, features: { n_mels: 40 } }
            griffin_lim: { iterations: 64, momentum: 0.99, seed: 7, mel_inversion_iterations: 10 }
            """)
        #expect(s.lsd == LogSpectralDistanceConfig(fftLength: 512, hopLength: 128, windowLength: 512, epsilon: 1e-8))
        #expect(s.mcd?.coefficients == 12 && s.mcd?.features.melBandCount == 40)
        #expect(s.griffinLim == GriffinLimConfig(iterations: 64, momentum: 0.99, melInversionIterations: 10, seed: 7))
    }

    @Test(arguments: [
        ("lsd: { eps: 1.0 }", "lsd.eps", true),
        ("mcd: { features: { n_mel: 40 } }", "mcd.features.n_mel", true),
        ("griffin_lim: { iters: 3 }", "griffin_lim.iters", true),
        ("lsd: { n_fft: 1000, win_length: 1001 }", "lsd.win_length", false),
        ("lsd: { epsilon: 0 }", "lsd.epsilon", false),
        ("mcd: { coefficients: 80 }", "mcd.coefficients", false),
        ("mcd: { features: { fmax: 9000 } }", "mcd.features.fmax", false),
        ("griffin_lim: { momentum: 1.0 }", "griffin_lim.momentum", false),
        ("griffin_lim: { iterations: 0 }", "griffin_lim.iterations", false),
    ])
    func badKeysAndValuesNameTheirPath(yaml: String, path: String, unknown: Bool) {
        let error = #expect(throws: ConfigError.self) { try Self.decode(yaml) }
        guard let error else { return }
        switch error.kind {
        case .unknownKey: #expect(unknown, "\(error)")
        case .outOfRange: #expect(!unknown, "\(error)")
        default: Issue.record("unexpected \(error)")
        }
        #expect(error.path == path, "\(error)")
    }
}
