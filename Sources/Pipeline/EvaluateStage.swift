import AudioIO
import Corpus
import Distillation
import Evaluation
import FileFormats
import Foundation
import PitchTracking
import Randomness
import SignalProcessing
import Student
import Teacher
import Tensors
import Training

/// Stage 5: on the held-out utterances, the teacher's NLL, the student's KL to the teacher, and
/// copy-synthesis quality of teacher, student and Griffin-Lim against the reference
/// (log-spectral distance and mel-cepstral distortion, dB), and of the random-phase diagnostic
/// (`random_phase`: the reference's exact magnitudes, random phases), and each system's voicing and
/// f0 against the reference (`voicing`: VDE and f0 RMSE in cents, `VoicingComparison`). Writes `eval.json`.
public enum EvaluateStage {
    public static let resultFile = "eval.json"

    public struct Quality: Codable {
        public var lsdDB: Double
        public var mcdDB: Double
        /// aubio YIN voicing and f0 against the reference (`PitchTracker` defaults at the feature
        /// rate). In the means: pooled over the frames of all utterances (`VoicingComparison.pooled`),
        /// not a mean of per-utterance figures.
        public var voicing: VoicingComparison?
        enum CodingKeys: String, CodingKey { case lsdDB = "lsd_db", mcdDB = "mcd_db", voicing }
    }

    public struct UtteranceResult: Codable {
        public var id: String
        public var teacherNLLBitsPerSample: Double
        /// The parameter-free predictors' NLLs on the same span (`PredictorLadder`), bits/sample.
        public var nllLadderBitsPerSample: [String: Double]
        public var studentKLNatsPerSample: Double
        /// Is the teacher's sampler what it scores? (`SelfConsistency` of a fresh sample.)
        public var teacherSelfConsistency: SelfConsistency
        public var systems: [String: Quality]
        enum CodingKeys: String, CodingKey {
            case id, systems
            case nllLadderBitsPerSample = "nll_ladder_bits_per_sample"
            case teacherNLLBitsPerSample = "teacher_nll_bits_per_sample"
            case studentKLNatsPerSample = "student_kl_nats_per_sample"
            case teacherSelfConsistency = "teacher_self_consistency"
        }
    }

    public struct Result: Codable {
        public var teacherNLLBitsPerSample: Double
        public var teacherNLLNatsPerSample: Double
        public var nllLadderBitsPerSample: [String: Double]
        /// The last rung of the ladder (in `PredictorLadder.rungs` order) whose NLL the teacher's
        /// is below, or "none".
        public var teacherPassesRung: String
        public var studentKLNatsPerSample: Double
        /// The utterances' self-consistency checks pooled (`pooledSelfConsistency`).
        public var teacherSelfConsistency: SelfConsistency?
        public var teacher: Quality?
        public var student: Quality
        public var griffinLim: Quality
        public var randomPhase: Quality?
        public var perUtterance: [UtteranceResult]
        enum CodingKeys: String, CodingKey {
            case teacher, student
            case griffinLim = "griffin_lim"
            case randomPhase = "random_phase"
            case teacherNLLBitsPerSample = "teacher_nll_bits_per_sample"
            case teacherNLLNatsPerSample = "teacher_nll_nats_per_sample"
            case nllLadderBitsPerSample = "nll_ladder_bits_per_sample"
            case teacherPassesRung = "teacher_passes_rung"
            case studentKLNatsPerSample = "student_kl_nats_per_sample"
            case teacherSelfConsistency = "teacher_self_consistency"
            case perUtterance = "per_utterance"
        }
    }

    /// Samples the teacher draws for its self-consistency check, per utterance: enough steps for
    /// a standard error of a few hundredths of a bit, few enough to cost a second.
    static let selfConsistencySeconds = 0.5

    public static func run(_ config: EvaluateInputs, stages: StageDirectories, directory: URL, sink: LogSink) throws {
        let features = config.features
        let corpus = try PreparedCorpus(directory: stages.directory(.prepare), expecting: features)
        let utterances = try corpus.load(split: "valid")
        let teacher = try DistillStage.loadTeacher(stages, features: features)
        let student = try DistillStage.loadStudent(stages, features: features)
        let synthesisDir = stages.directory(.synthesize)
        let records = try JSONDecoder().decode([SynthesizeStage.Record].self,
                                               from: Data(contentsOf: synthesisDir.appendingPathComponent(SynthesizeStage.recordFile)))
        let maxSamples = Int(config.scoreMaxSeconds * Double(features.sampleRate))
        let mcdConfig = MelCepstralDistortionConfig(features: features)
        let ladder = try PredictorLadder(features: features, logScaleMin: teacher.config.head.logScaleMin)
        let pitchTracker = try PitchTracker(sampleRate: features.sampleRate)
        // The student's KL to the teacher, by the objective distill validates with (w_kl 1, no
        // contrastive or spectral terms), under the same fixed validation noise.
        let distillation = try DistillationObjective(student: student, teacher: teacher, klWeight: 1,
                                                     klSamples: config.klSamples,
                                                     gaussianKLLambda: Float(config.gaussianKLLambda),
                                                     contrastiveGamma: 0, spectralLosses: [])
        var perUtterance: [UtteranceResult] = []
        for (index, u) in utterances.enumerated() {
            guard let record = records.first(where: { $0.id == u.id }) else { continue }
            // Teacher NLL and student KL on the same span (the one validation scores).
            guard let scored = u.leadingSpan(maxSamples: maxSamples, hop: features.hopLength) else {
                throw PipelineError.badInput("\(u.id) is shorter than one hop (\(features.hopLength) samples): "
                                             + "nothing to score")
            }
            let (n, frames, x, mel) = (scored.samples, scored.frames, scored.audio, scored.mel)
            let nll = teacher.negativeLogLikelihood(audio: x, mel: mel, accumulateGradients: false)
            let rungs = ladder.bitsPerSample(samples: x.scalars, logMel: mel.scalars, frames: frames)
            var klRNG = Philox(seed: DistillationObjective.validationSeed, stream: 0)
            let kl = try distillation.terms(audio: x, mel: mel, rng: &klRNG, train: false)["kl"] ?? .nan
            // A fresh teacher sample under the same mel, scored by the same model (in memory: a
            // 16-bit WAV would move the samples off the head's bins).
            let span = min(n, Int(Self.selfConsistencySeconds * Double(features.sampleRate)))
            let spanMel = u.span(samples: span, hop: features.hopLength).mel
            // One stream per utterance: with one stream for all, the quiet starts of the utterances
            // draw nearly the same samples from the same numbers, the utterances' checks are not
            // independent, and the pooled standard error (which assumes they are) is ~sqrt(k) too small.
            var rng = Philox(seed: config.synthesisSeed, stream: 0x5E1F_0000 + UInt64(index))
            let drawn = teacher.sample(mel: spanMel, length: span, rng: &rng)
            let consistency = teacher.selfConsistency(sampled: Tensor(shape: [1, span, 1], scalars: drawn.scalars),
                                                      mel: spanMel, rng: &rng)

            let reference = try Audio(contentsOf: synthesisDir.appendingPathComponent(record.reference)).samples
            var systems: [String: Quality] = [:]
            for (name, path) in [("student", record.student), ("griffin_lim", record.griffinLim), ("teacher", record.teacher),
                                ("random_phase", record.randomPhase)] {
                guard let path else { continue }
                let audio = try Audio(contentsOf: synthesisDir.appendingPathComponent(path)).samples
                let m = min(audio.count, reference.count)
                systems[name] = Quality(lsdDB: try logSpectralDistance(reference: Array(reference[0..<m]), synthesized: Array(audio[0..<m])),
                                        mcdDB: try melCepstralDistortion(reference: Array(reference[0..<m]), synthesized: Array(audio[0..<m]),
                                                                         config: mcdConfig),
                                        voicing: try pitchTracker.compare(reference: Array(reference[0..<m]), synthesized: Array(audio[0..<m])))
            }
            perUtterance.append(UtteranceResult(id: u.id, teacherNLLBitsPerSample: nll / log(2),
                                               nllLadderBitsPerSample: rungs, studentKLNatsPerSample: kl,
                                               teacherSelfConsistency: consistency, systems: systems))
            let summary = systems.sorted { $0.key < $1.key }.map {
                String(format: "%@ LSD %.2f dB MCD %.2f dB", $0.key, $0.value.lsdDB, $0.value.mcdDB) + voicingSummary($0.value.voicing)
            }
            sink.line(String(format: "evaluate: %@ teacher NLL %.3f bits/sample (ladder: %@), student KL %.3f nats/sample; ",
                             u.id, nll / log(2), Self.ladderLine(rungs), kl) + summary.joined(separator: "; "))
        }
        func mean(_ values: [Double]) -> Double { values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count) }
        func quality(_ name: String) -> Quality? {
            let q = perUtterance.compactMap { $0.systems[name] }
            return q.isEmpty ? nil : Quality(lsdDB: mean(q.map(\.lsdDB)), mcdDB: mean(q.map(\.mcdDB)),
                                             voicing: VoicingComparison.pooled(q.compactMap(\.voicing)))
        }
        let pooled = ["student", "teacher", "griffin_lim", "random_phase"].compactMap { name in
            quality(name).map { name + voicingSummary($0.voicing) }
        }
        sink.line("evaluate: voicing over all utterances (pooled frames): " + pooled.joined(separator: "; "))
        let consistency = Self.pooledSelfConsistency(perUtterance.map(\.teacherSelfConsistency))
        if let c = consistency {
            sink.line(String(format: "evaluate: teacher self-consistency: its samples score %.3f bits/sample, the entropy along them "
                             + "is %.3f (difference %.3f +- %.3f bits: %@)", c.samplesNLLBitsPerSample, c.entropyBitsPerSample,
                             c.differenceBits, c.standardErrorBits,
                             c.consistent() ? "the sampler draws what the model scores" : "NOT consistent: the sampler and the model disagree"))
        }
        let bits = mean(perUtterance.map(\.teacherNLLBitsPerSample))
        var meanLadder: [String: Double] = [:]
        for rung in PredictorLadder.rungs {
            meanLadder[rung.name] = mean(perUtterance.compactMap { $0.nllLadderBitsPerSample[rung.name] })
        }
        let passes = PredictorLadder.rungs.last { bits < meanLadder[$0.name] ?? -.infinity }?.name ?? "none"
        sink.line(String(format: "evaluate: teacher NLL %.3f bits/sample against the ladder (%@): below %@", bits,
                         Self.ladderLine(meanLadder), passes))
        let result = Result(teacherNLLBitsPerSample: bits, teacherNLLNatsPerSample: bits * log(2),
                            nllLadderBitsPerSample: meanLadder, teacherPassesRung: passes,
                            studentKLNatsPerSample: mean(perUtterance.map(\.studentKLNatsPerSample)),
                            teacherSelfConsistency: consistency, teacher: quality("teacher"), student: quality("student") ?? Quality(lsdDB: .nan, mcdDB: .nan),
                            griffinLim: quality("griffin_lim") ?? Quality(lsdDB: .nan, mcdDB: .nan),
                            randomPhase: quality("random_phase"), perUtterance: perUtterance)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try AtomicFile.write(encoder.encode(result), to: directory.appendingPathComponent(resultFile))
    }

    /// The utterances' checks as one: equal spans, so the means of the NLLs, entropies and
    /// differences, and the standard error of the mean difference sqrt(sum se_i^2) / k.
    static func pooledSelfConsistency(_ checks: [SelfConsistency]) -> SelfConsistency? {
        guard !checks.isEmpty else { return nil }
        let k = Double(checks.count)
        func mean(_ f: (SelfConsistency) -> Double) -> Double { checks.reduce(0) { $0 + f($1) } / k }
        return SelfConsistency(samplesNLLBitsPerSample: mean(\.samplesNLLBitsPerSample), entropyBitsPerSample: mean(\.entropyBitsPerSample),
                               differenceBits: mean(\.differenceBits),
                               standardErrorBits: checks.reduce(0) { $0 + $1.standardErrorBits * $1.standardErrorBits }.squareRoot() / k)
    }

    /// "previous_sample 12.08, mel_gain 10.37, ..." in ladder order.
    static func ladderLine(_ rungs: [String: Double]) -> String {
        PredictorLadder.rungs.map { String(format: "%@ %.3f", $0.name, rungs[$0.name] ?? .nan) }.joined(separator: ", ")
    }

    /// " VDE x % F0 RMSE y cents" for a log line ("" without voicing figures).
    static func voicingSummary(_ voicing: VoicingComparison?) -> String {
        guard let voicing else { return "" }
        let rmse = voicing.f0RMSECents.map { String(format: "%.0f cents", $0) } ?? "n/a"
        let gpe = voicing.grossPitchErrorPercent.map { String(format: "%.1f %%", $0) } ?? "n/a"
        let fine = voicing.fineF0RMSECents.map { String(format: "%.0f cents", $0) } ?? "n/a"
        return String(format: " VDE %.1f %% F0 RMSE %@ (GPE %@, fine %@; voiced %.0f %%, reference %.0f %%)", voicing.vdePercent,
                      rmse, gpe, fine, voicing.voicedPercent, voicing.referenceVoicedPercent)
    }
}
