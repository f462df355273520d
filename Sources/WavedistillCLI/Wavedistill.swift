import ArgumentParser
import Tensors

/// The `wavedistill` command: every stage of the pipeline is a subcommand.
@main
struct Wavedistill: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wavedistill",
        abstract: "Train fast neural vocoders by probability density distillation (Parallel WaveNet).",
        subcommands: [
            // The pipeline, in stage order.
            RunCommand.self,
            PrepareCommand.self,
            TrainTeacherCommand.self,
            DistillCommand.self,
            SynthesizeCommand.self,
            EvaluateCommand.self,
            ReportCommand.self,
            // Tools.
            ScoreCommand.self,
            InfoCommand.self,
            FeaturesCommand.self,
            PitchCommand.self,
            SpectrogramCommand.self,
            BenchLayersCommand.self,
            BenchCommand.self,
            BenchTrainingCommand.self,
        ]
    )

    /// Sets the process's heap policy (`HeapPolicy`), joins the MPI job when `mpirun` started
    /// it (`DataParallelLaunch`), then parses and runs the command.
    static func main() {
        HeapPolicy.keepFreedMemoryForReuse()
        DataParallelLaunch.start()
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let bad = shortOptionGroup(in: arguments) {
            DataParallelLaunch.fail(CLIError("unknown option '\(bad)' (a file whose name starts with '-' goes after '--', or as ./\(bad))"))
        }
        DataParallelLaunch.run(arguments)
    }

    /// The first argument (before `--`) that ArgumentParser would split into single-letter flags:
    /// `-dash.wav` contains `h`, so it printed the help and exited 0 with nothing done. The only
    /// short option is `-h`, and negative numbers (`-1`, `-0.5`) are values, not flags.
    static func shortOptionGroup(in arguments: [String]) -> String? {
        for argument in arguments {
            if argument == "--" { return nil }
            guard argument.hasPrefix("-"), !argument.hasPrefix("--"), argument != "-h", argument != "-" else { continue }
            if Double(argument) != nil { continue }
            return argument
        }
        return nil
    }
}
