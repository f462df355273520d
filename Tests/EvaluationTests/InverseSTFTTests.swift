import Testing
import SignalProcessing

/// `STFT.inverse` (weighted overlap-add), which the Griffin-Lim baseline relies on.
@Suite struct InverseSTFTTests {
    /// ISTFT(STFT(x)) = x for consistent spectrograms, including lengths that are not a multiple
    /// of the hop and windows shorter than n_fft.
    @Test(arguments: [(1024, 256, 1024, 16000), (1024, 256, 1024, 4321), (64, 16, 48, 999), (512, 128, 400, 3000),
                      (2048, 240, 1200, 5000)])
    func inverseOfTheSTFTIsTheSignal(fftLength: Int, hop: Int, window: Int, length: Int) throws {
        let stft = try STFT(fftLength: fftLength, hopLength: hop, windowLength: window)
        let x = Support.noise(count: length, seed: UInt64(length), scale: 0.9)
        let y = try stft.inverse(try stft.complexSpectrogram(of: x), length: length)
        let error = zip(x, y).map { abs($0 - $1) }.max()!
        #expect(error < 1e-5, "max |ISTFT(STFT(x)) - x| = \(error)")
    }

    /// Frames cover (frames - 1) * hop + n_fft / 2 samples after the centre padding; a longer
    /// request is zero-filled, a shorter one is a prefix.
    @Test func lengthIsTheRequestedOne() throws {
        let stft = try STFT(fftLength: 64, hopLength: 16)
        let x = Support.noise(count: 200, seed: 3)
        let spectrum = try stft.complexSpectrogram(of: x)
        let short = try stft.inverse(spectrum, length: 50)
        #expect(short.count == 50 && zip(short, x).allSatisfy { abs($0 - $1) < 1e-5 })
        let reach = (spectrum.frameCount - 1) * 16 + 32
        let long = try stft.inverse(spectrum, length: reach + 10)
        #expect(long.count == reach + 10 && long[reach...].allSatisfy { $0 == 0 })
    }

    @Test func wrongBinCountIsAnError() throws {
        let stft = try STFT(fftLength: 64, hopLength: 16)
        let spectrum = ComplexSpectrogram(frameCount: 2, binCount: 5, real: [Float](repeating: 0, count: 10),
                                          imaginary: [Float](repeating: 0, count: 10))
        #expect(throws: STFTError.self) { try stft.inverse(spectrum, length: 10) }
    }
}
