import Foundation
import SignalProcessing
import Testing
@testable import Evaluation

/// The Griffin-Lim baseline: mel inversion, convergence, and copy synthesis of a bundled
/// recording (ru_0003, 16 kHz speech).
@Suite struct GriffinLimTests {
    /// On a flat spectrum the normalised-transpose start is exact: M s = e with s = c.
    @Test func melInversionIsExactForAFlatSpectrum() throws {
        let inversion = MelInversion(filterbank: try MelFilterbank(config: FeatureConfig()))
        let flat = [Double](repeating: 0.7, count: 513)
        let energies = inversion.forward(flat)
        let s = inversion.invert(energies, iterations: 0)
        #expect(inversion.residual(s, energies) < 1e-12 * energies.reduce(0, +))
        // Bins 0-2 (below fmin = 40 Hz) are covered by no filter and stay 0.
        #expect(s[0] == 0 && abs(s[100] - 0.7) < 1e-12)
    }

    /// Multiplicative updates keep s >= 0 and never increase || M s - e ||.
    @Test func melInversionResidualDecreases() throws {
        let features = FeatureConfig()
        let inversion = MelInversion(filterbank: try MelFilterbank(config: features))
        let speech = try Support.bundledSpeech()
        let stft = try STFT(config: features)
        let magnitude = try stft.spectrogram(of: Array(speech[16000..<24000]))
        let frame = (0..<513).map { Double(magnitude[10, $0]) }
        let energies = inversion.forward(frame)
        var residuals: [Double] = []
        for iterations in [0, 10, 50, 200] {
            let s = inversion.invert(energies, iterations: iterations)
            #expect(s.allSatisfy { $0 >= 0 })
            residuals.append(inversion.residual(s, energies))
        }
        #expect(zip(residuals, residuals.dropFirst()).allSatisfy { $0 >= $1 }, "residuals \(residuals)")
        #expect(residuals.last! < 0.05 * residuals.first!, "residuals \(residuals)")
    }

    /// The buffered iterations of `invert` equal the plain `transpose(forward(s))` form to the bit.
    @Test func melInversionEqualsItsReferenceForm() throws {
        let features = FeatureConfig()
        let inversion = MelInversion(filterbank: try MelFilterbank(config: features))
        let speech = try Support.bundledSpeech()
        let magnitude = try STFT(config: features).spectrogram(of: Array(speech[16000..<24000]))
        for frame in [3, 10, 20] {
            let energies = inversion.forward((0..<513).map { Double(magnitude[frame, $0]) })
            for iterations in [0, 1, 7, 100] {
                let target = inversion.transpose(energies)
                let normaliser = inversion.transpose(inversion.forward([Double](repeating: 1, count: 513)))
                var reference = zip(target, normaliser).map { $1 > 0 ? max($0, 0) / $1 : 0 }
                for _ in 0..<iterations {
                    let denominator = inversion.transpose(inversion.forward(reference))
                    for k in reference.indices {
                        reference[k] = denominator[k] > 0 ? reference[k] * max(target[k], 0) / denominator[k] : 0
                    }
                }
                #expect(inversion.invert(energies, iterations: iterations) == reference, "frame \(frame), \(iterations) iterations")
            }
        }
    }

    /// Given the true STFT magnitude, Griffin-Lim converges towards a consistent spectrogram: the
    /// spectral convergence never increases (the classic algorithm is a descent method) and ends
    /// far below the random-phase start.
    @Test func spectralConvergenceDecreasesFromTrueMagnitude() throws {
        let features = FeatureConfig()
        let speech = Array(try Support.bundledSpeech().prefix(16000))
        let magnitude = try STFT(config: features).spectrogram(of: speech)
        let gl = try GriffinLim(features: features, config: GriffinLimConfig(iterations: 32))
        let result = try gl.reconstruct(magnitude: magnitude, sampleCount: speech.count)
        let sc = result.spectralConvergence
        #expect(sc.count == 33 && result.samples.count == speech.count)
        let increases = zip(sc, sc.dropFirst()).filter { $1 > $0 * (1 + 1e-4) }
        #expect(increases.isEmpty, "SC rose at some iteration: \(sc)")
        #expect(sc.last! < 0.5 * sc.first!, "SC \(sc.first!) -> \(sc.last!)")
    }

    /// Copy synthesis of ru_0003 from its log-mel features. Measured figures are printed; the
    /// bounds are the acceptance criteria (LSD finite and below 12 dB at 32 iterations).
    @Test(arguments: [0.0, 0.99])
    func copySynthesisOfABundledUtterance(momentum: Double) throws {
        let features = FeatureConfig()
        let speech = try Support.bundledSpeech()
        let logMel = try LogMelExtractor(config: features).features(of: speech)
        let gl = try GriffinLim(features: features, config: GriffinLimConfig(iterations: 32, momentum: momentum))
        let start = Date()
        let result = try gl.synthesize(logMel: logMel, sampleCount: speech.count)
        let seconds = Date().timeIntervalSince(start)
        let sc = result.spectralConvergence
        let lsd = try logSpectralDistance(reference: speech, synthesized: result.samples)
        let mcd = try melCepstralDistortion(reference: speech, synthesized: result.samples)
        let gainInvariant = try logSpectralDistance(reference: speech, synthesized: result.samples.map { $0 * 1 })
        print("Griffin-Lim ru_0003 (\(speech.count) samples), 32 iterations, momentum \(momentum): "
              + "SC \(fmt(sc[0])) -> \(fmt(sc[1])) -> \(fmt(sc[8])) -> \(fmt(sc[32])), "
              + "LSD \(fmt(lsd)) dB, MCD \(fmt(mcd)) dB, \(fmt(seconds)) s")
        #expect(result.samples.count == speech.count)
        #expect(sc[32] < sc[8] && sc[8] < sc[1] && sc[1] < sc[0], "SC \(sc)")
        #expect(lsd.isFinite && lsd < 12, "LSD \(lsd)")
        #expect(mcd.isFinite && mcd > 0)
        #expect(gainInvariant == lsd)
        // Same seed, same samples.
        let again = try gl.synthesize(logMel: logMel, sampleCount: speech.count)
        #expect(again.samples == result.samples)
    }

    /// More iterations give a better LSD against the original (classic Griffin-Lim).
    @Test func moreIterationsGiveALowerLSD() throws {
        let features = FeatureConfig()
        let speech = Array(try Support.bundledSpeech().prefix(24000))
        let logMel = try LogMelExtractor(config: features).features(of: speech)
        var lsd: [Double] = []
        for iterations in [1, 8, 32] {
            let gl = try GriffinLim(features: features, config: GriffinLimConfig(iterations: iterations))
            let samples = try gl.synthesize(logMel: logMel, sampleCount: speech.count).samples
            lsd.append(try logSpectralDistance(reference: speech, synthesized: samples))
        }
        #expect(lsd[0] > lsd[1] && lsd[1] > lsd[2], "LSD \(lsd)")
    }

    @Test func badInputsAreDescriptiveErrors() throws {
        let gl = try GriffinLim()
        let wrongBands = Spectrogram(frameCount: 4, binCount: 40, values: [Float](repeating: 0, count: 160))
        #expect(throws: EvaluationError.featureShapeMismatch(bands: 40, expectedBands: 80)) {
            try gl.synthesize(logMel: wrongBands, sampleCount: 1000)
        }
        let logMel = Spectrogram(frameCount: 4, binCount: 80, values: [Float](repeating: -2, count: 320))
        #expect(throws: EvaluationError.invalidSampleCount(0)) { try gl.synthesize(logMel: logMel, sampleCount: 0) }
        let oneFrame = Spectrogram(frameCount: 1, binCount: 80, values: [Float](repeating: -2, count: 80))
        #expect(throws: EvaluationError.self) { try gl.synthesize(logMel: oneFrame, sampleCount: 100) }
    }
}

private func fmt(_ x: Double) -> String { String(format: "%.3f", x) }
