import Foundation
import Plotting

/// Signals and image measurements for the plotting tests.
enum Support {
    static func tone(hz: Double, seconds: Double = 1, amplitude: Double = 0.3, sampleRate: Int = 16000) -> [Float] {
        (0..<Int(seconds * Double(sampleRate))).map { Float(amplitude * sin(2 * Double.pi * hz * Double($0) / Double(sampleRate))) }
    }

    /// Mean luma of a pixel row across the middle 80 % of a plot's columns (away from the signal's ends).
    static func meanLuma(_ image: RGBImage, plot: PlotArea, row: Int) -> Double {
        let columns = (plot.width / 10)..<(plot.width - plot.width / 10)
        return columns.reduce(0.0) { $0 + image[plot.x + $1, row].luma } / Double(columns.count)
    }
}
