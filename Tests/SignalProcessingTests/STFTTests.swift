import Foundation
import Testing
@testable import SignalProcessing

@Suite struct STFTTests {
    /// FFTW's STFT against the O(N^2) reference on random input, including a window shorter
    /// than n_fft and a hop that does not divide it.
    @Test(arguments: [(64, 16, 64, 1000), (64, 10, 40, 301), (256, 64, 256, 2000), (32, 8, 32, 17)])
    func fftwMatchesNaiveDFT(fftLength: Int, hop: Int, window: Int, length: Int) throws {
        let signal = randomSignal(count: length, seed: 7 + UInt64(length))
        let stft = try STFT(fftLength: fftLength, hopLength: hop, windowLength: window)
        let fast = try stft.complexSpectrogram(of: signal)
        let reference = NaiveDFT.stft(signal, fftLength: fftLength, hopLength: hop, windowLength: window)
        #expect(fast.frameCount == reference.real.count)
        var scale = 0.0, worst = 0.0, worstAt = (0, 0)
        for t in 0..<fast.frameCount {
            for k in 0..<fast.binCount {
                scale = max(scale, hypot(reference.real[t][k], reference.imaginary[t][k]))
                let error = hypot(Double(fast.real[t * fast.binCount + k]) - reference.real[t][k],
                                  Double(fast.imaginary[t * fast.binCount + k]) - reference.imaginary[t][k])
                if error > worst { worst = error; worstAt = (t, k) }
            }
        }
        #expect(worst / scale < 1e-5, "max relative error \(worst / scale) at frame \(worstAt.0), bin \(worstAt.1)")
    }

    /// Parseval for one frame: N * sum y^2 = |X_0|^2 + |X_N/2|^2 + 2 sum_{0<k<N/2} |X_k|^2, y = w x.
    @Test(arguments: [64, 1024])
    func parsevalHoldsForAFrame(fftLength: Int) throws {
        let x = randomSignal(count: fftLength, seed: 99)
        let stft = try STFT(fftLength: fftLength, hopLength: fftLength, center: false)
        let power = try stft.spectrogram(of: x, power: .power)
        #expect(power.frameCount == 1)
        let timeEnergy = zip(x, stft.window).reduce(0.0) { $0 + Double($1.0 * $1.1) * Double($1.0 * $1.1) }
        var frequencyEnergy = Double(power[0, 0]) + Double(power[0, fftLength / 2])
        for k in 1..<(fftLength / 2) { frequencyEnergy += 2 * Double(power[0, k]) }
        let relative = abs(frequencyEnergy - Double(fftLength) * timeEnergy) / (Double(fftLength) * timeEnergy)
        #expect(relative < 1e-5)
    }

    @Test func magnitudeIsSquareRootOfPower() throws {
        let stft = try STFT(fftLength: 64, hopLength: 16)
        let x = randomSignal(count: 300, seed: 3)
        let magnitude = try stft.spectrogram(of: x)
        let power = try stft.spectrogram(of: x, power: .power)
        for i in stride(from: 0, to: power.values.count, by: 37) {
            #expect(abs(magnitude.values[i] * magnitude.values[i] - power.values[i]) <= 1e-5 * max(power.values[i], 1))
        }
    }

    /// A sine at a bin frequency peaks in that bin.
    @Test func sinePeaksAtItsBin() throws {
        let stft = try STFT(fftLength: 512, hopLength: 128)
        let s = try stft.spectrogram(of: sine(frequency: 1000, sampleRate: 16000, count: 4000))
        let frame = 10
        let row = (0..<s.binCount).map { s[frame, $0] }
        let peak = row.indices.max { row[$0] < row[$1] }
        #expect(peak == 32)  // 1000 Hz * 512 / 16000
    }

    /// Transforms on many threads at once agree with a serial run (plans are shared under a lock).
    @Test func concurrentTransformsAgree() async throws {
        let x = randomSignal(count: 3000, seed: 11)
        let sizes = [64, 128, 256, 512, 96, 160]
        let serial = try sizes.map { try STFT(fftLength: $0, hopLength: 32).spectrogram(of: x) }
        let parallel = try await withThrowingTaskGroup(of: (Int, Spectrogram).self) { group in
            for (index, size) in sizes.enumerated() {
                group.addTask { (index, try STFT(fftLength: size, hopLength: 32).spectrogram(of: x)) }
            }
            var results = [Spectrogram?](repeating: nil, count: sizes.count)
            for try await (index, s) in group { results[index] = s }
            return results
        }
        for index in sizes.indices { #expect(parallel[index] == serial[index]) }
    }
}
