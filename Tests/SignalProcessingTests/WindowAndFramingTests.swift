import Testing
@testable import SignalProcessing

@Suite struct WindowAndFramingTests {
    /// Periodic Hann: w[0] = 0, w[n] = w[N - n], sum = N/2, and w[N-1] != 0 (not symmetric).
    @Test(arguments: [1024, 400, 64, 7, 2])
    func hannIsPeriodic(length: Int) {
        let w = WindowFunction.hann.values(length: length)
        #expect(w.count == length)
        #expect(w[0] == 0)
        for n in 1..<length { #expect(abs(w[n] - w[length - n]) < 1e-6, "w[\(n)] != w[\(length - n)]") }
        let sum = w.reduce(0.0) { $0 + Double($1) }
        #expect(abs(sum - Double(length) / 2) < 1e-5 * Double(length))
        #expect(w[length - 1] > 0)
    }

    @Test func shortWindowIsCentredInTheFrame() {
        let w = WindowFunction.hann.values(windowLength: 6, fftLength: 10)
        #expect(w.count == 10)
        #expect(w[0] == 0 && w[1] == 0 && w[8] == 0 && w[9] == 0)
        #expect(Array(w[2..<8]) == WindowFunction.hann.values(length: 6))
    }

    @Test(arguments: [513, 514, 767, 768, 769, 1000, 1024, 16000, 16127])
    func centredFrameCountIsOnePlusFloorTOverHop(length: Int) throws {
        let stft = try STFT(fftLength: 1024, hopLength: 256)
        #expect(stft.frameCount(signalLength: length) == 1 + length / 256)
        let spectrogram = try stft.spectrogram(of: randomSignal(count: length, seed: UInt64(length)))
        #expect(spectrogram.frameCount == 1 + length / 256)
        #expect(spectrogram.binCount == 513)
    }

    /// Reflect padding needs more than n_fft/2 samples: 512 fails for n_fft 1024, 513 works.
    @Test func tooShortSignalsThrow() throws {
        let stft = try STFT(fftLength: 1024, hopLength: 256)
        #expect(throws: STFTError.signalTooShort(length: 512, minimum: 513, fftLength: 1024, center: true)) {
            try stft.spectrogram(of: [Float](repeating: 0.1, count: 512))
        }
        #expect(throws: STFTError.self) { try stft.spectrogram(of: []) }
        let uncentred = try STFT(fftLength: 64, hopLength: 16, center: false)
        #expect(uncentred.frameCount(signalLength: 64) == 1)
        #expect(uncentred.frameCount(signalLength: 100) == 3)
        #expect(throws: STFTError.self) { try uncentred.spectrogram(of: [Float](repeating: 0, count: 63)) }
    }

    @Test func invalidParametersThrow() {
        #expect(throws: STFTError.self) { try STFT(fftLength: 63, hopLength: 16) }
        #expect(throws: STFTError.self) { try STFT(fftLength: 64, hopLength: 0) }
        #expect(throws: STFTError.self) { try STFT(fftLength: 64, hopLength: 16, windowLength: 65) }
    }

    /// numpy 'reflect': [1 2 3 4] padded by 2 is [3 2 1 2 3 4 3 2].
    @Test func reflectPaddingDoesNotRepeatTheEdge() {
        #expect(ReflectPadding.pad([1, 2, 3, 4], by: 2) == [3, 2, 1, 2, 3, 4, 3, 2])
        #expect(ReflectPadding.foldGradient([1, 1, 1, 1, 1, 1, 1, 1], by: 2, length: 4) == [1, 3, 3, 1])
    }
}
