import Foundation
import Testing
import Plotting

/// PNG files through libpng: round trips and errors that name the file.
@Suite struct PNGFileTests {
    /// A temporary directory, removed by the caller.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("wd-png-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Every pixel distinct in every channel pattern, odd sizes (no row padding may creep in).
    @Test func roundTripKeepsSizeAndEveryPixel() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var image = RGBImage(width: 37, height: 23)
        for y in 0..<23 {
            for x in 0..<37 { image[x, y] = RGB(UInt8(x * 7 % 256), UInt8(y * 11 % 256), UInt8((x * y + 5) % 256)) }
        }
        let url = directory.appendingPathComponent("image.png")
        try image.writePNG(to: url)
        let read = try RGBImage(pngAt: url)
        #expect(read.width == 37 && read.height == 23)
        #expect(read == image)
        // The file is a PNG (signature) and the temporary file is gone.
        let data = try Data(contentsOf: url)
        #expect(Array(data.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["image.png"])
    }

    @Test func writingIntoAMissingDirectoryNamesTheFile() throws {
        let url = URL(fileURLWithPath: "/nonexistent-wd-dir/out.png")
        do {
            try RGBImage(width: 2, height: 2).writePNG(to: url)
            Issue.record("no error")
        } catch {
            #expect(error.description.contains("/nonexistent-wd-dir/out.png"), "\(error)")
            #expect(error.description.contains("does not exist"), "\(error)")
        }
    }

    @Test func readingAMissingOrNonPNGFileNamesTheFile() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let missing = directory.appendingPathComponent("missing.png")
        #expect(throws: PNGError.cannotRead(path: missing.path, reason: "No such file or directory")) {
            try RGBImage(pngAt: missing)
        }
        let text = directory.appendingPathComponent("text.png")
        try Data("not an image at all".utf8).write(to: text)
        #expect(throws: PNGError.cannotRead(path: text.path, reason: "not a PNG file (bad signature)")) {
            try RGBImage(pngAt: text)
        }
        // A truncated PNG: libpng's own error comes through the setjmp in C.
        let truncated = directory.appendingPathComponent("truncated.png")
        var image = RGBImage(width: 64, height: 64)
        for y in 0..<64 { for x in 0..<64 { image[x, y] = RGB(UInt8(x * 4), UInt8(y * 4), UInt8((x ^ y) * 4)) } }
        try image.writePNG(to: truncated)
        let whole = try Data(contentsOf: truncated)
        try whole.prefix(whole.count / 2).write(to: truncated)
        do {
            _ = try RGBImage(pngAt: truncated)
            Issue.record("no error for a truncated file")
        } catch {
            #expect(error.description.hasPrefix("\(truncated.path): cannot read PNG: libpng: "), "\(error)")
        }
    }
}

/// The spectrogram of a synthetic tone survives the PNG file: written by libpng, read back by
/// libpng, the tone's row is still bright and rows far from it dark, at the positions the
/// figure's layout gives.
@Suite struct SpectrogramPNGRoundTripTests {
    @Test func toneSpectrogramReadBackFromThePNG() throws {
        let directory = try PNGFileTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let figure = try SpectrogramFigure.render([SpectrogramPanel(title: "2 kHz", samples: Support.tone(hz: 2000), sampleRate: 16000)])
        let url = directory.appendingPathComponent("tone.png")
        try figure.image.writePNG(to: url)
        let read = try RGBImage(pngAt: url)
        #expect(read.width == figure.image.width && read.height == figure.image.height)
        let plot = figure.plots[0]
        let toneRow = plot.y + Int(plot.row(forHz: 2000))
        #expect(Support.meanLuma(read, plot: plot, row: toneRow) > 220, "tone row luma \(Support.meanLuma(read, plot: plot, row: toneRow))")
        for hz in [200.0, 1000.0, 4000.0, 7000.0] {
            let row = plot.y + Int(plot.row(forHz: hz))
            #expect(Support.meanLuma(read, plot: plot, row: row) < 25, "\(hz) Hz row luma \(Support.meanLuma(read, plot: plot, row: row))")
        }
        // A pixel at a known position: the middle of the tone's row is the colour map's top.
        #expect(read[plot.x + plot.width / 2, toneRow] == figure.image[plot.x + plot.width / 2, toneRow])
        #expect(read[plot.x + plot.width / 2, toneRow].luma > 220)
        // The margin left of the plot is the white background.
        #expect(read[1, toneRow] == .white)
    }
}
