import TernEngine
import TernStore

/// The default model, fetched through the same store users go through, loaded once per test run.
enum DefaultModel {
    nonisolated(unsafe) private static var cached: LoadedModel?

    static func load() throws -> LoadedModel {
        if let m = cached { return m }
        let m = try LoadedModel(path: ModelStore().resolve(ModelStore.defaultModelName), threads: 2)
        cached = m
        return m
    }
}
