import Testing
@testable import Plotting

@Suite struct ColourMapTests {
    /// The ends are matplotlib's magma entries 0 and 255 rounded to bytes.
    @Test func endsAreMagmasFirstAndLastEntries() {
        #expect(ColourMap.magma.colour(0) == RGB(0, 0, 4))
        #expect(ColourMap.magma.colour(1) == RGB(252, 253, 191))
        #expect(ColourMap.magma.colour(-3) == ColourMap.magma.colour(0))
        #expect(ColourMap.magma.colour(.nan) == ColourMap.magma.colour(0))
        #expect(ColourMap.magma.colour(7) == ColourMap.magma.colour(1))
    }

    /// A perceptual map gets lighter from 0 to 1: the luma of the 256-entry table never falls by
    /// more than the straight-line interpolation between anchors allows (0.06 of 255 at entry 35,
    /// where magma's green dips; matplotlib's full table rises throughout).
    @Test func lightnessNeverFalls() {
        let luma = ColourMap.magma.table().map(\.luma)
        #expect(luma.count == 256)
        #expect(zip(luma, luma.dropFirst()).allSatisfy { $0 <= $1 + 0.1 })
        #expect(luma[255] - luma[0] > 200)
    }

    /// Halfway between two anchors is their mean.
    @Test func interpolatesLinearlyBetweenAnchors() {
        let map = ColourMap(anchors: [(0, 0, 0), (1, 0.5, 0)])
        #expect(map.colour(0.5) == RGB(128, 64, 0))
    }
}

@Suite struct BitmapFontTests {
    @Test func everyPrintableCharacterHasAWellFormedGlyph() {
        for code in 33...126 {
            let character = Character(UnicodeScalar(UInt8(code)))
            let rows = BitmapFont.glyphs[character]
            #expect(rows != nil, "no glyph for \(character)")
            guard let rows else { continue }
            #expect(rows.count == 7 || rows.count == 9, "\(character): \(rows.count) rows")
            #expect(rows.allSatisfy { $0.count == 5 && $0.allSatisfy { $0 == "#" || $0 == "." } }, "\(character): \(rows)")
            #expect(rows.contains { $0.contains("#") }, "\(character) is blank")
        }
        // Digits (the tick labels) are pairwise different.
        let digits = (0...9).map { BitmapFont.glyphs[Character(String($0))]! }
        #expect(Set(digits.map { $0.joined() }).count == 10)
    }

    @Test func textIsDrawnInsideItsBoxAtTheGivenScale() {
        var image = RGBImage(width: 80, height: 30)
        BitmapFont.draw("8k Hz", into: &image, x: 3, y: 4, colour: .black, scale: 2)
        let width = BitmapFont.width(of: "8k Hz", scale: 2)
        #expect(width == (5 * 6 - 1) * 2)
        var inked = 0
        for y in 0..<30 {
            for x in 0..<80 where image[x, y] == .black {
                inked += 1
                #expect(x >= 3 && x < 3 + width && y >= 4 && y < 4 + 7 * 2, "pixel (\(x), \(y)) outside the text box")
            }
        }
        #expect(inked > 50)
        // Unknown characters fall back to '?'.
        var a = RGBImage(width: 10, height: 10), b = RGBImage(width: 10, height: 10)
        BitmapFont.draw("ж", into: &a, x: 0, y: 0, colour: .black)
        BitmapFont.draw("?", into: &b, x: 0, y: 0, colour: .black)
        #expect(a == b)
    }
}
