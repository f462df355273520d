import Foundation

extension MelScale {
    // Slaney: 200/3 Hz per mel up to 1 kHz (= mel 15), then a constant ratio of 6.4^(1/27) per mel.
    private static let slaneyHzPerMel = 200.0 / 3
    private static let slaneyBreakHz = 1000.0
    private static let slaneyBreakMel = 15.0
    private static let slaneyLogStep = log(6.4) / 27

    /// Hz -> mel on this scale.
    public func mel(fromHz hz: Double) -> Double {
        switch self {
        case .htk:
            return 2595 * log10(1 + hz / 700)
        case .slaney:
            if hz < Self.slaneyBreakHz { return hz / Self.slaneyHzPerMel }
            return Self.slaneyBreakMel + log(hz / Self.slaneyBreakHz) / Self.slaneyLogStep
        }
    }

    /// mel -> Hz on this scale (the inverse of `mel(fromHz:)`).
    public func hz(fromMel mel: Double) -> Double {
        switch self {
        case .htk:
            return 700 * (pow(10, mel / 2595) - 1)
        case .slaney:
            if mel < Self.slaneyBreakMel { return mel * Self.slaneyHzPerMel }
            return Self.slaneyBreakHz * exp(Self.slaneyLogStep * (mel - Self.slaneyBreakMel))
        }
    }
}
