import SignalProcessing

/// How frequency maps to the vertical axis of a spectrogram plot.
public enum FrequencyAxis: String, Sendable, CaseIterable {
    /// Hz proportional to height.
    case linear
    /// Slaney mel (the scale of the project's features): linear below 1 kHz, logarithmic above.
    case mel
}

/// Settings of `SpectrogramFigure.render`.
public struct SpectrogramOptions: Sendable, Equatable {
    /// FFT size (samples); periodic Hann window of the same length, centred frames.
    public var fftLength: Int
    /// Samples between frames.
    public var hopLength: Int
    /// dB shown below the loudest bin of all panels; quieter bins get the map's darkest colour.
    public var dynamicRangeDB: Double
    /// The vertical axis.
    public var axis: FrequencyAxis
    /// Highest frequency shown (Hz); nil: the lowest Nyquist frequency of the panels.
    public var maximumHz: Double?
    /// Horizontal scale, the same for every panel (a shorter signal gives a shorter plot).
    public var pixelsPerSecond: Double
    /// Height of each panel's plot area (pixels).
    public var plotHeight: Int
    /// Size of one font pixel in image pixels (the 5 x 7 font is small at 1).
    public var fontScale: Int

    public init(fftLength: Int = 1024, hopLength: Int = 256, dynamicRangeDB: Double = 80, axis: FrequencyAxis = .linear,
                maximumHz: Double? = nil, pixelsPerSecond: Double = 200, plotHeight: Int = 320, fontScale: Int = 2) {
        self.fftLength = fftLength
        self.hopLength = hopLength
        self.dynamicRangeDB = dynamicRangeDB
        self.axis = axis
        self.maximumHz = maximumHz
        self.pixelsPerSecond = pixelsPerSecond
        self.plotHeight = plotHeight
        self.fontScale = fontScale
    }

    /// Checks every option; errors name the command-line option.
    public func validate() throws(PlotError) {
        guard fftLength >= 16 && fftLength <= STFT.maximumFFTLength && fftLength % 2 == 0 else {
            throw .invalidOption(name: "n-fft", requirement: "must be even and in 16...\(STFT.maximumFFTLength) (got \(fftLength))")
        }
        guard hopLength >= 1 && hopLength <= fftLength else {
            throw .invalidOption(name: "hop", requirement: "must be in 1...n_fft = 1...\(fftLength) (got \(hopLength))")
        }
        guard dynamicRangeDB.isFinite && dynamicRangeDB >= 10 && dynamicRangeDB <= 200 else {
            throw .invalidOption(name: "db-range", requirement: "must be in 10...200 dB (got \(dynamicRangeDB))")
        }
        if let maximumHz, !(maximumHz.isFinite && maximumHz > 0) {
            throw .invalidOption(name: "max-hz", requirement: "must be positive (got \(maximumHz))")
        }
        guard pixelsPerSecond.isFinite && pixelsPerSecond >= 10 && pixelsPerSecond <= 10000 else {
            throw .invalidOption(name: "pixels-per-second", requirement: "must be in 10...10000 (got \(pixelsPerSecond))")
        }
        guard plotHeight >= 50 && plotHeight <= 4000 else {
            throw .invalidOption(name: "height", requirement: "must be in 50...4000 pixels (got \(plotHeight))")
        }
        guard fontScale >= 1 && fontScale <= 8 else {
            throw .invalidOption(name: "font-scale", requirement: "must be in 1...8 (got \(fontScale))")
        }
    }
}

/// Why a spectrogram figure could not be drawn; messages name the option or the panel (its title,
/// e.g. the file name).
public enum PlotError: Error, CustomStringConvertible, Equatable, Sendable {
    case invalidOption(name: String, requirement: String)
    case noPanels
    case signalTooShort(title: String, samples: Int, minimum: Int)
    case nonFiniteSample(title: String, index: Int)
    case aboveNyquist(title: String, maximumHz: Double, nyquistHz: Double)
    case invalidSampleRate(title: String, sampleRate: Int)

    public var description: String {
        switch self {
        case let .invalidOption(name, requirement):
            return "spectrogram: --\(name) \(requirement)"
        case .noPanels:
            return "spectrogram: no signal to draw"
        case let .signalTooShort(title, samples, minimum):
            return "\(title): \(samples) samples are too short for the spectrogram (n_fft needs at least \(minimum))"
        case let .nonFiniteSample(title, index):
            return "\(title): sample \(index) is not finite"
        case let .aboveNyquist(title, maximumHz, nyquistHz):
            return "\(title): --max-hz \(maximumHz) is above its Nyquist frequency \(nyquistHz) Hz"
        case let .invalidSampleRate(title, sampleRate):
            return "\(title): invalid sample rate \(sampleRate)"
        }
    }
}
