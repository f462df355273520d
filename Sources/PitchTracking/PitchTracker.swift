import CAubio

/// Fundamental frequency and voicing of speech, frame by frame, through aubio's YIN
/// (de Cheveigné & Kawahara 2002, `new_aubio_pitch("yin", ...)`).
///
/// Frame t is centred on sample t * hop (t = 0 ..< 1 + floor(L / hop), as the centred STFT
/// frames of `SignalProcessing`) and analyses `windowLength` samples around it, zeros outside
/// the signal. A frame is **voiced** when all of these hold:
///
/// - aubio found a period and the newest `hopLength` samples it was given (the window's last
///   hop, aubio's own silence test) are louder than `silenceDB` (mean power in dB re full scale 1.0),
/// - YIN's confidence, 1 - d'(tau) (d' the cumulative-mean-normalised difference at the chosen
///   lag), is at least `confidenceThreshold`,
/// - the estimate lies in `minimumHz ... maximumHz` (outside it is taken for an error, unvoiced).
///
/// Why YIN and these defaults (measured on the bundled speech, `audio/speech/ru_nsh`, 16 kHz):
/// - aubio's `yinfft` tracks as well but its confidence is unusable in Debian's aubio 0.4.9
///   (0 on a clean 150 Hz harmonic tone); `yin`'s is 0.999 on that tone and 0.1-0.15 on white noise.
/// - `confidenceThreshold` 0.6: voiced frames of the speech sit at 0.7-0.99, unvoiced and pauses at
///   0.2-0.5. It gives 48-58 % voiced frames on ru_0001/0024/0025 (0.5: 53-60 %, 0.7: 42-50 %).
/// - `tolerance` 0.1 (aubio's default for yin is 0.15): YIN takes the first
///   dip of d' below it. Lower values mean fewer octave jumps between adjacent voiced frames
///   (ru_0001, ~450 voiced frame pairs: 0.3: 37, 0.15: 29, 0.1: 21, 0.05: 16) at the same voiced
///   share. 0.1 is the YIN paper's value; lower ones leave more frames to YIN's fallback (the
///   global minimum of d', with no preference for the shortest period).
///
/// aubio's `yin` creates no FFTW plan, so it cannot race with `SignalProcessing`'s FFTW planner
/// (`yinfft` would, and would need that planner's lock). Each `track` call has its own detector:
/// a `PitchTracker` is a value and may be used from several threads.
public struct PitchTracker: Sendable, Equatable {
    /// Samples per second of the signals to be tracked.
    public let sampleRate: Int
    /// Samples between frame centres (default 16 ms: 256 at 16 kHz).
    public let hopLength: Int
    /// Samples analysed per frame (default 4 hops, 64 ms). YIN compares lags up to half of it,
    /// so it must exceed 2 sampleRate / minimumHz.
    public let windowLength: Int
    /// Lowest accepted f0 (Hz).
    public let minimumHz: Double
    /// Highest accepted f0 (Hz).
    public let maximumHz: Double
    /// YIN's absolute threshold on d' for taking the first dip (aubio's tolerance), in (0, 1).
    public let tolerance: Double
    /// Lowest YIN confidence (1 - d') of a voiced frame, in [0, 1].
    public let confidenceThreshold: Double
    /// aubio's silence gate (dB re full scale, mean power of the newest hop), in -200 ... 0.
    public let silenceDB: Double

    /// Defaults suit speech: f0 in 60-500 Hz, 16 ms hop, 64 ms window (see the type's comment for
    /// the measurements behind `tolerance` and `confidenceThreshold`).
    public init(sampleRate: Int = 16000, hopLength: Int? = nil, windowLength: Int? = nil,
                minimumHz: Double = 60, maximumHz: Double = 500, tolerance: Double = 0.1,
                confidenceThreshold: Double = 0.6, silenceDB: Double = -50) throws(PitchTrackingError) {
        guard sampleRate >= 1000 && sampleRate <= 384_000 else {
            throw .invalidParameter(name: "sample_rate", requirement: "must be in 1000...384000 Hz (got \(sampleRate))")
        }
        let hop = hopLength ?? Int((0.016 * Double(sampleRate)).rounded())
        let window = windowLength ?? 4 * hop
        guard hop >= 1 else { throw .invalidParameter(name: "hop_length", requirement: "must be at least 1 (got \(hop))") }
        guard minimumHz > 0 && minimumHz < maximumHz && maximumHz < Double(sampleRate) / 2 else {
            throw .invalidParameter(name: "min_hz/max_hz",
                                    requirement: "need 0 < min_hz < max_hz < sample_rate / 2 = \(sampleRate / 2) (got \(minimumHz), \(maximumHz))")
        }
        let shortestWindow = Int((2 * Double(sampleRate) / minimumHz).rounded(.down)) + 1
        guard window >= hop && window >= shortestWindow && window <= 1 << 16 else {
            throw .invalidParameter(name: "window_length",
                                    requirement: "must be in max(hop_length, 2 sample_rate / min_hz) ... 65536 = \(max(hop, shortestWindow)) ... 65536 (got \(window))")
        }
        guard tolerance > 0 && tolerance < 1 else {
            throw .invalidParameter(name: "tolerance", requirement: "must be in (0, 1) (got \(tolerance))")
        }
        guard confidenceThreshold >= 0 && confidenceThreshold <= 1 else {
            throw .invalidParameter(name: "confidence_threshold", requirement: "must be in [0, 1] (got \(confidenceThreshold))")
        }
        guard silenceDB >= -200 && silenceDB <= 0 else {
            throw .invalidParameter(name: "silence_db", requirement: "must be in -200 ... 0 dB (got \(silenceDB))")
        }
        self.sampleRate = sampleRate
        self.hopLength = hop
        self.windowLength = window
        self.minimumHz = minimumHz
        self.maximumHz = maximumHz
        self.tolerance = tolerance
        self.confidenceThreshold = confidenceThreshold
        self.silenceDB = silenceDB
    }

    /// Frames of a signal of `length` samples: 1 + floor(length / hop).
    public func frameCount(signalLength length: Int) -> Int { length < 1 ? 0 : 1 + length / hopLength }

    /// The f0 track of `signal` (samples at `sampleRate`, nominally in [-1, 1]).
    public func track(_ signal: [Float]) throws(PitchTrackingError) -> PitchTrack {
        guard !signal.isEmpty else { throw .emptySignal }
        if let index = signal.firstIndex(where: { !$0.isFinite }) { throw .nonFiniteSample(index: index) }
        // aubio's call c analyses the window ending at input sample (c + 1) hop. Centring frame t on
        // sample t hop: feed `leadingZeros` zeros first and drop the first `skipped` outputs, so
        // that the window of call c = t + skipped spans [t hop - window/2, t hop + window/2).
        let lookahead = windowLength / 2
        let delayedCalls = (lookahead + hopLength - 1) / hopLength
        let leadingZeros = delayedCalls * hopLength - lookahead
        let skipped = delayedCalls - 1
        let frames = frameCount(signalLength: signal.count)

        guard let detector = new_aubio_pitch("yin", UInt32(windowLength), UInt32(hopLength), UInt32(sampleRate)) else {
            throw .aubioRefused("yin with window \(windowLength), hop \(hopLength), rate \(sampleRate)")
        }
        defer { del_aubio_pitch(detector) }
        aubio_pitch_set_unit(detector, "Hz")
        aubio_pitch_set_tolerance(detector, Float(tolerance))
        aubio_pitch_set_silence(detector, Float(silenceDB))
        guard let input = new_fvec(UInt32(hopLength)) else { throw .aubioRefused("an input vector of \(hopLength) samples") }
        defer { del_fvec(input) }
        guard let output = new_fvec(1) else { throw .aubioRefused("an output vector") }
        defer { del_fvec(output) }

        var result: [PitchFrame] = []
        result.reserveCapacity(frames)
        signal.withUnsafeBufferPointer { x in
            let data = input.pointee.data!
            for call in 0..<(frames + skipped) {
                let start = call * hopLength - leadingZeros
                for k in 0..<hopLength {
                    let n = start + k
                    data[k] = n >= 0 && n < x.count ? x[n] : 0
                }
                aubio_pitch_do(detector, input, output)
                guard call >= skipped else { continue }
                let f0 = Double(output.pointee.data[0])
                let confidence = Double(aubio_pitch_get_confidence(detector))
                let voiced = f0 > 0 && confidence >= confidenceThreshold && f0 >= minimumHz && f0 <= maximumHz
                let t = call - skipped
                result.append(PitchFrame(time: Double(t * hopLength) / Double(sampleRate), f0Hz: f0,
                                         confidence: confidence, voiced: voiced))
            }
        }
        return PitchTrack(sampleRate: sampleRate, hopLength: hopLength, frames: result)
    }

    /// Voicing and f0 of `synthesized` against `reference`, both cut to their common length
    /// first (as the spectral metrics do), so that their frames align one to one.
    public func compare(reference: [Float], synthesized: [Float]) throws(PitchTrackingError) -> VoicingComparison {
        let length = min(reference.count, synthesized.count)
        return try VoicingComparison(reference: track(Array(reference.prefix(length))),
                                     synthesized: track(Array(synthesized.prefix(length))))
    }
}
