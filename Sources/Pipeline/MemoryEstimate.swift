import Foundation
import Student
import Teacher

/// What a training stage will need, checked before it starts: a crop length or batch size that
/// cannot fit used to abort on a failed allocation (crop_samples 10^12: 8 TB) or run for hours
/// in swap. The estimate counts the activations kept for the backward pass, per sample of
/// crop_samples x batch_size; measured on the small presets it is 25-35 % above the real peak
/// (teacher: 11.1 kB estimated, 8.7 kB measured per sample; distill: 39 kB vs 29 kB).
public enum MemoryEstimate {
    /// Fixed cost of the process (code, corpus, weights, optimiser state), bytes.
    static let baseline = 300.0 * 1_048_576

    /// Activation floats per sample of one teacher forward: each layer keeps its dilated-conv
    /// input window (k R), gate (G), residual (R) and skip (S) outputs; the head and the
    /// upsampled mel add a little.
    static func teacherFloatsPerSample(_ t: WaveNetConfig, melBands: Int) -> Double {
        let layer = t.kernelSize * t.residualChannels + t.gateChannels + t.residualChannels + t.skipChannels
        return Double(t.layers * layer + 3 * t.head.mixtures + melBands + t.residualChannels + t.skipChannels)
    }

    /// The same for the student's flows (each layer: k C + G + C), plus one teacher pass.
    static func distillFloatsPerSample(_ config: PipelineConfig) -> Double {
        let s = config.student
        let layers = s.flows.reduce(0, +)
        let student = Double(layers * (s.kernelSize * s.channels + s.gateChannels + s.channels) + config.features.melBandCount)
        return student + teacherFloatsPerSample(config.teacher, melBands: config.features.melBandCount)
    }

    /// Estimated peak bytes of a training stage, or nil for the stages that do not train.
    public static func bytes(for stage: Stage, config: PipelineConfig) -> (bytes: Double, key: String, samples: Double)? {
        switch stage {
        case .trainTeacher:
            let t = config.training.teacher
            let samples = Double(t.cropSamples) * Double(t.batchSize)
            return (baseline + 4 * samples * teacherFloatsPerSample(config.teacher, melBands: config.features.melBandCount),
                    "training.teacher", samples)
        case .distill:
            let t = config.training.student
            let samples = Double(t.cropSamples) * Double(t.batchSize)
            return (baseline + 4 * samples * distillFloatsPerSample(config), "training.student", samples)
        default:
            return nil
        }
    }

    /// `MemAvailable` of /proc/meminfo in bytes (nil where there is no such file).
    public static func availableBytes(meminfo: String? = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) -> Double? {
        guard let meminfo else { return nil }
        for line in meminfo.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            let fields = line.split(separator: " ")
            if fields.count >= 2, let kB = Double(fields[1]) { return kB * 1024 }
        }
        return nil
    }

    /// Throws `PipelineError.insufficientMemory` when the stage's estimate exceeds `available`.
    public static func check(_ stage: Stage, config: PipelineConfig, available: Double? = availableBytes()) throws {
        guard let (bytes, key, samples) = bytes(for: stage, config: config), let available, bytes > available else { return }
        let gb = { (b: Double) in String(format: "%.1f GB", b / 1e9) }
        throw PipelineError.insufficientMemory(
            "\(stage): \(key).crop_samples x batch_size = \(Int(samples)) samples per step need an estimated "
                + "\(gb(bytes)) of activations, but \(gb(available)) of memory is available; lower \(key).crop_samples or batch_size")
    }
}
