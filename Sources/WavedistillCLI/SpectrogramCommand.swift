import ArgumentParser
import AudioIO
import Foundation
import PitchTracking
import Plotting

extension FrequencyAxis: ExpressibleByArgument {}

/// `wavedistill spectrogram IN.wav [MORE.wav ...] --out OUT.png`: spectrograms as a PNG, one panel
/// per file, stacked on one colour scale.
struct SpectrogramCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spectrogram",
        abstract: "Draw spectrograms of audio files into one PNG (one panel per file, one shared colour scale).",
        discussion: """
            Each file is drawn at its own sample rate (downmixed to mono) under its path as given. \
            Colours are matplotlib's magma over --db-range dB below the loudest bin of all files; \
            the frequency axis is labelled in Hz (1k = 1000 Hz), the time axis in seconds. With --f0 the \
            f0 contour of aubio's YIN (the `pitch` command's tracker) is drawn over each panel in cyan.
            """)

    @Argument(help: "Audio files, drawn top to bottom.")
    var files: [String]

    @Option(help: "Output PNG file (written atomically).")
    var out: String

    @Option(name: .customLong("n-fft"), help: "FFT size (samples), Hann window of the same length.")
    var fftLength = 1024

    @Option(help: "Hop between frames (samples).")
    var hop = 256

    @Option(name: .customLong("db-range"), help: "dB shown below the loudest bin.")
    var dbRange = 80.0

    @Option(help: "Frequency axis: linear or mel (Slaney).")
    var scale = FrequencyAxis.linear

    @Option(name: .customLong("max-hz"), help: "Highest frequency shown (default: the lowest Nyquist frequency of the files).")
    var maxHz: Double?

    @Flag(help: "Draw the f0 contour over each panel.")
    var f0 = false

    @Option(name: .customLong("pixels-per-second"), help: "Horizontal scale.")
    var pixelsPerSecond = 200.0

    @Option(help: "Height of each panel's plot (pixels).")
    var height = 320

    func run() throws {
        try CLISupport.reportingErrors {
            try CLISupport.requireOutputDirectory(for: out)
            let options = SpectrogramOptions(fftLength: fftLength, hopLength: hop, dynamicRangeDB: dbRange, axis: scale,
                                             maximumHz: maxHz, pixelsPerSecond: pixelsPerSecond, plotHeight: height)
            try options.validate()
            var panels: [SpectrogramPanel] = []
            for file in files {
                let audio = try Audio(contentsOf: CLISupport.fileURL(file))
                var contour: F0Contour?
                if f0 {
                    do {
                        let track = try PitchTracker(sampleRate: audio.sampleRate).track(audio.samples)
                        contour = F0Contour(times: track.frames.map(\.time), hz: track.frames.map(\.voicedF0Hz))
                    } catch {
                        throw CLIError("\(file): \(error)")
                    }
                }
                panels.append(SpectrogramPanel(title: file, samples: audio.samples, sampleRate: audio.sampleRate, f0: contour))
            }
            let figure = try SpectrogramFigure.render(panels, options: options)
            try figure.image.writePNG(to: CLISupport.fileURL(out))
            let count = panels.count == 1 ? "1 panel" : "\(panels.count) panels"
            print("\(out): \(count), \(figure.image.width) x \(figure.image.height) px, "
                + String(format: "0 dB = %.1f dB (loudest bin, 10 log10 |STFT|^2)", figure.topDB))
        }
    }
}
