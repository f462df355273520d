import Foundation
import Testing
@testable import AudioIO

@Suite struct ResamplingTests {
    /// Frequency of a sine from its rising zero crossings (linearly interpolated) over the middle
    /// of the signal, away from the resampler's edge transients.
    static func frequency(_ x: [Float], sampleRate: Int) -> Double {
        let start = x.count / 10, end = x.count - x.count / 10
        var crossings: [Double] = []
        for i in start..<(end - 1) where x[i] < 0 && x[i + 1] >= 0 {
            crossings.append(Double(i) + Double(-x[i]) / Double(x[i + 1] - x[i]))
        }
        guard let first = crossings.first, let last = crossings.last, crossings.count > 1 else { return 0 }
        return Double(crossings.count - 1) / ((last - first) / Double(sampleRate))
    }

    /// RMS over the middle 80%.
    static func rms(_ x: [Float]) -> Double {
        let middle = x[(x.count / 10)..<(x.count - x.count / 10)]
        return (middle.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(middle.count)).squareRoot()
    }

    @Test(arguments: [(44100, 16000), (8000, 16000), (48000, 16000), (16000, 22050)])
    func sineKeepsFrequencyLevelAndLength(inputRate: Int, outputRate: Int) throws {
        let input = sine(frequency: 1000, sampleRate: inputRate, count: inputRate, amplitude: 0.5)
        let output = try Resampler.resample(input, from: inputRate, to: outputRate)
        let expectedLength = (Double(input.count) * Double(outputRate) / Double(inputRate)).rounded()
        #expect(abs(Double(output.count) - expectedLength) <= 1)
        #expect(output.count == Resampler.outputLength(inputCount: input.count, from: inputRate, to: outputRate))
        let measured = Self.frequency(output, sampleRate: outputRate)
        #expect(abs(measured - 1000) < 0.1, "measured \(measured) Hz")
        let levelChange = 20 * log10(Self.rms(output) / Self.rms(input))
        #expect(abs(levelChange) < 0.1, "level changed by \(levelChange) dB")
    }

    @Test func outputLengthRoundsToNearest() {
        #expect(Resampler.outputLength(inputCount: 44100, from: 44100, to: 16000) == 16000)
        #expect(Resampler.outputLength(inputCount: 3, from: 2, to: 1) == 2)   // 1.5 rounds up
        #expect(Resampler.outputLength(inputCount: 10, from: 3, to: 1) == 3)  // 3.33 -> 3
        #expect(Resampler.outputLength(inputCount: 1001, from: 8000, to: 16000) == 2002)
    }

    @Test func sameRateIsIdentityAndBadRatesThrow() throws {
        let x: [Float] = [0.1, 0.2, -0.3]
        #expect(try Resampler.resample(x, from: 16000, to: 16000) == x)
        #expect(throws: AudioIOError.self) { try Resampler.resample(x, from: 0, to: 16000) }
        #expect(throws: AudioIOError.self) { try Resampler.resample(x, from: 16000, to: -1) }
    }

    /// Reading with a target rate resamples (and reports the new rate).
    @Test func readingResamplesToTheRequestedRate() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("44k.wav")
        let samples = sine(frequency: 1000, sampleRate: 44100, count: 44100)
        _ = try Audio(samples: samples, sampleRate: 44100).writeWAV(to: url, encoding: .float32)
        let audio = try Audio(contentsOf: url, sampleRate: 16000)
        #expect(audio.sampleRate == 16000)
        #expect(audio.samples.count == 16000)
        #expect(abs(Self.frequency(audio.samples, sampleRate: 16000) - 1000) < 0.1)
    }
}
