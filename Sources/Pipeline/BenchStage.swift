import Benchmarks
import Corpus
import FileFormats
import Foundation
import Student
import Tensors
import Training

/// Stage 6: the synthesis benchmark (`wavedistill bench`) on the trained checkpoints,
/// conditioned on the first held-out utterance's mel. Writes `bench.json`.
public enum BenchStage {
    public static let resultFile = "bench.json"

    public static func run(_ config: BenchInputs, stages: StageDirectories, directory: URL, sink: LogSink) throws {
        let corpus = try PreparedCorpus(directory: stages.directory(.prepare), expecting: config.features)
        guard let u = try corpus.load(split: "valid").first else { return }
        let teacher = try DistillStage.loadTeacher(stages, features: config.features)
        let student = try DistillStage.loadStudent(stages, features: config.features)
        var options = BenchmarkOptions()
        options.seconds = config.benchmark.audioSeconds
        options.repetitions = config.benchmark.repetitions
        options.naiveSeconds = config.benchmark.naiveSeconds
        options.batches = config.benchmark.teacherBatches
        options.teacherMaxSeconds = min(options.teacherMaxSeconds, config.benchmark.audioSeconds.max() ?? 1)
        options.chunkSamples = config.chunkSamples
        let mel = Tensor(shape: [1, u.frames, u.melBands], scalars: u.mel)
        let report = try SamplingBenchmark.run(teacher: teacher, student: student, mel: mel, features: config.features,
                                               options: options, log: { sink.line("bench: " + $0) })
        try AtomicFile.write(report.jsonData(), to: directory.appendingPathComponent(resultFile))
        sink.line(String(format: "bench: student / cached teacher %.1fx, cached / naive teacher %.1fx",
                         report.ratios.studentVsCachedTeacher, report.ratios.cachedVsNaiveTeacher))
    }
}
