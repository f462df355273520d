import ArgumentParser
import AudioIO
import Foundation
import SignalProcessing
import Teacher
import Tensors

/// `wavedistill score --checkpoint TEACHER --input FILE.wav [--json]`.
struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Mean negative log-likelihood of an audio file under a teacher, conditioned on the file's own features.")

    @Option(help: "Teacher weights (.safetensors written by train-teacher).")
    var checkpoint: String

    @Option(help: "Audio file to score (resampled to the teacher's rate).")
    var input: String

    @Option(name: .customLong("max-seconds"), help: "Score at most this many seconds from the start (memory).")
    var maxSeconds: Double = 30

    @Flag(help: "Print one JSON object: nll_nats_per_sample, nll_bits_per_sample, samples.")
    var json = false

    func validate() throws {
        try OptionCheck.requireSeconds(maxSeconds, "max-seconds")
    }

    func run() throws {
        try CLISupport.reportingErrors {
            let (teacher, features, _) = try WaveNet.load(from: CLISupport.fileURL(checkpoint))
            let audio = try Audio(contentsOf: CLISupport.fileURL(input), sampleRate: features.sampleRate)
            let mel: Spectrogram
            do {
                mel = try LogMelExtractor(config: features).features(of: audio.samples)
            } catch {
                throw CLIError("\(input): \(error)")
            }
            let n = min(audio.samples.count, Int(maxSeconds * Double(features.sampleRate)))
            let frames = min(mel.frameCount, n / features.hopLength + 1)
            let x = Tensor(shape: [1, n, 1], scalars: Array(audio.samples[0..<n]))
            let m = Tensor(shape: [1, frames, mel.binCount], scalars: Array(mel.values[0..<(frames * mel.binCount)]))
            let nll = teacher.negativeLogLikelihood(audio: x, mel: m, accumulateGradients: false)
            // A NaN score is never a result: it means broken weights (the input was checked finite).
            guard nll.isFinite else {
                throw CLIError("\(checkpoint): the teacher's NLL of \(input) is \(nll) (the checkpoint's weights give non-finite outputs)")
            }
            if json {
                let object: [String: Any] = ["nll_nats_per_sample": nll, "nll_bits_per_sample": nll / log(2), "samples": n]
                print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
            } else {
                print(String(format: "%@: %.4f nats/sample = %.4f bits/sample over %d samples", input, nll, nll / log(2), n))
            }
        }
    }
}
