import ArgumentParser
import AudioIO
import Foundation
import HarmonicSource
import PitchTracking
import SignalProcessing

/// `wavedistill pitch IN.wav [--reference REF.wav] [--json]`: voicing and f0 of a file, and with a
/// reference the voicing decision error and f0 RMSE against it.
struct PitchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pitch",
        abstract: "Voiced share and median f0 of an audio file; with --reference, VDE and f0 RMSE against it.",
        discussion: """
            f0 and voicing come from aubio's YIN, frames centred every --hop samples after resampling \
            to --sample-rate (64 ms window, voiced when YIN's confidence is at least 0.6 and f0 lies in \
            --min-hz...--max-hz). Against a reference (cut to the common length, frames aligned): \
            vde_percent = frames whose voiced/unvoiced decisions differ, f0_rmse_cents = RMS of \
            1200 log2(f/f_ref) over frames voiced in both (null if none).
            """)

    @Argument(help: "Audio file (e.g. a synthesized utterance).")
    var file: String

    @Option(help: "Reference audio file of the same utterance, time-aligned.")
    var reference: String?

    @Flag(help: "Print one JSON object (keys: path, frames, voiced_percent, median_f0_hz and, with --reference, reference and voicing).")
    var json = false

    @Flag(help: "Also print every frame of IN.wav: time (s), f0 (Hz, 0 if none), YIN confidence, voiced (1/0); tab-separated.")
    var frames = false

    @Option(name: .customLong("sample-rate"), help: "Rate the audio is resampled to before tracking (Hz).")
    var sampleRate = 16000

    @Option(help: "Hop between frames (samples at --sample-rate; default 16 ms).")
    var hop: Int?

    @Option(name: .customLong("min-hz"), help: "Lowest f0 (Hz).")
    var minHz = 60.0

    @Option(name: .customLong("max-hz"), help: "Highest f0 (Hz).")
    var maxHz = 500.0

    @Flag(name: .customLong("from-mel"), help: ArgumentHelp(
        "Track the pitch the file's own log-mel carries instead (the student's harmonic source: Griffin-Lim from the mel, then YIN, one-frame blips removed), and compare it with the file's tracked pitch.",
        discussion: "Uses the default feature config (80 mels, hop 256 at 16 kHz) and harmonic_source defaults."))
    var fromMel = false

    func validate() throws {
        if fromMel && reference != nil { throw ValidationError("--from-mel compares against the file itself: drop --reference") }
        if json && frames { throw ValidationError("--frames and --json cannot be combined") }
        try OptionCheck.require(sampleRate, "sample-rate", in: 1000...384_000)
        if let hop { try OptionCheck.require(hop, "hop", in: 1...65_536) }
        try OptionCheck.require(minHz, "min-hz", in: 1...Double(sampleRate) / 2)
        try OptionCheck.require(maxHz, "max-hz", in: 1...Double(sampleRate) / 2)
    }

    func run() throws {
        try CLISupport.reportingErrors {
            let tracker = try PitchTracker(sampleRate: sampleRate, hopLength: hop, minimumHz: minHz, maximumHz: maxHz)
            let audio = try Audio(contentsOf: CLISupport.fileURL(file), sampleRate: sampleRate)
            var track = try tracked(audio.samples, path: file, tracker: tracker)
            var comparison: VoicingComparison?
            var reference = reference
            if fromMel {
                let features = FeatureConfig()
                guard sampleRate == features.sampleRate else {
                    throw CLIError("--from-mel needs --sample-rate \(features.sampleRate) (the default feature config's)")
                }
                let mel = try LogMelExtractor(config: features).features(of: audio.samples)
                let frames = try MelPitchEstimator(features: features, config: HarmonicSourceConfig())
                    .estimate(logMel: mel.values, frameCount: mel.frameCount)
                let own = track
                track = PitchTrack(sampleRate: sampleRate, hopLength: features.hopLength, frames: frames.enumerated().map {
                    PitchFrame(time: Double($0.offset * features.hopLength) / Double(sampleRate), f0Hz: $0.element.f0Hz,
                               confidence: $0.element.voiced ? 1 : 0, voiced: $0.element.voiced)
                })
                let n = min(own.frames.count, track.frames.count)
                comparison = try VoicingComparison(
                    reference: PitchTrack(sampleRate: sampleRate, hopLength: own.hopLength, frames: Array(own.frames.prefix(n))),
                    synthesized: PitchTrack(sampleRate: sampleRate, hopLength: track.hopLength, frames: Array(track.frames.prefix(n))))
                reference = file + " (audio)"
            } else if let reference {
                let referenceAudio = try Audio(contentsOf: CLISupport.fileURL(reference), sampleRate: sampleRate)
                let length = min(audio.samples.count, referenceAudio.samples.count)
                let a = try tracked(Array(audio.samples.prefix(length)), path: file, tracker: tracker)
                let r = try tracked(Array(referenceAudio.samples.prefix(length)), path: reference, tracker: tracker)
                comparison = try VoicingComparison(reference: r, synthesized: a)
            }
            if frames {
                print("time_s\tf0_hz\tconfidence\tvoiced")
                for frame in track.frames {
                    print(String(format: "%.3f\t%.2f\t%.3f\t%d", frame.time, frame.f0Hz, frame.confidence, frame.voiced ? 1 : 0))
                }
            }
            if json {
                let record = Record(path: file, frames: track.frames.count, voicedPercent: track.voicedPercent,
                                    medianF0Hz: track.medianVoicedF0Hz, reference: reference, voicing: comparison)
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(record), as: UTF8.self))
                return
            }
            let median = track.medianVoicedF0Hz.map { String(format: "%.1f Hz", $0) } ?? "none (no voiced frame)"
            print(String(format: "%@: %.2f s, %d frames (hop %d at %d Hz), voiced %.1f %%, median f0 ", file, audio.duration,
                         track.frames.count, tracker.hopLength, tracker.sampleRate, track.voicedPercent) + median)
            if let comparison, let reference {
                let rmse = comparison.f0RMSECents.map { String(format: "%.1f cents", $0) } ?? "n/a"
                let gpe = comparison.grossPitchErrorPercent.map { String(format: "%.1f %%", $0) } ?? "n/a"
                let fine = comparison.fineF0RMSECents.map { String(format: "%.1f cents", $0) } ?? "n/a"
                print(String(format: "against %@: VDE %.1f %%, f0 RMSE %@ over %d frames voiced in both (GPE %@, fine RMSE %@); "
                             + "voiced %.1f %% (reference %.1f %%)",
                             reference, comparison.vdePercent, rmse, comparison.framesVoicedInBoth, gpe, fine,
                             comparison.voicedPercent, comparison.referenceVoicedPercent))
            }
        }
    }

    private func tracked(_ samples: [Float], path: String, tracker: PitchTracker) throws -> PitchTrack {
        do { return try tracker.track(samples) } catch { throw CLIError("\(path): \(error)") }
    }

    /// The JSON output.
    private struct Record: Encodable {
        var path: String
        var frames: Int
        var voicedPercent: Double
        var medianF0Hz: Double?
        var reference: String?
        var voicing: VoicingComparison?

        enum CodingKeys: String, CodingKey {
            case path, frames, reference, voicing
            case voicedPercent = "voiced_percent"
            case medianF0Hz = "median_f0_hz"
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(path, forKey: .path)
            try c.encode(frames, forKey: .frames)
            try c.encode(voicedPercent, forKey: .voicedPercent)
            try c.encode(medianF0Hz, forKey: .medianF0Hz)
            try c.encodeIfPresent(reference, forKey: .reference)
            try c.encodeIfPresent(voicing, forKey: .voicing)
        }
    }
}
