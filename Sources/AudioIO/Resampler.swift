import CSoxr

/// Sample-rate conversion with libsoxr's one-shot API at its "high quality" setting
/// (SOXR_HQ: 20-bit precision, linear phase, so no delay is added).
public enum Resampler {
    /// Converts `samples` from `inputRate` to `outputRate` Hz.
    ///
    /// Output length is `round(n * outputRate / inputRate)` (halves round up), so lengths stay
    /// predictable for feature/waveform alignment: 44100 -> 16000 Hz maps 44100 samples to 16000.
    /// If soxr delivers fewer samples than that, the tail is zero-filled (it never has in tests).
    public static func resample(_ samples: [Float], from inputRate: Int, to outputRate: Int) throws(AudioIOError) -> [Float] {
        guard inputRate > 0, outputRate > 0 else {
            throw .resamplingFailed(reason: "sample rates must be positive (got \(inputRate) -> \(outputRate) Hz)")
        }
        if inputRate == outputRate || samples.isEmpty { return samples }
        let outputCount = outputLength(inputCount: samples.count, from: inputRate, to: outputRate)
        var output = [Float](repeating: 0, count: outputCount)
        var ioSpec = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I)
        var qualitySpec = soxr_quality_spec(UInt(SOXR_HQ), 0)
        var consumed = 0
        var produced = 0
        let error: soxr_error_t? = samples.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                soxr_oneshot(Double(inputRate), Double(outputRate), 1,
                             input.baseAddress, input.count, &consumed,
                             out.baseAddress, out.count, &produced,
                             &ioSpec, &qualitySpec, nil)
            }
        }
        if let error {
            throw .resamplingFailed(reason: String(cString: error))
        }
        return output
    }

    /// `round(n * outputRate / inputRate)` in exact integer arithmetic.
    public static func outputLength(inputCount: Int, from inputRate: Int, to outputRate: Int) -> Int {
        (2 * inputCount * outputRate + inputRate) / (2 * inputRate)
    }
}

extension Audio {
    /// This audio at `rate` Hz (unchanged if it is already at that rate).
    public func resampled(to rate: Int) throws(AudioIOError) -> Audio {
        Audio(samples: try Resampler.resample(samples, from: sampleRate, to: rate), sampleRate: rate)
    }
}
