import Foundation
import SignalProcessing

/// An f0 contour to draw over a spectrogram: f0 (Hz) at frame times (s), nil where unvoiced.
/// Consecutive voiced points are joined by a line; unvoiced points break it.
public struct F0Contour: Sendable, Equatable {
    public var times: [Double]
    public var hz: [Double?]

    public init(times: [Double], hz: [Double?]) {
        precondition(times.count == hz.count, "F0Contour: \(times.count) times for \(hz.count) values")
        self.times = times
        self.hz = hz
    }
}

/// One signal of a figure, drawn as one panel under its title.
public struct SpectrogramPanel: Sendable {
    public var title: String
    public var samples: [Float]
    public var sampleRate: Int
    public var f0: F0Contour?

    public init(title: String, samples: [Float], sampleRate: Int, f0: F0Contour? = nil) {
        self.title = title
        self.samples = samples
        self.sampleRate = sampleRate
        self.f0 = f0
    }
}

/// Where a panel's plot area lies in the figure and how its axes map.
public struct PlotArea: Sendable, Equatable {
    /// Top-left pixel and size of the area the spectrogram fills.
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int
    public var maximumHz: Double
    public var axis: FrequencyAxis
    public var pixelsPerSecond: Double

    /// Position of the axis's value for `hz`, from 0 (0 Hz) to 1 (maximumHz).
    func axisPosition(hz: Double) -> Double {
        switch axis {
        case .linear: return hz / maximumHz
        case .mel: return MelScale.slaney.mel(fromHz: hz) / MelScale.slaney.mel(fromHz: maximumHz)
        }
    }

    /// The vertical position of `hz` inside the plot, in pixels from its top edge (0 at maximumHz,
    /// `height` at 0 Hz); the row holding it is floor of this.
    public func row(forHz hz: Double) -> Double { Double(height) * (1 - axisPosition(hz: hz)) }

    /// The frequency at a vertical position (the inverse of `row(forHz:)`).
    public func hz(forRow row: Double) -> Double {
        let position = 1 - row / Double(height)
        switch axis {
        case .linear: return position * maximumHz
        case .mel: return MelScale.slaney.hz(fromMel: position * MelScale.slaney.mel(fromHz: maximumHz))
        }
    }
}

/// Spectrograms of one or more signals, stacked vertically in one image on one shared colour scale:
/// each panel has its title above the plot, frequency ticks labelled in Hz (`1k` = 1000 Hz) on the
/// left and time ticks labelled in seconds below; a colour bar in dB relative to the loudest bin of
/// all panels sits right of the first panel. Colours: matplotlib's magma over `dynamicRangeDB`.
///
/// Values: 10 log10 |STFT|^2 (unnormalised, centred periodic Hann frames). A pixel row covers a
/// band of frequencies; it shows the loudest bin whose centre lies in the band, or the dB value
/// interpolated between the two nearest bins when no bin centre falls inside (rows narrower than a
/// bin). A pixel column shows the frame nearest to its centre time.
public struct SpectrogramFigure: Sendable {
    public let image: RGBImage
    /// One per panel, in image coordinates.
    public let plots: [PlotArea]
    /// The loudest value shown (dB), the top of the shared colour scale.
    public let topDB: Double

    static let ink = RGB(40, 40, 40)
    static let background = RGB.white
    static let f0Colour = RGB(0, 230, 255)
    static let tickLength = 5

    /// Draws `panels` top to bottom.
    public static func render(_ panels: [SpectrogramPanel], options: SpectrogramOptions = SpectrogramOptions()) throws(PlotError) -> SpectrogramFigure {
        try options.validate()
        guard !panels.isEmpty else { throw .noPanels }
        for panel in panels {
            guard panel.sampleRate >= 1 else { throw .invalidSampleRate(title: panel.title, sampleRate: panel.sampleRate) }
            if let index = panel.samples.firstIndex(where: { !$0.isFinite }) { throw .nonFiniteSample(title: panel.title, index: index) }
        }
        let maximumHz = options.maximumHz ?? panels.map { Double($0.sampleRate) / 2 }.min()!
        for panel in panels where maximumHz > Double(panel.sampleRate) / 2 {
            throw .aboveNyquist(title: panel.title, maximumHz: maximumHz, nyquistHz: Double(panel.sampleRate) / 2)
        }

        // Band values of every panel first: the colour scale is shared.
        let height = options.plotHeight
        let axisOnly = PlotArea(x: 0, y: 0, width: 1, height: height, maximumHz: maximumHz, axis: options.axis,
                                pixelsPerSecond: options.pixelsPerSecond)
        var grids: [[Float]] = [], frameCounts: [Int] = []
        for panel in panels {
            let (grid, frames) = try bandDecibels(panel, options: options, area: axisOnly)
            grids.append(grid)
            frameCounts.append(frames)
        }
        let topDB = Double(grids.map { $0.max() ?? -Float.infinity }.max() ?? 0)

        // Layout.
        let s = options.fontScale
        let lineHeight = BitmapFont.lineHeight * s
        let capital = BitmapFont.capitalHeight * s
        let frequencyTicks = frequencyTicks(area: axisOnly, minimumSpacing: Double(3 * capital))
        let labelWidth = (frequencyTicks.map { BitmapFont.width(of: $0.label, scale: s) } + [BitmapFont.width(of: "Hz", scale: s)]).max()!
        let left = 6 + labelWidth + 3 + tickLength
        let titleHeight = lineHeight + 8
        let bottom = tickLength + 3 + lineHeight + 6
        let barGap = 12, barWidth = 14
        let barStep = options.dynamicRangeDB >= 40 ? 20.0 : 10.0
        let barLabels = stride(from: 0.0, through: options.dynamicRangeDB + 1e-9, by: barStep).map { $0 == 0 ? "0" : String(format: "-%g", $0) }
        // Right of the plots: the colour bar and its labels, and room for the time unit after a label
        // centred on the right edge.
        let barSpace = barGap + barWidth + 3 + tickLength + (barLabels.map { BitmapFont.width(of: $0, scale: s) }.max() ?? 0) + 8
        let right = max(barSpace, BitmapFont.width(of: "00.00 s", scale: s) / 2 + 8)
        let widths = panels.map { max(1, Int((Double($0.samples.count) / Double($0.sampleRate) * options.pixelsPerSecond).rounded(.up))) }
        let plotWidth = widths.max()!
        let panelHeight = titleHeight + height + bottom
        var image = RGBImage(width: left + plotWidth + right, height: panels.count * panelHeight + 4, background: background)
        let table = ColourMap.magma.table()
        let floorDB = topDB - options.dynamicRangeDB

        var plots: [PlotArea] = []
        for (p, panel) in panels.enumerated() {
            let area = PlotArea(x: left, y: p * panelHeight + titleHeight, width: widths[p], height: height,
                                maximumHz: maximumHz, axis: options.axis, pixelsPerSecond: options.pixelsPerSecond)
            plots.append(area)
            BitmapFont.draw(panel.title, into: &image, x: left, y: area.y - titleHeight + 4, colour: ink, scale: s)
            BitmapFont.draw("Hz", into: &image, x: left - tickLength - 3 - BitmapFont.width(of: "Hz", scale: s),
                            y: area.y - titleHeight + 4, colour: ink, scale: s)
            // Pixels.
            let grid = grids[p], frames = frameCounts[p]
            let framesPerSecond = Double(panel.sampleRate) / Double(options.hopLength)
            for column in 0..<area.width {
                let time = (Double(column) + 0.5) / options.pixelsPerSecond
                let frame = min(frames - 1, Int((time * framesPerSecond).rounded()))
                for row in 0..<height {
                    let value = (Double(grid[frame * height + row]) - floorDB) / options.dynamicRangeDB
                    let index = Int((min(max(value, 0), 1) * 255).rounded())
                    image[area.x + column, area.y + row] = table[index]
                }
            }
            drawFrame(x: area.x, y: area.y, width: area.width, height: height, into: &image)
            // Frequency axis.
            for tick in frequencyTicks {
                let y = area.y + min(height - 1, Int(area.row(forHz: tick.hz)))
                image.fill(x: area.x - tickLength, y: y, width: tickLength, height: 1, with: ink)
                let labelY = min(max(y - capital / 2, area.y - capital / 2), area.y + height - capital)
                BitmapFont.draw(tick.label, into: &image, x: area.x - tickLength - 3 - BitmapFont.width(of: tick.label, scale: s),
                                y: labelY, colour: ink, scale: s)
            }
            // Time axis.
            let duration = Double(panel.samples.count) / Double(panel.sampleRate)
            let labelSpace = Double(BitmapFont.width(of: "00.00", scale: s) + 12)
            var labelEnd = area.x + area.width
            for tick in timeTicks(duration: duration, pixelsPerSecond: options.pixelsPerSecond, minimumSpacing: labelSpace) {
                let x = area.x + min(area.width - 1, Int((tick * options.pixelsPerSecond).rounded()))
                image.fill(x: x, y: area.y + height, width: 1, height: tickLength, with: ink)
                let label = String(format: "%g", tick)
                let labelX = x - BitmapFont.width(of: label, scale: s) / 2
                BitmapFont.draw(label, into: &image, x: labelX, y: area.y + height + tickLength + 3, colour: ink, scale: s)
                labelEnd = max(labelEnd, labelX + BitmapFont.width(of: label, scale: s))
            }
            // The unit after the last label, one character's space away.
            BitmapFont.draw("s", into: &image, x: labelEnd + BitmapFont.advance * s, y: area.y + height + tickLength + 3,
                            colour: ink, scale: s)
            if let f0 = panel.f0 { drawContour(f0, area: area, into: &image, thickness: max(2, s)) }
        }

        // Colour bar beside the first panel: top = 0 dB (the loudest bin), bottom = -range.
        let first = plots[0]
        let barX = left + plotWidth + barGap
        for row in 0..<height {
            let index = Int(((1 - (Double(row) + 0.5) / Double(height)) * 255).rounded())
            image.fill(x: barX, y: first.y + row, width: barWidth, height: 1, with: table[index])
        }
        drawFrame(x: barX, y: first.y, width: barWidth, height: height, into: &image)
        BitmapFont.draw("dB", into: &image, x: barX, y: first.y - titleHeight + 4, colour: ink, scale: s)
        for (i, label) in barLabels.enumerated() {
            let y = first.y + min(height - 1, Int((Double(i) * barStep / options.dynamicRangeDB * Double(height)).rounded()))
            image.fill(x: barX + barWidth, y: y, width: tickLength, height: 1, with: ink)
            let labelY = min(max(y - capital / 2, first.y - capital / 2), first.y + height - capital)
            BitmapFont.draw(label, into: &image, x: barX + barWidth + tickLength + 3, y: labelY, colour: ink, scale: s)
        }
        return SpectrogramFigure(image: image, plots: plots, topDB: topDB)
    }

    /// [frames, rows] dB values of one panel: row r (0 at the top) holds its frequency band's value.
    static func bandDecibels(_ panel: SpectrogramPanel, options: SpectrogramOptions, area: PlotArea) throws(PlotError) -> ([Float], Int) {
        let stft: STFT
        let power: Spectrogram
        do {
            stft = try STFT(fftLength: options.fftLength, hopLength: options.hopLength, center: true, window: .hann)
            guard panel.samples.count >= stft.minimumSignalLength else {
                throw PlotError.signalTooShort(title: panel.title, samples: panel.samples.count, minimum: stft.minimumSignalLength)
            }
            power = try stft.spectrogram(of: panel.samples, power: .power)
        } catch let error as PlotError {
            throw error
        } catch {
            // Options were validated and the length checked: the STFT cannot fail here.
            throw .invalidOption(name: "n-fft", requirement: "\(error)")
        }
        let bins = stft.binCount, rows = area.height
        let binsPerHz = Double(options.fftLength) / Double(panel.sampleRate)
        // Per row: the bin range whose centres lie in its band, or the fractional bin of its centre.
        var ranges: [(low: Int, high: Int, centre: Double)] = []
        for row in 0..<rows {
            let top = area.hz(forRow: Double(row)) * binsPerHz, bottom = area.hz(forRow: Double(row + 1)) * binsPerHz
            ranges.append((Int(bottom.rounded(.up)), min(bins - 1, Int(top.rounded(.down))), (top + bottom) / 2))
        }
        var grid = [Float](repeating: 0, count: power.frameCount * rows)
        var decibels = [Float](repeating: 0, count: bins)
        for frame in 0..<power.frameCount {
            for k in 0..<bins { decibels[k] = 10 * log10(max(power.values[frame * bins + k], 1e-30)) }
            for row in 0..<rows {
                let range = ranges[row]
                let value: Float
                if range.low <= range.high {
                    value = decibels[range.low...range.high].max()!
                } else {
                    let k0 = min(bins - 2, Int(range.centre)), w = Float(range.centre - Double(k0))
                    value = (1 - w) * decibels[k0] + w * decibels[k0 + 1]
                }
                grid[frame * rows + row] = value
            }
        }
        return (grid, power.frameCount)
    }

    /// A one-pixel frame just outside a rectangle.
    static func drawFrame(x: Int, y: Int, width: Int, height: Int, into image: inout RGBImage) {
        image.fill(x: x - 1, y: y - 1, width: width + 2, height: 1, with: ink)
        image.fill(x: x - 1, y: y + height, width: width + 2, height: 1, with: ink)
        image.fill(x: x - 1, y: y - 1, width: 1, height: height + 2, with: ink)
        image.fill(x: x + width, y: y - 1, width: 1, height: height + 2, with: ink)
    }

    /// Labelled frequencies: on a linear axis a round step (0, 1k, 2k, ...) with ticks at least
    /// `minimumSpacing` pixels apart; on a mel axis round values spaced at least that much.
    static func frequencyTicks(area: PlotArea, minimumSpacing: Double) -> [(hz: Double, label: String)] {
        func label(_ hz: Double) -> String {
            hz < 1000 ? String(format: "%g", hz) : String(format: "%gk", hz / 1000)
        }
        var values: [Double] = []
        switch area.axis {
        case .linear:
            let steps: [Double] = [50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000]
            let step = steps.first { $0 / area.maximumHz * Double(area.height) >= minimumSpacing } ?? area.maximumHz
            values = Array(stride(from: 0.0, through: area.maximumHz + 1e-9, by: step))
        case .mel:
            let candidates: [Double] = [0, 100, 200, 300, 500, 1000, 1500, 2000, 3000, 4000, 6000, 8000, 12000, 16000, 24000, 32000, 48000]
            for hz in candidates where hz <= area.maximumHz + 1e-9 {
                if let last = values.last, area.row(forHz: last) - area.row(forHz: hz) < minimumSpacing { continue }
                values.append(hz)
            }
        }
        return values.map { ($0, label($0)) }
    }

    /// Round times (s) from 0 to `duration`, at least `minimumSpacing` pixels apart.
    static func timeTicks(duration: Double, pixelsPerSecond: Double, minimumSpacing: Double) -> [Double] {
        let steps: [Double] = [0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600]
        let step = steps.first { $0 * pixelsPerSecond >= minimumSpacing } ?? 3600
        return Array(stride(from: 0.0, through: duration + 1e-9, by: step))
    }

    /// The voiced stretches of an f0 contour as lines over the plot (points above the axis are
    /// skipped, which breaks the line there).
    static func drawContour(_ f0: F0Contour, area: PlotArea, into image: inout RGBImage, thickness: Int) {
        func point(_ i: Int) -> (x: Int, y: Int)? {
            guard let hz = f0.hz[i], hz > 0, hz <= area.maximumHz else { return nil }
            let x = area.x + Int((f0.times[i] * area.pixelsPerSecond).rounded())
            guard x >= area.x && x < area.x + area.width else { return nil }
            return (x, area.y + min(area.height - 1, Int(area.row(forHz: hz))))
        }
        var previous: (x: Int, y: Int)?
        for i in f0.times.indices {
            let current = point(i)
            if let current { image.line(from: previous ?? current, to: current, colour: f0Colour, thickness: thickness) }
            previous = current
        }
    }
}
