import ArgumentParser

/// The `wavedistill` command: every stage of the pipeline is a subcommand.
@main
struct Wavedistill: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wavedistill",
        abstract: "Train fast neural vocoders by probability density distillation (Parallel WaveNet).",
        subcommands: [
            BenchLayersCommand.self,
            BenchCommand.self,
            InfoCommand.self,
            FeaturesCommand.self,
        ]
    )
}
