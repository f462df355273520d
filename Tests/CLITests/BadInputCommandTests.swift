import AudioIO
import FileFormats
import Foundation
import Testing

/// Issue 15: bad options and inputs end with exit status != 0 and one line naming the option or
/// file (never a signal, never exit 0 on garbage).
@Suite(.serialized) struct BadInputCommandTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let speech = root.appendingPathComponent("audio/speech/ru_nsh/ru_0024.wav").path

    /// debug.yaml with absolute audio paths, written into `workspace` as `p.yaml`.
    static func writeDebugRecipe(_ workspace: Workspace, edit: (String) -> String = { $0 }) throws {
        var yaml = try String(contentsOf: root.appendingPathComponent("Pipelines/debug.yaml"), encoding: .utf8)
        yaml = yaml.replacingOccurrences(of: "audio/speech/ru_nsh", with: root.appendingPathComponent("audio/speech/ru_nsh").path)
        try workspace.write(edit(yaml), to: "p.yaml")
    }

    /// A tiny teacher (the debug recipe's stage 2, a few seconds): `exp/02-train-teacher/teacher.safetensors`.
    static func trainTinyTeacher(_ runner: WavedistillRunner, _ workspace: Workspace) throws -> String {
        try writeDebugRecipe(workspace)
        let result = try runner.run(["run", "p.yaml", "--exp-dir", "exp", "--stop-stage", "2"], in: workspace.url)
        #expect(result.status == 0, "\(result.standardError)")
        return "exp/02-train-teacher/teacher.safetensors"
    }

    /// Exit status 1 (not a signal, not 0) and a single stderr line containing every fragment.
    static func expectOneLineError(_ result: WavedistillRunner.Result, _ fragments: [String],
                                   sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == 1, "status \(result.status): \(result.standardError)", sourceLocation: sourceLocation)
        let lines = result.errorLines.filter { !$0.hasPrefix("==") && !$0.hasPrefix("synthesize:") }
        #expect(lines.count == 1, "\(result.standardError)", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(result.standardError.contains(fragment), "'\(fragment)' not in: \(result.standardError)",
                    sourceLocation: sourceLocation)
        }
    }

    @Test func nonFiniteOrHugeMaxSecondsIsAnErrorNamingTheOption() throws {
        let runner = try WavedistillRunner.locate()
        let workspace = try Workspace()
        for value in ["nan", "inf", "1e300", "-1", "0"] {
            let score = try runner.run(["score", "--checkpoint", "t.safetensors", "--input", Self.speech,
                                        "--max-seconds=\(value)"], in: workspace.url)
            Self.expectOneLineError(score, ["--max-seconds"])
            let synthesize = try runner.run(["synthesize", "--checkpoint", "t.safetensors", "--input", Self.speech,
                                             "--out", "o.wav", "--max-seconds=\(value)"], in: workspace.url)
            Self.expectOneLineError(synthesize, ["--max-seconds"])
        }
        for (option, value) in [("seconds", "1e300"), ("teacher-max-seconds", "inf"), ("naive-seconds", "1e300"),
                                ("teacher-batch-seconds", "nan")] {
            let bench = try runner.run(["bench", "--preset", "tiny", "--\(option)", value], in: workspace.url)
            Self.expectOneLineError(bench, ["--\(option)"])
        }
        for (option, value) in [("temperature", "nan"), ("chunk-samples", "9223372036854775807"), ("chunk-samples", "10")] {
            let synthesize = try runner.run(["synthesize", "--checkpoint", "t.safetensors", "--input", Self.speech,
                                             "--out", "o.wav", "--\(option)", value], in: workspace.url)
            Self.expectOneLineError(synthesize, ["--\(option)"])
        }
        Self.expectOneLineError(try runner.run(["bench", "--preset", "tiny", "--threads", "100000000"], in: workspace.url), ["--threads"])
        Self.expectOneLineError(try runner.run(["bench-layers", "--reps", "0"], in: workspace.url), ["--reps"])
        for (option, value) in [("min-hz", "nan"), ("max-hz", "inf"), ("hop", "100000000000"), ("sample-rate", "0")] {
            Self.expectOneLineError(try runner.run(["pitch", Self.speech, "--\(option)", value], in: workspace.url), ["--\(option)"])
        }
        #expect(workspace.contents == [])
    }

    /// A teacher whose weights are NaN: `score` must fail naming the checkpoint, not print -nan.
    @Test func scoreOfANaNTeacherIsAnError() throws {
        let runner = try WavedistillRunner.locate()
        let workspace = try Workspace()
        let teacher = try Self.trainTinyTeacher(runner, workspace)
        var file = try SafetensorsFile(contentsOf: workspace.file(teacher))
        for i in file.tensors.indices { file.tensors[i].scalars = file.tensors[i].scalars.map { _ in .nan } }
        try file.write(to: workspace.file("nan.safetensors"))
        let result = try runner.run(["score", "--checkpoint", "nan.safetensors", "--input", Self.speech,
                                     "--max-seconds", "0.1"], in: workspace.url)
        Self.expectOneLineError(result, ["nan.safetensors", "non-finite"])
        #expect(!result.standardOutput.contains("nan"))
    }

    /// A float WAV of 16-bit-free samples, written with our own header.
    static func writeFloatWAV(_ samples: [Float], rate: Int, to url: URL) throws {
        var data = Data("RIFF".utf8)
        func u32(_ v: Int) { withUnsafeBytes(of: UInt32(truncatingIfNeeded: v).littleEndian) { data.append(contentsOf: $0) } }
        func u16(_ v: Int) { withUnsafeBytes(of: UInt16(truncatingIfNeeded: v).littleEndian) { data.append(contentsOf: $0) } }
        u32(36 + 4 * samples.count)
        data.append(contentsOf: Array("WAVEfmt ".utf8))
        u32(16); u16(3); u16(1); u32(rate); u32(rate &* 4); u16(4); u16(32)
        data.append(contentsOf: Array("data".utf8))
        u32(4 * samples.count)
        for s in samples { withUnsafeBytes(of: s.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        try data.write(to: url)
    }

    /// Finite samples of 3e38 overflow the power spectrum: `features` used to write a .npy full of
    /// inf and exit 0; prepare did the same for a corpus file.
    @Test func hugeSamplesAreAnErrorNamingTheFile() throws {
        let runner = try WavedistillRunner.locate()
        let workspace = try Workspace()
        try Self.writeFloatWAV((0..<16000).map { $0 % 2 == 0 ? 3e38 : -3e38 }, rate: 16000, to: workspace.file("huge.wav"))
        let features = try runner.run(["features", "huge.wav", "--out", "x.npy"], in: workspace.url)
        Self.expectOneLineError(features, ["huge.wav", "NaN or infinite"])
        #expect(!workspace.contents.contains("x.npy"))

        try FileManager.default.createDirectory(at: workspace.file("corpus"), withIntermediateDirectories: true)
        for id in ["a", "b"] {
            try FileManager.default.copyItem(atPath: Self.speech, toPath: workspace.file("corpus/\(id).wav").path)
        }
        try FileManager.default.copyItem(at: workspace.file("huge.wav"), to: workspace.file("corpus/c.wav"))
        try workspace.write("name: t\ndata:\n  audio_dirs: [corpus]\n  validation: [a]\n", to: "t.yaml")
        let prepare = try runner.run(["run", "t.yaml", "--exp-dir", "exp", "--stop-stage", "1"], in: workspace.url)
        #expect(prepare.status == 1)
        #expect(prepare.standardError.contains("corpus/c.wav") && prepare.standardError.contains("NaN or infinite"),
                "\(prepare.standardError)")
    }

    /// Too short for one STFT frame: every command names the file (synthesize did not).
    @Test func tooShortInputIsNamed() throws {
        let runner = try WavedistillRunner.locate()
        let workspace = try Workspace()
        let teacher = try Self.trainTinyTeacher(runner, workspace)
        try Self.writeFloatWAV([Float](repeating: 0.1, count: 10), rate: 16000, to: workspace.file("short.wav"))
        try Self.writeFloatWAV([Float](repeating: 0.1, count: 16000), rate: 2_147_483_647, to: workspace.file("fast.wav"))
        for file in ["short.wav", "fast.wav"] {
            let synthesize = try runner.run(["synthesize", "--checkpoint", teacher, "--input", file, "--out", "o.wav"],
                                            in: workspace.url)
            Self.expectOneLineError(synthesize, [file])
            let score = try runner.run(["score", "--checkpoint", teacher, "--input", file], in: workspace.url)
            Self.expectOneLineError(score, [file])
        }
    }

    /// A directory where a file is expected: "it is a directory", not "NSCocoaErrorDomain error 256".
    @Test func directoriesPassedAsFilesAreNamed() throws {
        let runner = try WavedistillRunner.locate()
        let workspace = try Workspace()
        for name in ["d.npy", "d.safetensors", "d.yaml"] {
            try FileManager.default.createDirectory(at: workspace.file(name), withIntermediateDirectories: true)
        }
        try workspace.write("x", to: "x.npy")
        let cases: [[String]] = [
            ["synthesize", "--checkpoint", "d.safetensors", "--mel", "x.npy", "--out", "o.wav"],
            ["score", "--checkpoint", "d.safetensors", "--input", Self.speech],
            ["run", "d.yaml"],
            ["features", Self.speech, "--out", "o.npy", "--config", "d.yaml"],
        ]
        for arguments in cases {
            let result = try runner.run(arguments, in: workspace.url)
            Self.expectOneLineError(result, ["it is a directory"])
            #expect(!result.standardError.contains("NSCocoaErrorDomain"))
        }
    }

    @Test func npyDirectoryIsNamed() throws {
        let runner = try WavedistillRunner.locate()
        let workspace = try Workspace()
        let teacher = try Self.trainTinyTeacher(runner, workspace)
        try FileManager.default.createDirectory(at: workspace.file("d.npy"), withIntermediateDirectories: true)
        let result = try runner.run(["synthesize", "--checkpoint", teacher, "--mel", "d.npy", "--out", "o.wav"], in: workspace.url)
        Self.expectOneLineError(result, ["d.npy", "it is a directory"])
    }

    /// Recipe problems: one short line with file, line and key.
    @Test func recipeErrorsAreShortAndLocated() throws {
        let runner = try WavedistillRunner.locate()
        let workspace = try Workspace()
        let body = (0..<60).map { "# padding line \($0) so that the old message would repeat all of it" }.joined(separator: "\n")
        let cases: [(String, [String])] = [
            ("name: x\nlosses:\n  kl_weight: .inf\n", ["r.yaml:3", "losses.kl_weight", "finite"]),
            ("name: x\nbenchmark:\n  audio_seconds: [1, .nan]\n", ["r.yaml:3", "benchmark.audio_seconds.1", "finite"]),
            ("name: x\nseed: 1\n\(body)\nseed: 2\n", ["r.yaml", "duplicate key 'seed'"]),
            ("", ["r.yaml", "empty"]),
            ("# nothing but a comment\n", ["r.yaml", "empty"]),
            ("- a\n- b\n", ["r.yaml", "mapping"]),
            ("name: x\ntraining:\n  teacher:\n    crop_samples: 1000000000000\n", ["r.yaml:4", "training.teacher.crop_samples"]),
        ]
        for (yaml, fragments) in cases {
            try workspace.write(yaml, to: "r.yaml")
            let result = try runner.run(["run", "r.yaml", "--exp-dir", "exp"], in: workspace.url)
            Self.expectOneLineError(result, fragments)
            #expect(result.standardError.count < 300, "\(result.standardError)")
            #expect(!result.standardError.contains("EncodingError"))
        }
    }

    /// Checkpoint metadata: the key is named; a student where a teacher belongs is called a student.
    @Test func checkpointMistakesAreNamed() throws {
        let runner = try WavedistillRunner.locate()
        let workspace = try Workspace()
        let teacher = try Self.trainTinyTeacher(runner, workspace)
        let original = try SafetensorsFile(contentsOf: workspace.file(teacher))
        var broken = original
        broken.metadata["model_config"] = "{not json"
        try broken.write(to: workspace.file("bad.safetensors"))
        let bad = try runner.run(["score", "--checkpoint", "bad.safetensors", "--input", Self.speech], in: workspace.url)
        Self.expectOneLineError(bad, ["bad.safetensors", "model_config", "not valid JSON"])

        let distill = try runner.run(["run", "p.yaml", "--exp-dir", "exp", "--stop-stage", "3"], in: workspace.url)
        #expect(distill.status == 0, "\(distill.standardError)")
        let student = "exp/03-distill/student.safetensors"
        let asTeacher = try runner.run(["score", "--checkpoint", student, "--input", Self.speech], in: workspace.url)
        Self.expectOneLineError(asTeacher, [student, "this is a student checkpoint"])
        var relabelled = try SafetensorsFile(contentsOf: workspace.file(student))
        relabelled.metadata["format"] = original.metadata["format"]
        try relabelled.write(to: workspace.file("relabelled.safetensors"))
        let mislabelled = try runner.run(["score", "--checkpoint", "relabelled.safetensors", "--input", Self.speech], in: workspace.url)
        Self.expectOneLineError(mislabelled, ["relabelled.safetensors", "student"])
    }

    /// NaN weights: synthesize blames the checkpoint and writes nothing (it blamed the output WAV).
    @Test func nonFiniteModelOutputBlamesTheCheckpoint() throws {
        let runner = try WavedistillRunner.locate()
        let workspace = try Workspace()
        let teacher = try Self.trainTinyTeacher(runner, workspace)
        var file = try SafetensorsFile(contentsOf: workspace.file(teacher))
        for i in file.tensors.indices { file.tensors[i].scalars = file.tensors[i].scalars.map { _ in .nan } }
        try file.write(to: workspace.file("nan.safetensors"))
        let result = try runner.run(["synthesize", "--checkpoint", "nan.safetensors", "--input", Self.speech,
                                     "--out", "o.wav", "--max-seconds", "0.02"], in: workspace.url)
        Self.expectOneLineError(result, ["nan.safetensors", "NaN or infinite samples", "o.wav was not written"])
        #expect(!workspace.contents.contains("o.wav"))
    }

    /// `-dash.wav` was split into the flags -d -a -s -h ...: help, exit 0, nothing done.
    @Test func dashFileNamesNeedDoubleDash() throws {
        let runner = try WavedistillRunner.locate()
        let workspace = try Workspace()
        try FileManager.default.copyItem(atPath: Self.speech, toPath: workspace.file("-dash.wav").path)
        let info = try runner.run(["info", "-dash.wav"], in: workspace.url)
        Self.expectOneLineError(info, ["unknown option '-dash.wav'", "--"])
        #expect(info.standardOutput.isEmpty)
        let features = try runner.run(["features", "-dash.wav", "--out", "x.npy"], in: workspace.url)
        Self.expectOneLineError(features, ["unknown option '-dash.wav'"])
        #expect(!workspace.contents.contains("x.npy"))

        let infoAfterDashes = try runner.run(["info", "--", "-dash.wav"], in: workspace.url)
        #expect(infoAfterDashes.status == 0 && infoAfterDashes.standardOutput.hasPrefix("-dash.wav: WAV"), "\(infoAfterDashes.standardError)")
        let featuresAfterDashes = try runner.run(["features", "--out", "x.npy", "--", "-dash.wav"], in: workspace.url)
        #expect(featuresAfterDashes.status == 0, "\(featuresAfterDashes.standardError)")
        #expect(workspace.contents.contains("x.npy"))
    }
}

/// `run`'s stage range is a usage error, refused in `validate()` before the pipeline file is
/// read: exit 64 with the numbering, and no experiment directory.
@Suite struct RunStageRangeTests {
    @Test(arguments: [["--stage", "7"], ["--stage", "4", "--stop-stage", "2"], ["--stop-stage", "0"]])
    func badRangeIsAUsageError(_ range: [String]) throws {
        let runner = try WavedistillRunner.locate()
        let workspace = try Workspace()
        let result = try runner.run(["run", "missing.yaml", "--exp-dir", "exp"] + range, in: workspace.url)
        #expect(result.status == 64, "status \(result.status): \(result.standardError)")
        #expect(result.standardError.contains("stage"), "\(result.standardError)")
        #expect(!result.standardError.contains("missing.yaml"), "the file was read: \(result.standardError)")
        #expect(!FileManager.default.fileExists(atPath: workspace.file("exp").path))
    }

    /// `bench --config` is stage 6, like `synthesize --config` is stage 4: the tool's model
    /// options do not combine with it.
    @Test func benchStageRefusesTheToolsOptions() throws {
        let runner = try WavedistillRunner.locate()
        let workspace = try Workspace()
        let result = try runner.run(["bench", "--config", "p.yaml", "--json", "b.json"], in: workspace.url)
        #expect(result.status == 64, "status \(result.status): \(result.standardError)")
        #expect(result.standardError.contains("--config runs the pipeline stage"), "\(result.standardError)")
    }
}
