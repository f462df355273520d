import Foundation
import Testing
@testable import Plotting

/// Spectrogram figures: where a tone's energy lands, the shared colour scale, the layout of stacked
/// panels, the f0 overlay, axis ticks, and errors that name the option or the panel.
@Suite struct SpectrogramFigureTests {
    /// A 1 kHz tone lights the row of 1 kHz and leaves rows far from it dark, on both axes.
    @Test(arguments: FrequencyAxis.allCases)
    func toneLightsItsRowOnly(axis: FrequencyAxis) throws {
        let figure = try SpectrogramFigure.render([SpectrogramPanel(title: "tone", samples: Support.tone(hz: 1000), sampleRate: 16000)],
                                                  options: SpectrogramOptions(axis: axis))
        let plot = figure.plots[0], image = figure.image
        #expect(plot.maximumHz == 8000 && plot.height == 320 && plot.width == 200)
        let toneRow = plot.y + Int(plot.row(forHz: 1000))
        #expect(Support.meanLuma(image, plot: plot, row: toneRow) > 220)
        for hz in [100.0, 300.0, 3000.0, 6000.0] {
            let luma = Support.meanLuma(image, plot: plot, row: plot.y + Int(plot.row(forHz: hz)))
            #expect(luma < 25, "\(hz) Hz row luma \(luma)")
        }
        // The brightest row is the tone's, give or take one (the Hann main lobe spans 4 bins).
        let brightest = (plot.y..<(plot.y + plot.height)).max { Support.meanLuma(image, plot: plot, row: $0) < Support.meanLuma(image, plot: plot, row: $1) }!
        #expect(abs(brightest - toneRow) <= 1, "brightest row \(brightest), 1 kHz at \(toneRow)")
    }

    /// Two panels share one scale: a copy 20 dB quieter is darker, although alone it would look the same.
    @Test func panelsShareOneColourScale() throws {
        let loud = SpectrogramPanel(title: "loud", samples: Support.tone(hz: 1000), sampleRate: 16000)
        let quiet = SpectrogramPanel(title: "quiet", samples: Support.tone(hz: 1000, amplitude: 0.03), sampleRate: 16000)
        let both = try SpectrogramFigure.render([loud, quiet])
        func toneLuma(_ figure: SpectrogramFigure, _ panel: Int) -> Double {
            let plot = figure.plots[panel]
            return Support.meanLuma(figure.image, plot: plot, row: plot.y + Int(plot.row(forHz: 1000)))
        }
        #expect(toneLuma(both, 0) - toneLuma(both, 1) > 20, "\(toneLuma(both, 0)) vs \(toneLuma(both, 1))")
        let alone = try SpectrogramFigure.render([quiet])
        #expect(abs(toneLuma(alone, 0) - toneLuma(both, 0)) < 1)
        #expect(abs(alone.topDB - (both.topDB - 20)) < 0.01, "top \(alone.topDB) vs \(both.topDB)")
    }

    /// Panels stack top to bottom without overlapping; a shorter signal has a shorter plot on the
    /// same time scale; every title is drawn.
    @Test func panelsStackWithTheirTitles() throws {
        let panels = [SpectrogramPanel(title: "reference", samples: Support.tone(hz: 500), sampleRate: 16000),
                      SpectrogramPanel(title: "teacher", samples: Support.tone(hz: 500, seconds: 0.5), sampleRate: 16000),
                      SpectrogramPanel(title: "student", samples: Support.tone(hz: 500), sampleRate: 16000)]
        let figure = try SpectrogramFigure.render(panels)
        #expect(figure.plots.count == 3)
        #expect(figure.plots.map(\.width) == [200, 100, 200])
        for (a, b) in zip(figure.plots, figure.plots.dropFirst()) { #expect(a.y + a.height < b.y - 20) }
        #expect(figure.plots.last!.y + figure.plots.last!.height < figure.image.height)
        // Title rows: ink between the top of the panel and its plot, left-aligned with the plot.
        for plot in figure.plots {
            let inked = (plot.y - 20..<plot.y - 2).contains { y in (plot.x..<plot.x + 60).contains { figure.image[$0, y].luma < 100 } }
            #expect(inked, "no title above the plot at y = \(plot.y)")
        }
    }

    @Test func f0ContourIsDrawnAtItsFrequency() throws {
        let samples = Support.tone(hz: 150)
        let times = (0..<63).map { Double($0) * 0.016 }
        let contour = F0Contour(times: times, hz: times.map { $0 < 0.5 ? 150 : nil })
        let options = SpectrogramOptions(maximumHz: 1000)
        let with = try SpectrogramFigure.render([SpectrogramPanel(title: "f0", samples: samples, sampleRate: 16000, f0: contour)], options: options)
        let without = try SpectrogramFigure.render([SpectrogramPanel(title: "f0", samples: samples, sampleRate: 16000)], options: options)
        let plot = with.plots[0]
        let row = plot.y + Int(plot.row(forHz: 150))
        let cyan = (plot.x..<plot.x + plot.width).filter { with.image[$0, row] == SpectrogramFigure.f0Colour }
        #expect(cyan.count > 80, "\(cyan.count) contour pixels on the 150 Hz row")
        // Only the voiced half (0 ... 0.5 s = 100 px) carries the line.
        #expect(cyan.allSatisfy { $0 <= plot.x + 101 })
        #expect(!without.image.bytes.elementsEqual(with.image.bytes))
        #expect((plot.x..<plot.x + plot.width).allSatisfy { without.image[$0, row] != SpectrogramFigure.f0Colour })
    }

    @Test func ticksAreRoundAndLabelledInHzAndSeconds() {
        let linear = PlotArea(x: 0, y: 0, width: 1, height: 320, maximumHz: 8000, axis: .linear, pixelsPerSecond: 200)
        #expect(SpectrogramFigure.frequencyTicks(area: linear, minimumSpacing: 30).map(\.label)
                == ["0", "1k", "2k", "3k", "4k", "5k", "6k", "7k", "8k"])
        #expect(SpectrogramFigure.frequencyTicks(area: linear, minimumSpacing: 60).map(\.label) == ["0", "2k", "4k", "6k", "8k"])
        var mel = linear
        mel.axis = .mel
        let melTicks = SpectrogramFigure.frequencyTicks(area: mel, minimumSpacing: 21)
        #expect(melTicks.first?.label == "0" && melTicks.last?.label == "8k" && melTicks.contains { $0.label == "1k" })
        #expect(zip(melTicks, melTicks.dropFirst()).allSatisfy { mel.row(forHz: $0.hz) - mel.row(forHz: $1.hz) >= 21 })
        #expect(SpectrogramFigure.timeTicks(duration: 2.3, pixelsPerSecond: 200, minimumSpacing: 70) == [0, 0.5, 1, 1.5, 2])
        // Rows and frequencies are inverse maps.
        for axis in [linear, mel] {
            for hz in [0.0, 150, 1000, 4321, 8000] { #expect(abs(axis.hz(forRow: axis.row(forHz: hz)) - hz) < 1e-6) }
        }
    }

    @Test func errorsNameTheOptionOrThePanel() throws {
        let tone = SpectrogramPanel(title: "a.wav", samples: Support.tone(hz: 440), sampleRate: 16000)
        #expect(throws: PlotError.noPanels) { try SpectrogramFigure.render([]) }
        #expect(throws: PlotError.signalTooShort(title: "short.wav", samples: 100, minimum: 513)) {
            try SpectrogramFigure.render([tone, SpectrogramPanel(title: "short.wav", samples: Array(repeating: 0, count: 100), sampleRate: 16000)])
        }
        #expect(throws: PlotError.aboveNyquist(title: "a.wav", maximumHz: 10000, nyquistHz: 8000)) {
            try SpectrogramFigure.render([tone], options: SpectrogramOptions(maximumHz: 10000))
        }
        do {
            _ = try SpectrogramFigure.render([tone], options: SpectrogramOptions(fftLength: 1000 + 1))
            Issue.record("an odd n_fft was accepted")
        } catch {
            #expect(error.description.hasPrefix("spectrogram: --n-fft "), "\(error)")
        }
        #expect(throws: PlotError.self) { try SpectrogramFigure.render([tone], options: SpectrogramOptions(dynamicRangeDB: 0)) }
    }
}
