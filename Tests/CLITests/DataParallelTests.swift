import FileFormats
import Foundation
import Testing

/// Data-parallel training under `mpirun` (Open MPI), through the real executable: 2 processes
/// train to the weights of 1 process with the same global batch, over shared memory and over
/// TCP; a killed 2-process run resumes (on 2 processes, and on 1); a failing process ends the
/// whole job at once with a message naming its rank.
@Suite(.serialized) struct DataParallelTests {
    /// `mpirun` with what a container's root user and a 2-core machine need.
    struct MPIRun {
        let mpirun: URL
        let executable: URL

        static func locate() throws -> MPIRun {
            let runner = try WavedistillRunner.locate()
            let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"
            let candidates = path.split(separator: ":").map { URL(fileURLWithPath: String($0)).appendingPathComponent("mpirun") }
            guard let mpirun = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
                throw NotInstalled()
            }
            return MPIRun(mpirun: mpirun, executable: runner.executable)
        }

        struct NotInstalled: Error, CustomStringConvertible {
            var description: String { "mpirun is not on PATH: install Open MPI (scripts/install-deps.sh installs openmpi-bin)" }
        }

        /// `mpirun -np N [--mca btl tcp,self] wavedistill ARGS`, or several app contexts
        /// (`: -np 1 ...`) when `contexts` is given.
        func arguments(_ processes: Int, tcp: Bool, _ arguments: [String]) -> [String] {
            base(tcp: tcp) + ["-np", "\(processes)", executable.path] + arguments
        }

        func base(tcp: Bool) -> [String] {
            ["--allow-run-as-root", "--oversubscribe"] + (tcp ? ["--mca", "btl", "tcp,self"] : [])
        }

        func run(_ arguments: [String], in directory: URL) throws -> WavedistillRunner.Result {
            try WavedistillRunner(executable: mpirun).run(arguments, in: directory)
        }

        func start(_ arguments: [String], in directory: URL) throws -> Process {
            let process = Process()
            process.executableURL = mpirun
            process.arguments = arguments
            process.currentDirectoryURL = directory
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }
    }

    /// debug.yaml, shortened: `steps` of each training stage, a checkpoint every `every` steps
    /// (all kept), a metrics line every step.
    static func writeRecipe(_ workspace: Workspace, teacherSteps: Int, studentSteps: Int, every: Int,
                            batch: Int = 2) throws {
        try BadInputCommandTests.writeDebugRecipe(workspace) { yaml in
            var lines = yaml.components(separatedBy: "\n")
            var section = ""
            for (i, line) in lines.enumerated() {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if line == "  teacher:" || line == "  student:" { section = trimmed }
                if !line.hasPrefix("    ") { continue }
                let key = trimmed.split(separator: ":").first.map(String.init) ?? ""
                switch key {
                case "steps": lines[i] = "    steps: \(section == "teacher:" ? teacherSteps : studentSteps)"
                case "batch_size": lines[i] = "    batch_size: \(batch)"
                case "checkpoint_every": lines[i] = "    checkpoint_every: \(every)\n    keep_checkpoints: 1000"
                case "log_every": lines[i] = "    log_every: 1"
                default: break
                }
            }
            return lines.joined(separator: "\n")
        }
    }

    /// All tensors of a safetensors file, in name order, as one vector.
    static func weights(_ url: URL) throws -> [Float] {
        let file = try SafetensorsFile(contentsOf: url)
        return file.tensors.sorted { $0.name < $1.name }.flatMap(\.scalars)
    }

    static func checkpoint(_ exp: URL, _ stage: String, step: Int) -> URL {
        exp.appendingPathComponent("\(stage)/checkpoints/" + String(format: "step-%08d", step) + "/model.safetensors")
    }

    static func distance(_ a: [Float], _ b: [Float]) -> Double {
        precondition(a.count == b.count, "\(a.count) vs \(b.count) weights")
        return zip(a, b).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }.squareRoot()
    }

    /// ||w_other - w_reference|| relative to how far the reference moved from step `from`: near 0
    /// for the same training up to float summation order; of order 1 for a different training.
    static func relativeDifference(_ exp: URL, _ reference: URL, stage: String, step: Int, from: Int) throws -> Double {
        let ours = try weights(checkpoint(exp, stage, step: step))
        let theirs = try weights(checkpoint(reference, stage, step: step))
        let start = try weights(checkpoint(reference, stage, step: from))
        return distance(ours, theirs) / distance(theirs, start)
    }

    /// The processes whose parent is `parent` (from /proc).
    static func children(of parent: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> Int32? in
            guard let pid = Int32(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return nil }
            // "pid (name) state ppid ...": the name may contain spaces, so split after ")".
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && Int32(fields[1]) == parent ? pid : nil
        }
    }

    static func firstTrainLine(_ exp: URL, _ stage: String) throws -> [String: Any] {
        let text = try String(contentsOf: exp.appendingPathComponent("\(stage)/metrics.jsonl"), encoding: .utf8)
        for line in text.split(separator: "\n") {
            if let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
               object["split"] as? String == "train" { return object }
        }
        return [:]
    }

    /// 1 process and 2 processes (shared memory, then TCP) train the tiny teacher and a tiny
    /// distillation with the same global batch of 2: the first step's loss and gradient norm
    /// (computed from the reduced values) agree to float rounding, and the weights after 4 steps
    /// agree to 1e-3 of the distance training moved them. A member that skipped the allreduce
    /// would log its own half-batch loss and end about as far off as training moved.
    @Test(arguments: [false, true])
    func twoProcessesTrainToTheWeightsOfOne(tcp: Bool) throws {
        let mpi = try MPIRun.locate()
        let workspace = try Workspace()
        try Self.writeRecipe(workspace, teacherSteps: 4, studentSteps: 4, every: 1)
        let single = try WavedistillRunner(executable: mpi.executable)
            .run(["run", "p.yaml", "--exp-dir", "one", "--stop-stage", "3"], in: workspace.url)
        #expect(single.status == 0, "\(single.standardError)")
        let pair = try mpi.run(mpi.arguments(2, tcp: tcp, ["run", "p.yaml", "--exp-dir", "two", "--stop-stage", "3"]),
                               in: workspace.url)
        #expect(pair.status == 0, "\(pair.standardError)")
        #expect(pair.standardError.contains("2 processes, 1 of 2 crops each per step"), "\(pair.standardError)")
        let one = workspace.file("one"), two = workspace.file("two")
        for stage in ["02-train-teacher", "03-distill"] {
            let a = try Self.firstTrainLine(one, stage), b = try Self.firstTrainLine(two, stage)
            for key in ["loss", "grad_norm"] {
                let x = try #require(a[key] as? Double), y = try #require(b[key] as? Double)
                #expect(abs(x - y) <= 1e-5 * abs(x), "\(stage) step 1 \(key): 1 process \(x), 2 processes \(y)")
            }
            #expect(b["allreduce_seconds"] is Double, "\(stage): no allreduce time logged")
            let relative = try Self.relativeDifference(two, one, stage: stage, step: 4, from: 1)
            #expect(relative < 1e-3, "\(stage): 2 processes end \(relative) of the training distance away from 1")
        }
        // Rank 0 alone wrote: one progress line per step of the stage, not two.
        let logged = pair.standardError.components(separatedBy: "train-teacher 4/4").count - 1
        #expect(logged == 1, "the last step was reported \(logged) times")
    }

    /// A 2-process run killed mid-stage resumes from its checkpoint to the weights of an
    /// uninterrupted 2-process run, on 2 processes and on 1.
    @Test func killedTwoProcessRunResumesOnTwoOrOne() throws {
        let mpi = try MPIRun.locate()
        let workspace = try Workspace()
        let steps = 300
        try Self.writeRecipe(workspace, teacherSteps: steps, studentSteps: 4, every: 20)
        let straight = try mpi.run(mpi.arguments(2, tcp: false, ["run", "p.yaml", "--exp-dir", "straight", "--stop-stage", "2"]),
                                   in: workspace.url)
        #expect(straight.status == 0, "\(straight.standardError)")

        let killed = workspace.file("killed")
        let process = try mpi.start(mpi.arguments(2, tcp: false, ["run", "p.yaml", "--exp-dir", killed.path, "--stop-stage", "2"]),
                                    in: workspace.url)
        let latest = killed.appendingPathComponent("02-train-teacher/checkpoints/latest")
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: latest.path) && Date() < deadline && process.isRunning {
            Thread.sleep(forTimeInterval: 0.02)
        }
        #expect(process.isRunning, "the run ended before it could be interrupted")
        // A crash of every process at once (kill -9 of mpirun's children; a signal to mpirun
        // itself may be blocked in a test runner's children).
        for pid in Self.children(of: process.processIdentifier) { kill(pid, SIGKILL) }
        process.waitUntilExit()
        let killedAt = try String(contentsOf: latest, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let killedStep = try #require(Int(killedAt.filter(\.isNumber)), "latest says '\(killedAt)'")
        #expect(killedStep < steps, "the kill landed after the last step")
        try FileManager.default.copyItem(at: killed, to: workspace.file("killed-on-one"))

        let again = try mpi.run(mpi.arguments(2, tcp: false, ["run", "p.yaml", "--exp-dir", "killed", "--stop-stage", "2"]),
                                in: workspace.url)
        #expect(again.status == 0, "\(again.standardError)")
        #expect(again.standardError.contains("resuming from") && again.standardError.contains(killedAt))
        let onOne = try WavedistillRunner(executable: mpi.executable)
            .run(["run", "p.yaml", "--exp-dir", "killed-on-one", "--stop-stage", "2"], in: workspace.url)
        #expect(onOne.status == 0, "\(onOne.standardError)")
        #expect(onOne.standardError.contains("resuming from"))

        // Resumed on 2, the processes repeat the straight run's arithmetic: equal to the end.
        // Resumed on 1, one process sums the two crops' gradients in another order: equal to
        // float rounding 20 steps on (over hundreds of steps Adam magnifies rounding in
        // near-zero gradients into a drift of some percent, as between any two thread counts).
        let reference = workspace.file("straight")
        let onTwo = try Self.relativeDifference(killed, reference, stage: "02-train-teacher", step: steps, from: killedStep)
        #expect(onTwo < 1e-3, "resumed on 2: \(onTwo) of the distance trained since the kill away from the straight run")
        let next = killedStep + 20
        #expect(next <= steps, "the kill landed too late to compare 20 steps on")
        let resumedOnOne = try Self.relativeDifference(workspace.file("killed-on-one"), reference, stage: "02-train-teacher",
                                                step: min(next, steps), from: killedStep)
        #expect(resumedOnOne < 1e-2, "resumed on 1: \(resumedOnOne) of the distance trained in 20 steps away from the straight run")
    }

    /// One process of two fails: the job ends within seconds, non-zero, with one line naming
    /// the rank and the cause. Cases: its recipe is unreadable (a broken copy on one machine),
    /// its recipe differs from rank 0's, and an error injected in the middle of training
    /// (while rank 0 waits in the allreduce).
    @Test func aFailingProcessEndsTheJobNamingItsRank() throws {
        let mpi = try MPIRun.locate()
        let workspace = try Workspace()
        try Self.writeRecipe(workspace, teacherSteps: 100_000, studentSteps: 4, every: 1000)
        let good = try String(contentsOf: workspace.file("p.yaml"), encoding: .utf8)
        try workspace.write("name: [a broken copy\n", to: "broken.yaml")
        try workspace.write(good.replacingOccurrences(of: "seed: 1 ", with: "seed: 2 "), to: "other-seed.yaml")

        func twoContexts(_ rank1: [String], environment: [String] = []) -> [String] {
            mpi.base(tcp: false) + ["-np", "1", mpi.executable.path, "run", "p.yaml", "--exp-dir", "exp", "--stop-stage", "2", ":"]
                + ["-np", "1"] + environment + [mpi.executable.path] + rank1
        }
        let cases: [(name: String, arguments: [String], expected: [String])] = [
            ("unreadable recipe", twoContexts(["run", "broken.yaml", "--exp-dir", "exp", "--stop-stage", "2"]),
             ["rank 1 of 2", "broken.yaml"]),
            ("another recipe", twoContexts(["run", "other-seed.yaml", "--exp-dir", "exp", "--stop-stage", "2"]),
             ["rank 1 of 2", "disagrees with rank 0 on the pipeline config"]),
            ("failure mid-training", twoContexts(["run", "p.yaml", "--exp-dir", "exp", "--stop-stage", "2"],
                                                 environment: ["-x", "WAVEDISTILL_FAIL_AT_STEP=30"]),
             ["rank 1 of 2", "injected failure at step 30"]),
        ]
        for c in cases {
            let started = Date()
            let result = try mpi.run(c.arguments, in: workspace.url)
            let seconds = Date().timeIntervalSince(started)
            #expect(result.status != 0, "\(c.name): exit 0")
            #expect(seconds < 60, "\(c.name): took \(seconds) s")
            let ours = result.errorLines.filter { $0.hasPrefix("Error: rank") }
            #expect(ours.count == 1, "\(c.name): \(result.standardError)")
            for fragment in c.expected {
                #expect(ours.first?.contains(fragment) == true, "\(c.name): no '\(fragment)' in \(ours)")
            }
        }
    }

    /// An indivisible global batch is a config error naming the key and the process count, before
    /// anything trains; tools that are not pipeline stages refuse to run as several processes.
    @Test func indivisibleBatchAndSingleProcessToolsAreRefused() throws {
        let mpi = try MPIRun.locate()
        let workspace = try Workspace()
        try Self.writeRecipe(workspace, teacherSteps: 4, studentSteps: 4, every: 1, batch: 3)
        let result = try mpi.run(mpi.arguments(2, tcp: false, ["run", "p.yaml", "--exp-dir", "exp"]), in: workspace.url)
        #expect(result.status != 0)
        #expect(result.standardError.contains("training.teacher.batch_size is 3, which does not split into 2 equal shares"),
                "\(result.standardError)")
        #expect(!FileManager.default.fileExists(atPath: workspace.file("exp/02-train-teacher").path))
        let tool = try mpi.run(mpi.arguments(2, tcp: false, ["info", "p.yaml"]), in: workspace.url)
        #expect(tool.status != 0)
        #expect(tool.standardError.contains("this command runs in one process"), "\(tool.standardError)")
    }
}
