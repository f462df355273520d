import ArgumentParser
import AudioIO
import FileFormats
import Foundation
import SignalProcessing

/// `wavedistill features FILE --out OUT.npy [--config PIPELINE.yaml]`: log-mel features of one
/// file, as the training stages compute them.
struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Compute log-mel features of an audio file and write them as .npy, float32 [frames, n_mels].",
        discussion: """
            The audio is downmixed to mono and resampled to the feature sample rate. Features follow \
            the `features:` section of --config (defaults: 16 kHz, n_fft 1024, hop 256, 80 Slaney mel \
            bands 40-8000 Hz, log10 with floor 1e-5). On failure no output file is left behind.
            """)

    @Argument(help: "Input audio file.")
    var file: String

    @Option(help: "Output .npy file (written atomically).")
    var out: String

    @Option(help: "Pipeline YAML file; only its `features:` section is used here.")
    var config: String?

    func run() throws {
        try CLISupport.reportingErrors {
            let featureConfig = try CLISupport.featureConfig(fromPipeline: config)
            try CLISupport.requireOutputDirectory(for: out)
            let extractor = try LogMelExtractor(config: featureConfig)
            let audio = try Audio(contentsOf: CLISupport.fileURL(file), sampleRate: featureConfig.sampleRate)
            let features: Spectrogram
            do {
                features = try extractor.features(of: audio.samples)
            } catch {
                throw CLIError("\(file): \(error)")
            }
            try NPY.write(features.values, shape: features.shape, to: CLISupport.fileURL(out))
            let seconds = String(format: "%.3f", audio.duration)
            print("\(out): \(features.frameCount) frames x \(features.binCount) mel bands from \(file) (\(seconds) s at \(audio.sampleRate) Hz)")
        }
    }
}
