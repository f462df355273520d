import ArgumentParser
import DataParallel
import Foundation
import Tensors
import Training

/// The commands that may run as N > 1 processes under `mpirun`: the pipeline's. Training stages
/// split every batch over the processes; the other stages run on rank 0 while the rest wait.
protocol DataParallelCommand {}

extension RunCommand: DataParallelCommand {}
extension PrepareCommand: DataParallelCommand {}
extension TrainTeacherCommand: DataParallelCommand {}
extension DistillCommand: DataParallelCommand {}
extension EvaluateCommand: DataParallelCommand {}
/// The training benchmark measures data-parallel steps (docs/distributed.md).
extension BenchTrainingCommand: DataParallelCommand {}

/// The process group of this run: MPI's when started by `mpirun`, else a single process.
enum DataParallelLaunch {
    /// Set once, by `start()`, before any command runs.
    nonisolated(unsafe) private(set) static var mpi: MPIProcessGroup?

    static var group: any ProcessGroup { mpi ?? SingleProcess() }

    /// Initialises MPI when an MPI launcher started this process (nothing otherwise), and gives
    /// each process an equal share of this machine's cores unless `--threads` says otherwise.
    static func start() {
        do {
            mpi = try MPIProcessGroup.launch()
        } catch {
            CLISupport.printToStandardError("Error: MPI could not start: \(error)")
            exit(1)
        }
        if let mpi, mpi.localSize > 1 {
            let cores = ProcessInfo.processInfo.activeProcessorCount
            Compute.setThreads(max(1, cores / mpi.localSize))
        }
    }

    /// Runs `arguments` as the command line. Alone, ArgumentParser reports errors as usual.
    /// In a group of N > 1, a failing process prints one line naming its rank and the cause and
    /// ends the whole job (MPI_Abort): the others would otherwise wait for it for ever.
    static func run(_ arguments: [String]) {
        do {
            var command = try Wavedistill.parseAsRoot(arguments)
            if let mpi, mpi.size > 1, !(command is DataParallelCommand) {
                throw CLIError("this command runs in one process: start it without mpirun (only run, prepare, train-teacher, distill, evaluate and bench-training run as \(mpi.size) processes)")
            }
            try command.run()
        } catch {
            fail(error)
        }
        mpi?.finish()
    }

    /// Reports `error` and exits: alone as ArgumentParser does; in a group, with the rank.
    static func fail(_ error: any Error) -> Never {
        let code = Wavedistill.exitCode(for: error)
        if let mpi, mpi.size > 1, code != .success {
            CLISupport.printToStandardError("Error: \(mpi.description): \(Wavedistill.message(for: error))")
            mpi.abort(code: code.rawValue)
        }
        mpi?.finish()
        Wavedistill.exit(withError: error)
    }
}
