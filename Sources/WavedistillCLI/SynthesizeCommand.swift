import ArgumentParser
import AudioIO
import FileFormats
import Foundation
import Optimization
import Pipeline
import Randomness
import SignalProcessing
import Student
import Teacher
import Tensors

/// `wavedistill synthesize --checkpoint CKPT (--input IN.wav | --mel M.npy) --out OUT.wav`, or
/// the pipeline's stage 4 with `--config`.
struct SynthesizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synthesize",
        abstract: "Generate a waveform from mel features with a teacher (autoregressive) or student (parallel) checkpoint.",
        discussion: """
            With --checkpoint, the model kind is read from the file's metadata. --input takes a WAV and \
            synthesises from its own features (copy synthesis); --mel takes a features .npy [frames, n_mels] \
            computed with the checkpoint's feature config. With --config, runs stage 4 of the pipeline instead.
            """)

    @Option(help: "Teacher or student weights (.safetensors).")
    var checkpoint: String?

    @Option(help: "Audio file whose features condition the synthesis.")
    var input: String?

    @Option(help: "Features .npy, float32 [frames, n_mels].")
    var mel: String?

    @Option(help: "Output WAV (16-bit PCM unless --float).")
    var out: String?

    @Flag(name: .customLong("float"), help: "Write 32-bit float WAV.")
    var floatOutput = false

    @Option(help: "Random seed (same seed, same waveform).")
    var seed: UInt64 = 1

    @Option(help: "Sampling temperature: scales the noise (1 = the model's distribution, 0 = most likely).")
    var temperature: Float = 1

    @Option(name: .customLong("voiced-temperature"),
            help: "Teacher: the temperature in voiced frames (voicing estimated from the mel), --temperature elsewhere.")
    var voicedTemperature: Float?

    @Option(name: .customLong("chunk-samples"), help: "Student: synthesise in chunks of this many samples (bounded memory, identical output).")
    var chunkSamples: Int = 32_000

    @Option(name: .customLong("max-seconds"), help: "Generate at most this many seconds.")
    var maxSeconds: Double?

    @Option(help: "Pipeline YAML: run stage 4 (copy synthesis of the held-out utterances) instead.")
    var config: String?

    @Option(name: .customLong("exp-dir"), help: "Experiment directory with --config.")
    var experimentDirectory: String?

    func validate() throws {
        if config != nil {
            guard checkpoint == nil && input == nil && mel == nil && out == nil else {
                throw ValidationError("--config runs the pipeline stage; do not combine it with --checkpoint/--input/--mel/--out")
            }
            return
        }
        guard checkpoint != nil else { throw ValidationError("give --checkpoint (or --config for the pipeline stage)") }
        guard (input == nil) != (mel == nil) else { throw ValidationError("give exactly one of --input and --mel") }
        guard out != nil else { throw ValidationError("give --out OUT.wav") }
        try OptionCheck.require(Double(temperature), "temperature", in: 0...2)
        if let voicedTemperature { try OptionCheck.require(Double(voicedTemperature), "voiced-temperature", in: 0...2) }
        try OptionCheck.require(chunkSamples, "chunk-samples", in: 256...(1 << 30))
        if let maxSeconds { try OptionCheck.requireSeconds(maxSeconds, "max-seconds") }
    }

    func run() throws {
        if let config {
            var runner = PipelineRunner(experiment: Experiment(config: try CLISupport.reportingErrors { try PipelineConfig.load(CLISupport.fileURL(config)) },
                                                               directory: experimentDirectory.map(CLISupport.fileURL)))
            runner.force = true
            _ = try CLISupport.reportingErrors { try runner.run(.synthesize) }
            return
        }
        guard let checkpoint, let out else { return }
        try CLISupport.reportingErrors {
            try CLISupport.requireOutputDirectory(for: out)
            let url = CLISupport.fileURL(checkpoint)
            let format = try CheckpointMetadata(from: SafetensorsFile(contentsOf: url)).format
            let started = Date()
            let samples: [Float]
            let rate: Int
            switch format {
            case WaveNet.checkpointFormat:
                let (teacher, features, _) = try WaveNet.load(from: url)
                let (frames, length) = try conditioning(features)
                var rng = Philox(seed: seed)
                let options: WaveNet.SamplingOptions = try voicedTemperature.map {
                    try .voiced(mel: frames, features: features, length: length, voiced: $0, unvoiced: temperature)
                } ?? .init(temperature: temperature)
                samples = teacher.sample(mel: frames, length: length, rng: &rng, options: options) { done in
                    CLISupport.printToStandardError("synthesize: \(done)/\(length) samples")
                }.scalars
                rate = features.sampleRate
            case IAFStudent.checkpointFormat:
                if voicedTemperature != nil { throw CLIError("--voiced-temperature is for a teacher; \(checkpoint) is a student") }
                let (student, features, _) = try IAFStudent.load(from: url)
                let (frames, length) = try conditioning(features)
                samples = student.synthesize(mel: frames, length: length, seed: seed, temperature: temperature,
                                             chunkSamples: chunkSamples).scalars
                rate = features.sampleRate
            default:
                throw CLIError("\(checkpoint): not a wavedistill teacher or student checkpoint (format \(format))")
            }
            // A NaN here comes from the checkpoint (the conditioning was checked finite), not from
            // the output file: say so, and write nothing.
            let nonFinite = samples.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
            if nonFinite > 0 {
                throw CLIError("\(checkpoint): the model produced \(nonFinite) NaN or infinite samples (its weights give non-finite outputs); \(out) was not written")
            }
            let seconds = Date().timeIntervalSince(started)
            let report = try Audio(samples: samples, sampleRate: rate)
                .writeWAV(to: CLISupport.fileURL(out), encoding: floatOutput ? .float32 : .pcm16)
            CLISupport.warnIfClipped(report)
            let audioSeconds = Double(samples.count) / Double(rate)
            print(String(format: "%@: %.2f s of audio in %.2f s (real-time factor %.3f)", out, audioSeconds, seconds, seconds / audioSeconds))
        }
    }

    /// The mel frames `[1, F, n_mels]` and the number of samples to generate.
    private func conditioning(_ features: FeatureConfig) throws -> (Tensor, Int) {
        let spectrogram: Spectrogram
        if let input {
            let audio = try Audio(contentsOf: CLISupport.fileURL(input), sampleRate: features.sampleRate)
            spectrogram = try CLISupport.logMel(of: audio.samples, from: input, features)
        } else if let mel {
            spectrogram = try CLISupport.readLogMel(mel, for: features)
        } else {
            throw CLIError("give --input or --mel")
        }
        let (values, frames) = (spectrogram.values, spectrogram.frameCount)
        var length = (frames - 1) * features.hopLength
        if let maxSeconds { length = min(length, Int(maxSeconds * Double(features.sampleRate))) }
        guard length > 0 else { throw CLIError("\(input ?? mel ?? ""): too short to synthesise (\(frames) frames)") }
        if values.contains(where: { !$0.isFinite }) { throw CLIError("\(input ?? mel ?? ""): features contain NaN or infinity") }
        return (Tensor(shape: [1, frames, features.melBandCount], scalars: values), length)
    }
}
