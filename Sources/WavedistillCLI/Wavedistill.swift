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
            // Tools.
            ScoreCommand.self,
            InfoCommand.self,
            FeaturesCommand.self,
            PitchCommand.self,
            SpectrogramCommand.self,
            BenchLayersCommand.self,
            BenchCommand.self,
        ]
    )

    /// Sets the process's heap policy (`HeapPolicy`), then parses and runs the command.
    static func main() {
        HeapPolicy.keepFreedMemoryForReuse()
        main(nil)
    }
}
