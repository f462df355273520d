import Foundation
import Testing
@testable import SignalProcessing

@Suite struct MuLawTests {
    @Test func knownClasses() {
        #expect(MuLaw.encode(-1) == 0)
        #expect(MuLaw.encode(0) == 128)
        #expect(MuLaw.encode(1) == 255)
        #expect(MuLaw.encode(5) == 255)
        #expect(MuLaw.encode(-5) == 0)
        #expect(MuLaw.encode(-0.0) == 128)
        #expect(MuLaw.encode(1e-6) == 128)
        #expect(MuLaw.decode(0) == -1)
        #expect(abs(MuLaw.decode(255) - 1) < 1e-6)
    }

    /// compress(0.5) = ln(1 + 127.5) / ln(256).
    @Test func knownCompandingValue() {
        let expected = Float(log(128.5) / log(256.0))
        #expect(abs(MuLaw.compress(0.5) - expected) < 1e-6)
        #expect(abs(MuLaw.compress(-0.5) + expected) < 1e-6)
        #expect(MuLaw.compress(0) == 0)
    }

    @Test func expandInvertsCompress() {
        for i in -1000...1000 {
            let x = Float(i) / 1000
            #expect(abs(MuLaw.expand(MuLaw.compress(x)) - x) < 2e-6)
        }
    }

    /// Decoding then encoding every class gives the class back; classes are monotone in x.
    @Test func classesRoundTrip() {
        for c in 0...255 { #expect(MuLaw.encode(MuLaw.decode(c)) == c) }
        let values = (0...255).map { MuLaw.decode($0) }
        #expect(zip(values, values.dropFirst()).allSatisfy { $0 < $1 })
    }

    /// Quantisation error is at most half a class in the companded domain.
    @Test func quantisationErrorIsBounded() {
        for i in -500...500 {
            let x = Float(i) / 500
            let error = abs(MuLaw.compress(MuLaw.decode(MuLaw.encode(x))) - MuLaw.compress(x))
            #expect(error <= 1 / 255 + 1e-6)
        }
    }
}
