import Foundation
import Testing
@testable import SignalProcessing

@Suite struct MelFilterbankTests {
    /// The filterbank for sr 8000, n_fft 16, 4 bands over 0-4000 Hz, computed here step by step
    /// from the definitions (Slaney mel scale, triangles, area normalisation).
    static func handComputed(htk: Bool, normalise: Bool, fmin: Double, fmax: Double) -> [[Double]] {
        func toMel(_ f: Double) -> Double {
            if htk { return 2595 * log10(1 + f / 700) }
            return f < 1000 ? 3 * f / 200 : 15 + 27 * log(f / 1000) / log(6.4)
        }
        func toHz(_ m: Double) -> Double {
            if htk { return 700 * (pow(10, m / 2595) - 1) }
            return m < 15 ? 200 * m / 3 : 1000 * pow(6.4, (m - 15) / 27)
        }
        let bands = 4
        let melLow = toMel(fmin), melHigh = toMel(fmax)
        let hz = (0...(bands + 1)).map { toHz(melLow + Double($0) * (melHigh - melLow) / Double(bands + 1)) }
        let binHz = (0...8).map { Double($0) * 8000 / 16 }  // 0, 500, ..., 4000
        return (0..<bands).map { i in
            binHz.map { f in
                let weight: Double
                if f <= hz[i] || f >= hz[i + 2] {
                    weight = 0
                } else if f <= hz[i + 1] {
                    weight = (f - hz[i]) / (hz[i + 1] - hz[i])
                } else {
                    weight = (hz[i + 2] - f) / (hz[i + 2] - hz[i + 1])
                }
                return normalise ? weight * 2 / (hz[i + 2] - hz[i]) : weight
            }
        }
    }

    static func rows(_ fb: MelFilterbank) -> [[Double]] {
        (0..<fb.melBandCount).map { b in (0..<fb.binCount).map { Double(fb.weights[b * fb.binCount + $0]) } }
    }

    static func close(_ a: [[Double]], _ b: [[Double]], relative: Double = 1e-6) -> Bool {
        let scale = a.joined().map(abs).max() ?? 1
        return zip(a.joined(), b.joined()).allSatisfy { abs($0 - $1) <= relative * scale }
    }

    @Test func smallSlaneyCaseMatchesHandComputation() {
        let fb = MelFilterbank(sampleRate: 8000, fftLength: 16, melBandCount: 4, minFrequency: 0, maxFrequency: 4000)
        let expected = Self.handComputed(htk: false, normalise: true, fmin: 0, fmax: 4000)
        #expect(Self.close(Self.rows(fb), expected), "\(Self.rows(fb)) vs \(expected)")
    }

    @Test func smallHTKUnnormalisedCaseMatchesHandComputation() {
        let fb = MelFilterbank(sampleRate: 8000, fftLength: 16, melBandCount: 4, minFrequency: 100,
                               maxFrequency: 3000, scale: .htk, normalization: .none)
        let expected = Self.handComputed(htk: true, normalise: false, fmin: 100, fmax: 3000)
        #expect(Self.close(Self.rows(fb), expected), "\(Self.rows(fb)) vs \(expected)")
    }

    /// Values printed by librosa 0.11.0, `filters.mel(sr=8000, n_fft=16, n_mels=4, fmin=0,
    /// fmax=4000, htk=False, norm='slaney', dtype=float64)` (nonzero entries only).
    @Test func smallSlaneyCaseMatchesLibrosa() {
        let fb = Self.rows(MelFilterbank(sampleRate: 8000, fftLength: 16, melBandCount: 4,
                                         minFrequency: 0, maxFrequency: 4000))
        let librosa: [(Int, Int, Double)] = [
            (0, 1, 1.991171759e-03),
            (1, 1, 1.263102388e-04), (1, 2, 1.698042666e-03), (1, 3, 6.795750989e-05),
            (2, 2, 1.397665837e-04), (2, 3, 1.261493716e-03), (2, 4, 6.453405721e-04),
            (3, 4, 4.087825201e-04), (3, 5, 7.890777448e-04), (3, 6, 5.260518298e-04), (3, 7, 2.630259149e-04),
        ]
        for (band, bin, value) in librosa {
            #expect(abs(fb[band][bin] - value) < 1e-6 * value, "[\(band), \(bin)]: \(fb[band][bin]) vs \(value)")
        }
        let nonzero = fb.joined().filter { $0 != 0 }.count
        #expect(nonzero == librosa.count)
    }

    /// Default config, spot values from librosa 0.11.0 `filters.mel(sr=16000, n_fft=1024,
    /// n_mels=80, fmin=40, fmax=8000)`.
    @Test func defaultFilterbankMatchesLibrosaSpotValues() throws {
        let fb = try MelFilterbank(config: FeatureConfig())
        let spots: [(Int, Int, Double)] = [
            (0, 3, 0.005091750833796917), (0, 4, 0.016663911819699), (10, 30, 0.009031541924906666),
            (40, 120, 0), (79, 500, 0.002158845677202752), (79, 511, 0.00017990380643354348),
        ]
        for (band, bin, value) in spots {
            let ours = Double(fb.weights[band * fb.binCount + bin])
            #expect(abs(ours - value) <= 1e-6 * max(value, 1e-3), "[\(band), \(bin)]: \(ours) vs \(value)")
        }
    }

    /// Every default filter is a single triangle: it rises, then falls, and peaks at the bin
    /// nearest its centre frequency.
    @Test func everyFilterIsATrianglePeakingAtItsCentre() throws {
        let config = FeatureConfig()
        let fb = try MelFilterbank(config: config)
        let binHz = Double(config.sampleRate) / Double(config.fftLength)
        for band in 0..<fb.melBandCount {
            let row = Array(fb.weights[(band * fb.binCount)..<((band + 1) * fb.binCount)])
            let nonzero = row.indices.filter { row[$0] > 0 }
            guard let first = nonzero.first, let last = nonzero.last else {
                Issue.record("band \(band) is empty")
                continue
            }
            #expect(nonzero.count == last - first + 1, "band \(band) has holes")
            let peak = row.indices.max { row[$0] < row[$1] } ?? 0
            for k in first..<peak { #expect(row[k] <= row[k + 1], "band \(band) not rising at \(k)") }
            for k in peak..<last { #expect(row[k] >= row[k + 1], "band \(band) not falling at \(k)") }
            let centre = fb.centerFrequencies[band]
            #expect(abs(Double(peak) * binHz - centre) <= binHz, "band \(band) peaks at \(Double(peak) * binHz) Hz, centre \(centre) Hz")
        }
    }

    @Test func melScaleKnownPoints() {
        #expect(abs(MelScale.slaney.mel(fromHz: 1000) - 15) < 1e-12)
        #expect(abs(MelScale.slaney.hz(fromMel: 42) - 6400) < 1e-9)  // 27 mels above 1 kHz = x6.4
        #expect(abs(MelScale.slaney.mel(fromHz: 200) - 3) < 1e-12)
        #expect(abs(MelScale.htk.mel(fromHz: 700) - 2595 * log10(2.0)) < 1e-9)
        for scale in MelScale.allCases {
            for f in [0.0, 40, 999, 1000, 1001, 4000, 8000] {
                #expect(abs(scale.hz(fromMel: scale.mel(fromHz: f)) - f) < 1e-9)
            }
        }
    }
}
