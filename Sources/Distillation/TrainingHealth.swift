import Foundation
import SignalProcessing

/// Watches a distillation run for its known failure modes (Parallel WaveNet §3.2 and the
/// ClariNet paper) and says so in the log instead of letting a run silently go wrong:
/// - the student "whispers" (far less power than the data in some band) or explodes;
/// - s_tot collapses to the floor of the log-scale clamp (a degenerate, deterministic student);
/// - the KL estimate stops decreasing.
public final class TrainingHealth {
    /// Band edges in Hz for the power comparison.
    public let bandEdges: [Double]
    /// Allowed |student - data| band power difference in dB before a warning.
    public let toleranceDB: Double
    /// log s_tot below this counts as collapsed.
    public let collapsedLogScale: Double
    private var bestKL: Double = .infinity
    private var validationsWithoutProgress = 0

    public init(bandEdges: [Double] = [0, 500, 1000, 2000, 4000, 8000], toleranceDB: Double = 10,
                collapsedLogScale: Double = -9) {
        self.bandEdges = bandEdges
        self.toleranceDB = toleranceDB
        self.collapsedLogScale = collapsedLogScale
    }

    /// Mean power of `signal` in each band (dB), from one STFT (n_fft 1024, hop 256).
    public func bandPowersDB(_ signal: [Float], sampleRate: Int) throws -> [Double] {
        let stft = try STFT(fftLength: 1024, hopLength: 256)
        let spec = try stft.spectrogram(of: signal, power: .power)
        let binHz = Double(sampleRate) / 1024
        return zip(bandEdges, bandEdges.dropFirst()).map { lo, hi in
            var total = 0.0, n = 0
            for f in 0..<spec.frameCount {
                for k in 0..<spec.binCount {
                    let hz = Double(k) * binHz
                    if hz >= lo && hz < hi { total += Double(spec[f, k]); n += 1 }
                }
            }
            return 10 * log10(max(total / Double(max(1, n)), 1e-20))
        }
    }

    /// Compares band powers and returns the per-band differences (student - data, dB) and
    /// warnings.
    public func checkPower(student: [Float], data: [Float], sampleRate: Int) throws -> (differences: [Double], warnings: [String]) {
        let s = try bandPowersDB(student, sampleRate: sampleRate)
        let d = try bandPowersDB(data, sampleRate: sampleRate)
        let diff = zip(s, d).map { $0 - $1 }
        var warnings: [String] = []
        for (i, delta) in diff.enumerated() where abs(delta) > toleranceDB {
            let band = "\(Int(bandEdges[i]))-\(Int(bandEdges[i + 1])) Hz"
            warnings.append(delta < 0
                ? "student power is \(String(format: "%.1f", -delta)) dB below the data in \(band) (whispering: raise the power-loss weight?)"
                : "student power is \(String(format: "%.1f", delta)) dB above the data in \(band) (exploding amplitude)")
        }
        return (diff, warnings)
    }

    /// Warns when the mean log s_tot has reached the collapse level.
    public func checkScale(meanLogScale: Double) -> [String] {
        meanLogScale < collapsedLogScale
            ? ["s_tot has collapsed (mean log s_tot \(String(format: "%.2f", meanLogScale))): the student is nearly deterministic; more KL samples or a lower learning rate may help"]
            : []
    }

    /// Warns after `patience` validations in a row without a new best KL.
    public func checkProgress(kl: Double, patience: Int = 3) -> [String] {
        if kl < bestKL - 1e-3 {
            bestKL = kl
            validationsWithoutProgress = 0
            return []
        }
        validationsWithoutProgress += 1
        return validationsWithoutProgress >= patience
            ? ["the KL estimate has not improved for \(validationsWithoutProgress) validations (best \(String(format: "%.4f", bestKL)))"]
            : []
    }
}
