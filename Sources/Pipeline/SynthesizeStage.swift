import AudioIO
import Corpus
import Evaluation
import FileFormats
import Foundation
import Randomness
import SignalProcessing
import Student
import Teacher
import Tensors
import Training

/// Stage 4: copy synthesis of every held-out utterance from its own mel, by the student
/// (parallel, chunked), the teacher (autoregressive, cached queues; the first
/// `teacher_max_seconds`) and Griffin-Lim (the classical baseline), next to the reference:
/// `reference/<id>.wav`, `student/<id>.wav`, `teacher/<id>.wav`, `griffin_lim/<id>.wav`,
/// `random_phase/<id>.wav` (the reference's magnitudes with random phases: a diagnostic for
/// the metrics, see `randomPhaseResynthesis`) and `synthesis.json` with the files and timings.
public enum SynthesizeStage {
    public struct Record: Codable {
        public var id: String
        public var reference: String
        public var student: String
        public var teacher: String?
        public var griffinLim: String
        /// Optional: synthesis.json files written before this reference existed lack it.
        public var randomPhase: String?
        public var seconds: Double
        public var studentRTF: Double
        public var teacherRTF: Double?
        public var clippedSamples: [String: Int]

        enum CodingKeys: String, CodingKey {
            case id, reference, student, teacher, seconds
            case griffinLim = "griffin_lim"
            case randomPhase = "random_phase"
            case studentRTF = "student_rtf"
            case teacherRTF = "teacher_rtf"
            case clippedSamples = "clipped_samples"
        }
    }

    public static let recordFile = "synthesis.json"

    public static func run(_ config: SynthesizeInputs, stages: StageDirectories, directory: URL,
                           sink: LogSink) throws {
        let features = config.features
        let rate = features.sampleRate
        let corpus = try PreparedCorpus(directory: stages.directory(.prepare), expecting: features)
        let utterances = try corpus.load(split: "valid")
        let teacher = try DistillStage.loadTeacher(stages, features: features)
        let student = try DistillStage.loadStudent(stages, features: features)
        let fm = FileManager.default
        for sub in ["reference", "student", "teacher", "griffin_lim", "random_phase"] {
            try fm.createDirectory(at: directory.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        var records: [Record] = []
        for u in utterances {
            let n = u.samples.count
            let mel = Tensor(shape: [1, u.frames, u.melBands], scalars: u.mel)
            var clipped: [String: Int] = [:]
            func write(_ samples: [Float], _ sub: String) throws -> String {
                let path = "\(sub)/\(u.id).wav"
                // A NaN from a model is the model's fault: name it, not the WAV it would have gone to.
                let nonFinite = samples.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
                if nonFinite > 0 {
                    throw PipelineError.badInput("\(sub) synthesis of \(u.id) has \(nonFinite) NaN or infinite samples "
                                                 + "(the \(sub) checkpoint's weights give non-finite outputs)")
                }
                let report = try Audio(samples: samples, sampleRate: rate).writeWAV(to: directory.appendingPathComponent(path))
                clipped[sub] = report.clippedSampleCount
                if let warning = report.warning { sink.line("synthesize: \(warning)") }
                return path
            }
            let reference = try write(u.samples, "reference")

            var start = Date()
            let studentAudio = student.synthesize(mel: mel, length: n, seed: config.synthesis.seed,
                                                  temperature: Float(config.synthesis.studentTemperature),
                                                  chunkSamples: config.synthesis.chunkSamples)
            let studentSeconds = Date().timeIntervalSince(start)
            let studentPath = try write(studentAudio.scalars, "student")

            var teacherPath: String?
            var teacherRTF: Double?
            let teacherSamples = min(n, Int(config.synthesis.teacherMaxSeconds * Double(rate)))
            if teacherSamples > 0 {
                var rng = Philox(seed: config.synthesis.seed, stream: 1)
                start = Date()
                let temperature = Float(config.synthesis.teacherTemperature)
                let options: WaveNet.SamplingOptions = try config.synthesis.teacherVoicedTemperature.map {
                    try .voiced(mel: mel, features: features, length: teacherSamples, voiced: Float($0), unvoiced: temperature)
                } ?? .init(temperature: temperature)
                let x = teacher.sample(mel: mel, length: teacherSamples, rng: &rng, options: options)
                teacherRTF = Date().timeIntervalSince(start) / (Double(teacherSamples) / Double(rate))
                teacherPath = try write(x.scalars, "teacher")
            }

            let gl = try GriffinLim(features: features, config: GriffinLimConfig(
                iterations: config.synthesis.griffinLimIterations, seed: config.synthesis.seed))
            let logMel = Spectrogram(frameCount: u.frames, binCount: u.melBands, values: u.mel)
            let glPath = try write(try gl.synthesize(logMel: logMel, sampleCount: n).samples, "griffin_lim")
            let randomPhasePath = try write(try randomPhaseResynthesis(of: u.samples, features: features,
                                                                       seed: config.synthesis.seed), "random_phase")

            let seconds = Double(n) / Double(rate)
            let record = Record(id: u.id, reference: reference, student: studentPath, teacher: teacherPath,
                                griffinLim: glPath, randomPhase: randomPhasePath, seconds: seconds, studentRTF: studentSeconds / seconds,
                                teacherRTF: teacherRTF, clippedSamples: clipped)
            records.append(record)
            sink.line(String(format: "synthesize: %@ %.2f s: student RTF %.3f%@", u.id, seconds, record.studentRTF,
                             teacherRTF.map { String(format: ", teacher RTF %.1f (first %.1f s)", $0, Double(teacherSamples) / Double(rate)) } ?? ""))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(encoder.encode(records), to: directory.appendingPathComponent(recordFile))
    }
}
