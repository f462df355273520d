import Configuration
import Foundation
import Testing
@testable import Pipeline

@Suite struct PipelineConfigTests {
    private func decode(_ yaml: String) throws -> PipelineConfig {
        try YAMLConfigLoader.decode(PipelineConfig.self, from: yaml, file: "test.yaml")
    }

    @Test func minimalFileTakesDefaults() throws {
        let c = try decode("name: x\n")
        #expect(c.teacher == .preset(.small) && c.losses.klSamples == 16 && c.features.hopLength == 256)
    }

    @Test func unknownKeyIsRejectedWithPathAndLine() {
        #expect {
            try decode("name: x\nteacher:\n  preset: tiny\n  layres: 3\n")
        } throws: { error in
            guard let e = error as? ConfigError, case .unknownKey = e.kind else { return false }
            return e.path == "teacher.layres" && e.line == 4
        }
        #expect {
            try decode("name: x\ntraining:\n  student:\n    stepz: 3\n")
        } throws: { ($0 as? ConfigError)?.path == "training.student.stepz" }
    }

    @Test func wrongTypeIsRejectedWithPath() {
        #expect {
            try decode("name: x\nlosses:\n  kl_samples: many\n")
        } throws: { error in
            guard let e = error as? ConfigError, case .wrongType = e.kind else { return false }
            return e.path == "losses.kl_samples" && e.line == 3
        }
    }

    @Test func outOfRangeValuesAreRejected() {
        #expect { try decode("name: x\nlosses:\n  contrastive_gamma: 1.5\n") } throws: {
            ($0 as? ConfigError)?.path == "losses.contrastive_gamma"
        }
        // The upsampler must produce hop samples per frame.
        #expect { try decode("name: x\nfeatures:\n  hop_length: 200\n") } throws: {
            ($0 as? ConfigError)?.path == "teacher.upsampler.strides"
        }
        #expect { try decode("name: ../evil\n") } throws: { ($0 as? ConfigError)?.path == "name" }
    }

    @Test(arguments: [(0, 3), (1, 7), (5, 2), (-1, nil)] as [(Int?, Int?)])
    func badStageRangesAreRejected(start: Int?, stop: Int?) {
        #expect(throws: PipelineError.self) { try PipelineRunner.stageRange(start: start, stop: stop) }
    }

    @Test func stageRangeDefaultsToAllStages() throws {
        #expect(try PipelineRunner.stageRange(start: nil, stop: nil) == 1...6)
        #expect(try PipelineRunner.stageRange(start: 3, stop: 3) == 3...3)
    }

    @Test func missingAudioFolderIsNamed() throws {
        var config = PipelineConfig(name: "x")
        config.data.audioDirs = ["/nonexistent/wavedistill-audio"]
        #expect {
            try PrepareStage.findAudio(config.data)
        } throws: { "\($0)".contains("/nonexistent/wavedistill-audio") }
    }

    @Test func everyBundledRecipeLoads() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let dir = root.appendingPathComponent("Pipelines")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".yaml") }
        #expect(files.contains("debug.yaml") && files.contains("quickstart.yaml") && files.contains("ru_nsh.yaml"))
        for file in files {
            let config = try PipelineConfig.load(dir.appendingPathComponent(file))
            #expect(config.name + ".yaml" == file, "\(file) is named \(config.name)")
        }
    }

    @Test func stageHashesChainDownstreamOnly() throws {
        let base = Experiment(config: try decode("name: x\n"), directory: URL(fileURLWithPath: "/tmp/x"))
        var changed = base.config
        changed.student.channels += 8
        let other = Experiment(config: changed, directory: base.root)
        for stage in Stage.allCases {
            let expectChange = [.distill, .synthesize, .evaluate, .bench].contains(stage)
            #expect((base.hash(stage) != other.hash(stage)) == expectChange, "\(stage)")
        }
    }

    /// The Gaussian (ClariNet) variant: `student.base` and `losses.gaussian_kl_lambda` parse,
    /// bad values name their key, and a base that does not pair with `teacher.head.kind` is
    /// refused at load with both keys in the message.
    @Test func gaussianVariantKeysAndPairing() throws {
        let c = try decode("name: x\nteacher:\n  head: {kind: gaussian}\nstudent:\n  base: gaussian\nlosses:\n  gaussian_kl_lambda: 2\n")
        #expect(c.student.base == .gaussian && c.teacher.head.kind == .gaussian && c.losses.gaussianKLLambda == 2)
        #expect(try decode("name: x\n").losses.gaussianKLLambda == 4)
        #expect { try decode("name: x\nstudent:\n  base: normal\n") } throws: { ($0 as? ConfigError)?.path == "student.base" }
        #expect { try decode("name: x\nlosses:\n  gaussian_kl_lambda: -1\n") } throws: {
            ($0 as? ConfigError)?.path == "losses.gaussian_kl_lambda"
        }
        // The contrastive term takes c' from another batch item.
        #expect { try decode("name: x\nlosses:\n  contrastive_gamma: 0.3\ntraining:\n  student:\n    batch_size: 1\n") } throws: {
            ($0 as? ConfigError)?.path == "training.student.batch_size"
        }
        for yaml in ["name: x\nstudent:\n  base: gaussian\n",                       // mol teacher (default)
                     "name: x\nteacher:\n  head: {kind: mulaw256}\nstudent:\n  base: gaussian\n",
                     "name: x\nteacher:\n  head: {kind: gaussian}\n"] {          // logistic student (default)
            #expect { try decode(yaml) } throws: { error in
                guard let e = error as? ConfigError, case .outOfRange = e.kind else { return false }
                return e.path == "student.base" && "\(e)".contains("teacher.head.kind")
            }
        }
        // A mu-law teacher gives no input gradient: it cannot teach an IAF student, and the
        // recipe fails at load rather than after the teacher has trained.
        #expect { try decode("name: x\nteacher:\n  head: {kind: mulaw256}\n") } throws: { error in
            guard let e = error as? ConfigError, case .outOfRange = e.kind else { return false }
            return e.path == "teacher.head.kind" && "\(e)".contains("no gradient")
        }
    }
}
