import ArgumentParser
import AudioIO
import Corpus
import FileFormats
import Foundation
import Randomness
import SignalProcessing
import Teacher
import Tensors

/// `wavedistill score --checkpoint TEACHER --input FILE.wav [--mel FEATURES.npy] [--self-consistency] [--json]`.
///
/// With `--mel` the audio is scored under the given features instead of its own: the teacher's
/// own samples scored under the mel they were drawn from is the self-consistency check
/// (`--self-consistency` adds the mean entropy along the same trajectory; the two agree within
/// Monte Carlo error exactly when the sampler draws from the distribution the model scores).
struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Mean negative log-likelihood of an audio file under a teacher, conditioned on the file's own features or on --mel.")

    @Option(help: "Teacher weights (.safetensors written by train-teacher).")
    var checkpoint: String

    @Option(help: "Audio file to score (resampled to the teacher's rate).")
    var input: String

    @Option(help: "Condition on these log-mel features (.npy, float32 [frames, n_mels], as `features` writes) instead of the input's own.")
    var mel: String?

    @Option(name: .customLong("max-seconds"),
            help: "Score at most this many seconds from the start, in whole hops as evaluate does (memory).")
    var maxSeconds: Double = 30

    @Flag(name: .customLong("self-consistency"),
          help: "Also estimate the mean entropy of the teacher's predictive distributions along the input (for scoring the teacher's own samples).")
    var selfConsistency = false

    @Option(help: "Draws per step for the entropy estimate of --self-consistency.")
    var draws: Int = 8

    @Option(help: "Random seed of the entropy estimate of --self-consistency.")
    var seed: UInt64 = 1

    @Flag(help: "Print one JSON object: nll_nats_per_sample, nll_bits_per_sample, samples (and self_consistency).")
    var json = false

    func validate() throws {
        try OptionCheck.requireSeconds(maxSeconds, "max-seconds")
        try OptionCheck.require(draws, "draws", in: 1...1024)
    }

    func run() throws {
        try CLISupport.reportingErrors {
            let (teacher, features, _) = try WaveNet.load(from: CLISupport.fileURL(checkpoint))
            let audio = try Audio(contentsOf: CLISupport.fileURL(input), sampleRate: features.sampleRate)
            let conditioning = try self.conditioning(of: audio, features)
            let available = min(audio.samples.count, Int(maxSeconds * Double(features.sampleRate)))
            // Sample t is conditioned on frame t / hop: F frames cover at most F * hop samples.
            let covered = conditioning.frameCount * features.hopLength
            if let mel, available > covered + features.hopLength {
                throw CLIError("\(mel) (\(conditioning.frameCount) frames) covers \(covered) samples but \(input) has \(available) "
                               + "to score: the features are not this audio's (or pass --max-seconds)")
            }
            // The span evaluate and validation score: the start, rounded down to whole hops.
            let utterance = Utterance(id: input, samples: audio.samples, mel: conditioning.values,
                                      frames: conditioning.frameCount, melBands: conditioning.binCount)
            guard let span = utterance.leadingSpan(maxSamples: min(available, covered), hop: features.hopLength) else {
                throw CLIError("\(input): no samples to score (shorter than one hop, \(features.hopLength) samples)")
            }
            let (n, x, m) = (span.samples, span.audio, span.mel)
            var consistency: SelfConsistency?
            let nll: Double
            if selfConsistency {
                var rng = Philox(seed: seed)
                let c = teacher.selfConsistency(sampled: x, mel: m, draws: draws, rng: &rng)
                (consistency, nll) = (c, c.samplesNLLBitsPerSample * log(2))
            } else {
                nll = teacher.negativeLogLikelihood(audio: x, mel: m, accumulateGradients: false)
            }
            // A NaN score is never a result: it means broken weights (the input was checked finite).
            guard nll.isFinite else {
                throw CLIError("\(checkpoint): the teacher's NLL of \(input) is \(nll) (the checkpoint's weights give non-finite outputs)")
            }
            if json {
                var object: [String: Any] = ["nll_nats_per_sample": nll, "nll_bits_per_sample": nll / log(2), "samples": n]
                if let c = consistency {
                    object["self_consistency"] = ["samples_nll_bits_per_sample": c.samplesNLLBitsPerSample,
                                                  "entropy_bits_per_sample": c.entropyBitsPerSample,
                                                  "difference_bits": c.differenceBits, "standard_error_bits": c.standardErrorBits,
                                                  "consistent": c.consistent()]
                }
                print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
            } else {
                print(String(format: "%@: %.4f nats/sample = %.4f bits/sample over %d samples", input, nll, nll / log(2), n))
                if let c = consistency {
                    print(String(format: "entropy along the same trajectory %.4f bits/sample: difference %.4f +- %.4f bits (%@)",
                                 c.entropyBitsPerSample, c.differenceBits, c.standardErrorBits,
                                 c.consistent() ? "consistent: these are the model's own samples"
                                     : "inconsistent: not drawn from the distribution the model scores under these features"))
                }
            }
        }
    }

    /// The features to condition on: `--mel` if given (checked against the checkpoint's), else
    /// the input's own.
    private func conditioning(of audio: Audio, _ features: FeatureConfig) throws -> Spectrogram {
        guard let mel else { return try CLISupport.logMel(of: audio.samples, from: input, features) }
        return try CLISupport.readLogMel(mel, for: features)
    }
}
