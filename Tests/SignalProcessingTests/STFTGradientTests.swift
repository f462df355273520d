import Testing
@testable import SignalProcessing

/// The STFT magnitude VJP against central finite differences of L(x) = sum g * S(x), where
/// S is computed by the Double-precision reference DFT so the differences are not limited by
/// float rounding. Every input index is probed, including the reflect-padded edges.
@Suite struct STFTGradientTests {
    static func loss(_ x: [Double], _ g: [Float], fftLength: Int, hop: Int, window: Int,
                     center: Bool, power: SpectrumPower) -> Double {
        let spectrum = NaiveDFT.stft(x, fftLength: fftLength, hopLength: hop, windowLength: window, center: center)
        var sum = 0.0
        for t in spectrum.real.indices {
            for k in spectrum.real[t].indices {
                let p = spectrum.real[t][k] * spectrum.real[t][k] + spectrum.imaginary[t][k] * spectrum.imaginary[t][k]
                sum += Double(g[t * spectrum.real[t].count + k]) * (power == .power ? p : p.squareRoot())
            }
        }
        return sum
    }

    @Test(arguments: [
        (32, 8, 32, true, SpectrumPower.magnitude),
        (32, 8, 24, true, SpectrumPower.magnitude),
        (32, 8, 32, true, SpectrumPower.power),
        (32, 12, 32, false, SpectrumPower.magnitude),
    ])
    func vjpMatchesFiniteDifferences(fftLength: Int, hop: Int, window: Int, center: Bool, power: SpectrumPower) throws {
        let length = 96
        let x = randomSignal(count: length, seed: 5)
        let stft = try STFT(fftLength: fftLength, hopLength: hop, windowLength: window, center: center)
        let frames = stft.frameCount(signalLength: length)
        let g = randomSignal(count: frames * stft.binCount, seed: 6, scale: 1)
        let gradient = try stft.spectrogramVJP(
            of: x, outputGradient: Spectrogram(frameCount: frames, binCount: stft.binCount, values: g), power: power)
        #expect(gradient.count == length)

        let eps = 1e-4
        var worst = 0.0, worstIndex = 0, largest = 0.0
        let xd = x.map(Double.init)
        for i in 0..<length {
            var plus = xd, minus = xd
            plus[i] += eps
            minus[i] -= eps
            let numeric = (Self.loss(plus, g, fftLength: fftLength, hop: hop, window: window, center: center, power: power)
                - Self.loss(minus, g, fftLength: fftLength, hop: hop, window: window, center: center, power: power)) / (2 * eps)
            largest = max(largest, abs(numeric))
            let error = abs(numeric - Double(gradient[i])) / max(abs(numeric), 1)
            if error > worst { worst = error; worstIndex = i }
        }
        #expect(largest > 0.1, "finite differences are all ~0: the check would be vacuous")
        #expect(worst < 1e-3, "worst relative error \(worst) at index \(worstIndex)")
    }

    /// |X| = 0 has no derivative; the VJP uses 0 there instead of dividing by zero.
    @Test func silenceGivesAFiniteZeroGradient() throws {
        let stft = try STFT(fftLength: 32, hopLength: 8)
        let frames = stft.frameCount(signalLength: 64)
        let g = Spectrogram(frameCount: frames, binCount: stft.binCount,
                            values: [Float](repeating: 1, count: frames * stft.binCount))
        let gradient = try stft.spectrogramVJP(of: [Float](repeating: 0, count: 64), outputGradient: g)
        #expect(gradient.allSatisfy { $0 == 0 })
    }

    @Test func wrongGradientShapeThrows() throws {
        let stft = try STFT(fftLength: 32, hopLength: 8)
        let g = Spectrogram(frameCount: 2, binCount: 17, values: [Float](repeating: 1, count: 34))
        #expect(throws: STFTError.gradientShapeMismatch(expected: [9, 17], got: [2, 17])) {
            try stft.spectrogramVJP(of: [Float](repeating: 0.1, count: 64), outputGradient: g)
        }
    }
}
