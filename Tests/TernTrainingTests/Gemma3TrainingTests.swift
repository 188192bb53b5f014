import Foundation
import TernEmbeddings
import TernGGUF
import TernKernels
import TernModels
import TernTraining
import XCTest

/// Gemma 3's training pass on a tiny random-weight model written with Tern's GGUF writer: its
/// loss equals the inference forward's (TernModels' Gemma3, exact numerics), packing keeps
/// sequences apart, and its gradients (LoRA and full) match central differences.
final class Gemma3TrainingTests: XCTestCase {
    static let V = 48, C = 32, H = 4, Hkv = 2, D = 16, F = 64, layers = 6, window = 4

    /// A Gemma-3-shaped GGUF with random F32 weights (6 layers, so layer 5 is global).
    static func tinyModel(seed: UInt64) throws -> Gemma3 { try model(tinyTensors(seed: seed)) }

    static func tinyTensors(seed: UInt64) -> [(name: String, shape: [Int], data: [Float])] {
        var rng = TestRandom(seed)
        var tensors: [(String, [Int], [Float])] = []
        func tensor(_ name: String, _ shape: [Int], scale: Float, around: Float = 0) {
            tensors.append((name, shape, rng.floats(shape.reduce(1, *), scale).map { $0 + around }))
        }
        tensor("token_embd.weight", [C, V], scale: 0.5)
        tensor("output_norm.weight", [C], scale: 0.3, around: 1)
        for l in 0..<layers {
            let p = "blk.\(l)."
            for n in ["attn_norm", "post_attention_norm", "ffn_norm", "post_ffw_norm"] { tensor(p + n + ".weight", [C], scale: 0.3, around: 1) }
            for n in ["attn_q_norm", "attn_k_norm"] { tensor(p + n + ".weight", [D], scale: 0.3, around: 1) }
            tensor(p + "attn_q.weight", [C, H * D], scale: 0.3)
            tensor(p + "attn_k.weight", [C, Hkv * D], scale: 0.3)
            tensor(p + "attn_v.weight", [C, Hkv * D], scale: 0.3)
            tensor(p + "attn_output.weight", [H * D, C], scale: 0.3)
            tensor(p + "ffn_gate.weight", [C, F], scale: 0.3)
            tensor(p + "ffn_up.weight", [C, F], scale: 0.3)
            tensor(p + "ffn_down.weight", [F, C], scale: 0.3)
        }
        return tensors.map { (name: $0.0, shape: $0.1, data: $0.2) }
    }

    /// Writes the tiny configuration and `tensors` (GGUF names, ggml shapes, F32) with Tern's GGUF
    /// writer and loads the file as Gemma 3 (with `adapters` in its inference forward).
    static func model(_ tensors: [(name: String, shape: [Int], data: [Float])], adapters: [LoRAAdapter] = []) throws -> Gemma3 {
        let path = try writeModel(tensors)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let loaded = try ModelRegistry.load(GGUFFile(path: path), threads: 2, adapters: adapters)  // errors reach the caller
        return try XCTUnwrap(loaded as? Gemma3)
    }

    /// The tiny model's GGUF file (the caller removes it); with `tokenizer`, a SentencePiece
    /// vocabulary of V pieces too ("<pad>", "<eos>", "<bos>", "<unk>", then "▁a" … "▁z", "▁0" …), so the
    /// engine can load and sample from it.
    static func writeModel(_ tensors: [(name: String, shape: [Int], data: [Float])], tokenizer: Bool = false) throws -> String {
        var w = GGUFWriter()
        if tokenizer {
            let letters = Array("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ").prefix(V - 4)
            let pieces = ["<pad>", "<eos>", "<bos>", "<unk>"] + letters.map { "▁\($0)" }
            w.add("tokenizer.ggml.model", .string("llama"))
            w.add("tokenizer.ggml.tokens", .array(pieces.map { .string($0) }))
            w.add("tokenizer.ggml.scores", .array(pieces.indices.map { .float32(-Float($0)) }))
            w.add("tokenizer.ggml.token_type", .array(pieces.indices.map { .int32($0 < 4 ? 3 : 1) }))
            w.add("tokenizer.ggml.bos_token_id", .uint32(2))
            w.add("tokenizer.ggml.eos_token_id", .uint32(1))
            w.add("tokenizer.ggml.add_bos_token", .bool(true))
        }
        w.add("general.architecture", .string("gemma3"))
        for (k, v) in [("embedding_length", C), ("attention.head_count", H), ("attention.head_count_kv", Hkv),
                       ("attention.key_length", D), ("block_count", layers), ("feed_forward_length", F),
                       ("context_length", 64), ("attention.sliding_window", window)] {
            w.add("gemma3." + k, .uint32(UInt32(v)))
        }
        w.add("gemma3.attention.layer_norm_rms_epsilon", .float32(1e-6))
        w.add("gemma3.rope.freq_base", .float32(1_000_000))
        for t in tensors { w.addTensor(name: t.name, shape: t.shape, floats: t.data) }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tiny-train-\(UUID().uuidString).gguf").path
        try w.write(to: path)
        return path
    }

    /// Hugging Face's name for a GGUF weight, as llama.cpp's convert_hf_to_gguf.py maps Gemma 3.
    static func huggingFaceName(_ gguf: String) -> String {
        if gguf == "token_embd.weight" { return "model.embed_tokens.weight" }
        if gguf == "output_norm.weight" { return "model.norm.weight" }
        let parts = gguf.split(separator: ".")
        let module = ["attn_norm": "input_layernorm", "post_attention_norm": "post_attention_layernorm",
                      "ffn_norm": "pre_feedforward_layernorm", "post_ffw_norm": "post_feedforward_layernorm",
                      "attn_q_norm": "self_attn.q_norm", "attn_k_norm": "self_attn.k_norm", "attn_q": "self_attn.q_proj",
                      "attn_k": "self_attn.k_proj", "attn_v": "self_attn.v_proj", "attn_output": "self_attn.o_proj",
                      "ffn_gate": "mlp.gate_proj", "ffn_up": "mlp.up_proj", "ffn_down": "mlp.down_proj"][String(parts[2])]!
        return "model.layers.\(parts[1]).\(module).weight"
    }

    /// Loss and every gradient against transformers' Gemma3ForCausalLM in float64
    /// (scripts/gemma3_grad_reference.py wrote Fixtures/gemma3-grads.safetensors).
    func testLossAndGradientsMatchTransformers() throws {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "gemma3-grads", withExtension: "safetensors", subdirectory: "Fixtures"))
        let f = try SafeTensorsFile(path: url.path)
        // The model as convert_hf_to_gguf.py writes it: names mapped, norm weights + 1 (Gemma's (1 + w)).
        let names = Gemma3Training(model: try Self.tinyModel(seed: 1), mode: .full).parameters.map(\.name)  // every weight's GGUF name
        var tensors: [(name: String, shape: [Int], data: [Float])] = []
        for name in names {
            let hf = Self.huggingFaceName(name), t = try XCTUnwrap(f.tensors[hf], hf)
            var data = try f.floats(hf, shape: t.shape)
            if name.hasSuffix("norm.weight") { data = data.map { $0 + 1 } }
            tensors.append((name, t.shape.reversed(), data))
        }
        let trainer = Gemma3Training(model: try Self.model(tensors), mode: .full)
        let tokens = try JSONDecoder().decode([Int].self, from: Data(try XCTUnwrap(f.metadata["tokens"]).utf8))
        let labels = try JSONDecoder().decode([Int].self, from: Data(try XCTUnwrap(f.metadata["labels"]).utf8))
        // Hugging Face's label t is the token to predict after token t − 1.
        let targets = (0..<tokens.count).map { t in t + 1 < labels.count && labels[t + 1] >= 0 ? labels[t + 1] : -1 }
        let count = targets.filter { $0 >= 0 }.count
        let nll = trainer.run(tokens: tokens, starts: Array(repeating: 0, count: tokens.count), targets: targets,
                              gradScale: 1 / Float(count), backward: true)
        let expected = try XCTUnwrap(Double(try XCTUnwrap(f.metadata["loss"])))
        XCTAssertEqual(nll / Double(count), expected, accuracy: 1e-5 * expected, "loss")
        XCTAssertEqual(trainer.parameters.count, tensors.count)
        for p in trainer.parameters {
            let hf = "grad." + Self.huggingFaceName(p.name), t = try XCTUnwrap(f.tensors[hf], hf)
            assertMatchesReference(p.grads, try f.floats(hf, shape: t.shape), p.name)
        }
    }

    /// Σ −log p(next token) from the inference forward pass, with float numerics everywhere.
    private func inferenceNLL(_ model: Gemma3, _ tokens: [Int]) -> Double {
        let state = model.makeState(contextSize: 64, maxBatch: tokens.count, numerics: .exact)
        var hidden = [Float](repeating: 0, count: tokens.count * Self.C)
        var logits = [Float](repeating: 0, count: tokens.count * Self.V)
        model.forward(tokens[...], state: state, hidden: &hidden)
        model.logits(hidden, rows: tokens.count, state: state, out: &logits)
        return (0..<tokens.count - 1).reduce(0.0) { total, t in
            let z = logits[t * Self.V..<(t + 1) * Self.V].map(Double.init), m = z.max()!
            return total + m + log(z.reduce(0) { $0 + exp($1 - m) }) - z[tokens[t + 1]]
        }
    }

    private let a = [5, 17, 3, 3, 40, 22, 9, 31, 0, 12, 47, 8]  // 12 tokens: the window of 4 matters
    private let b = [7, 7, 19, 2, 44, 30]

    /// Packs sequences into one batch: starts and next-token targets (none across a boundary).
    private func pack(_ sequences: [[Int]]) -> (tokens: [Int], starts: [Int], targets: [Int]) {
        var tokens: [Int] = [], starts: [Int] = [], targets: [Int] = []
        for s in sequences {
            let start = tokens.count
            tokens += s
            starts += Array(repeating: start, count: s.count)
            targets += Array(s.dropFirst()) + [-1]
        }
        return (tokens, starts, targets)
    }

    func testLossEqualsTheInferenceForwardAndPackingKeepsSequencesApart() throws {
        let model = try Self.tinyModel(seed: 30)
        for mode in [TrainingMode.full, .lora(rank: 4, alpha: 8)] {
            let trainer = Gemma3Training(model: model, mode: mode)
            let one = pack([a])
            let nll = trainer.run(tokens: one.tokens, starts: one.starts, targets: one.targets, backward: false)
            XCTAssertEqual(nll, inferenceNLL(model, a), accuracy: 1e-4 * abs(nll), "\(mode)")
            let both = pack([a, b])
            let packed = trainer.run(tokens: both.tokens, starts: both.starts, targets: both.targets, backward: false)
            XCTAssertEqual(packed, inferenceNLL(model, a) + inferenceNLL(model, b), accuracy: 1e-4 * packed, "\(mode)")
        }
    }

    /// The engine's forward pass with a trained adapter (read back from llama.cpp's format) gives
    /// the loss the training pass gives with the same adapter; an adapter for another shape is refused.
    func testInferenceWithTheAdapterMatchesTraining() throws {
        let tensors = Self.tinyTensors(seed: 35)
        let trainer = Gemma3Training(model: try Self.model(tensors), mode: .lora(rank: 3, alpha: 6, targets: [.q, .k, .v, .o, .gate, .up, .down]))
        var rng = TestRandom(36)
        for a in trainer.adapters { a.b.set(rng.floats(a.b.count, 0.3)) }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("adapter-\(UUID()).gguf").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try AdapterGGUF.write(trainer.adapters, architecture: "gemma3", to: path)
        let adapted = try Self.model(tensors, adapters: [try LoRAAdapter(path: path)])
        let one = pack([a])
        let trained = trainer.run(tokens: one.tokens, starts: one.starts, targets: one.targets, backward: false)
        XCTAssertEqual(inferenceNLL(adapted, a), trained, accuracy: 1e-4 * trained)
        XCTAssertGreaterThan(abs(inferenceNLL(try Self.model(tensors), a) - trained), 1e-2, "the adapter changes the model")
        let half = try Self.model(tensors, adapters: [try LoRAAdapter(path: path, scale: 0)])
        XCTAssertEqual(inferenceNLL(half, a), inferenceNLL(try Self.model(tensors), a), accuracy: 1e-9, "scale 0 is the base model")
        // F16 (llama.cpp's usual adapter type): half the file, the same loss within half precision.
        let f16 = path + ".f16.gguf"
        defer { try? FileManager.default.removeItem(atPath: f16) }
        try AdapterGGUF.write(trainer.adapters, architecture: "gemma3", type: .f16, to: f16)
        XCTAssertEqual(try GGUFFile(path: f16).tensor(named: "blk.0.attn_q.weight.lora_a")?.type, .f16)
        XCTAssertEqual(inferenceNLL(try Self.model(tensors, adapters: [try LoRAAdapter(path: f16)]), a), trained, accuracy: 2e-3 * trained)
        XCTAssertThrowsError(try AdapterGGUF.write(trainer.adapters, architecture: "gemma3", type: .q8_0, to: f16))

        // An adapter trained for other shapes, and a file that is no adapter.
        let other = Gemma3Training(model: try Self.model(tensors), mode: .lora(rank: 2, alpha: 2, targets: [.q]))
        var w = GGUFWriter()
        w.add("general.architecture", .string("gemma3"))
        w.add("general.type", .string("adapter"))
        w.add("adapter.type", .string("lora"))
        w.addTensor(name: "blk.0.attn_q.weight.lora_a", shape: [Self.C + 1, 2], floats: [Float](repeating: 0, count: 2 * (Self.C + 1)))
        w.addTensor(name: "blk.0.attn_q.weight.lora_b", shape: [2, Self.H * Self.D], floats: other.adapters[0].b.values)
        try w.write(to: path)
        XCTAssertThrowsError(try Self.model(tensors, adapters: [try LoRAAdapter(path: path)])) {
            XCTAssertTrue("\($0)".contains("trained for another model"), "\($0)")
        }
        var plain = GGUFWriter()
        plain.add("general.architecture", .string("gemma3"))
        try plain.write(to: path)
        XCTAssertThrowsError(try LoRAAdapter(path: path)) {
            XCTAssertTrue("\($0)".contains("is not a usable LoRA adapter"), "\($0)")
        }
    }

    /// Merging the adapter into the weights (`tern export --merge`) gives the model the engine runs
    /// with the adapter: exactly in F32, within Q8_0's rounding in Q8_0.
    func testMergedModelEqualsBasePlusAdapter() throws {
        let tensors = Self.tinyTensors(seed: 37)
        let trainer = Gemma3Training(model: try Self.model(tensors), mode: .lora(rank: 2, alpha: 4, targets: [.q, .o, .down]))
        var rng = TestRandom(38)
        for a in trainer.adapters { a.b.set(rng.floats(a.b.count, 0.3)) }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("merge-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try AdapterGGUF.write(trainer.adapters, architecture: "gemma3", to: dir + "/adapter.gguf")
        let adapter = try LoRAAdapter(path: dir + "/adapter.gguf")
        let basePath = try Self.writeModel(tensors)
        defer { try? FileManager.default.removeItem(atPath: basePath) }
        let expected = inferenceNLL(try Self.model(tensors, adapters: [adapter]), a)
        for type in [GGMLType.f32, .q8_0] {
            let out = dir + "/merged-\(type).gguf"
            try AdapterMerge.write(base: GGUFFile(path: basePath), adapters: [adapter], type: type, to: out)
            let file = try GGUFFile(path: out)
            XCTAssertEqual(file.tensor(named: "blk.3.ffn_down.weight")?.type, type)
            XCTAssertEqual(file.tensor(named: "blk.3.ffn_up.weight")?.type, .f32, "not adapted: copied as it was")
            XCTAssertEqual(file.metadata["gemma3.attention.sliding_window"]?.int, Self.window)
            let merged = try XCTUnwrap(try ModelRegistry.load(file, threads: 2) as? Gemma3)
            XCTAssertEqual(inferenceNLL(merged, a), expected, accuracy: (type == .f32 ? 1e-5 : 2e-2) * expected, "\(type)")
        }
    }

    /// A full fine-tuning run's weights written as a model file run as they were trained.
    func testFullRunSavesAModelThatRunsAsTrained() throws {
        let tensors = Self.tinyTensors(seed: 39)
        let basePath = try Self.writeModel(tensors)
        defer { try? FileManager.default.removeItem(atPath: basePath) }
        let trainer = Gemma3Training(model: try Self.model(tensors), mode: .full)
        let batch = pack([a, b]), opt = AdamW(parameters: trainer.parameters, weightDecay: 0)
        for _ in 0..<3 {
            for p in trainer.parameters { p.zeroGrad() }
            _ = trainer.run(tokens: batch.tokens, starts: batch.starts, targets: batch.targets, backward: true)
            opt.step(learningRate: 1e-2)
        }
        let out = basePath + ".trained.gguf"
        defer { try? FileManager.default.removeItem(atPath: out) }
        try AdapterMerge.write(base: GGUFFile(path: basePath), parameters: trainer.parameters, type: .f32, to: out)
        let saved = try XCTUnwrap(try ModelRegistry.load(GGUFFile(path: out), threads: 2) as? Gemma3)
        let one = pack([a])
        let trained = trainer.run(tokens: one.tokens, starts: one.starts, targets: one.targets, backward: false)
        XCTAssertEqual(inferenceNLL(saved, a), trained, accuracy: 1e-4 * trained)
        XCTAssertGreaterThan(abs(inferenceNLL(try Self.model(tensors), a) - trained), 1e-2, "training changed the model")
        XCTAssertEqual(try GGUFFile(path: out).tensor(named: "blk.0.attn_norm.weight")?.type, .f32)
    }

    /// Central differences at `count` coordinates of `p` spread over it.
    private func checkSampled(_ name: String, _ p: Parameter, count: Int, tolerance: Double = 3e-3, h: Float = 1e-2,
                              loss: () -> Double) {
        let analytic = p.grads, scaleMax = max(1e-6, analytic.map { Double(abs($0)) }.max() ?? 0)
        let step = max(1, p.count / count)
        var worst = 0.0
        for i in stride(from: 0, to: p.count, by: step) {
            let saved = p.value[i]
            p.value[i] = saved + h
            let up = loss()
            p.value[i] = saved - h
            let down = loss()
            p.value[i] = saved
            worst = max(worst, abs((up - down) / (2 * Double(h)) - Double(analytic[i])) / scaleMax)
        }
        XCTAssertLessThan(worst, tolerance, name)
        XCTAssertGreaterThan(scaleMax, 1e-6, "\(name) has a gradient")
    }

    /// A run started from a saved adapter (`tern train sft --lora`) begins with its weights; a file
    /// of another rank, or adapting layers this run does not train, is refused.
    func testARunStartsFromASavedAdapter() throws {
        let model = try Self.tinyModel(seed: 42)
        let first = Gemma3Training(model: model, mode: .lora(rank: 3, alpha: 6, targets: [.q, .v]))
        var rng = TestRandom(43)
        for p in first.parameters { p.set(rng.floats(p.count, 0.3)) }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("start-\(UUID()).gguf").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try AdapterGGUF.write(first.adapters, architecture: "gemma3", to: path)
        let next = Gemma3Training(model: model, mode: .lora(rank: 3, alpha: 6, targets: [.q, .v, .o], seed: 9))
        try next.initialize(from: LoRAAdapter(path: path))
        for p in first.parameters {
            XCTAssertEqual(next.parameters.first { $0.name == p.name }?.values, p.values, p.name)
        }
        XCTAssertTrue(next.parameters.filter { $0.name.contains("attn_output") && $0.name.hasSuffix("lora_b") }.allSatisfy { $0.values.allSatisfy { $0 == 0 } },
                      "a layer the file lacks starts fresh")
        XCTAssertThrowsError(try Gemma3Training(model: model, mode: .lora(rank: 4, alpha: 6, targets: [.q, .v])).initialize(from: LoRAAdapter(path: path))) {
            XCTAssertTrue("\($0)".contains("--lora-rank 3"), "\($0)")
        }
        XCTAssertThrowsError(try Gemma3Training(model: model, mode: .lora(rank: 3, alpha: 6, targets: [.q])).initialize(from: LoRAAdapter(path: path))) {
            XCTAssertTrue("\($0)".contains("--lora-targets"), "\($0)")
        }
    }

    /// QLoRA's forward on a quantized base (`integerForward`): the inference engine's integer
    /// kernels, so the loss is the engine's own; its straight-through gradients stay close to the
    /// exact float forward's.
    func testIntegerForwardIsTheEnginesForward() throws {
        let tensors = Self.tinyTensors(seed: 40)
        let f32 = try Self.writeModel(tensors), q8 = f32 + ".q8_0.gguf"
        defer { try? FileManager.default.removeItem(atPath: f32); try? FileManager.default.removeItem(atPath: q8) }
        let dense = Gemma3Training(model: try Self.model(tensors), mode: .full)
        try AdapterMerge.write(base: GGUFFile(path: f32), parameters: dense.parameters, type: .q8_0, to: q8)
        let model = try XCTUnwrap(ModelRegistry.load(GGUFFile(path: q8), threads: 2) as? Gemma3)
        XCTAssertEqual(model.layers[0].wq.type, .q8_0)
        let integer = Gemma3Training(model: model, mode: .lora(rank: 2, alpha: 4, seed: 3), integerForward: true)
        let float = Gemma3Training(model: model, mode: .lora(rank: 2, alpha: 4, seed: 3))
        let both = Gemma3Training(model: model, mode: .lora(rank: 2, alpha: 4, seed: 3), integerForward: true, integerBackward: true)
        let one = pack([a])
        let nll = integer.run(tokens: one.tokens, starts: one.starts, targets: one.targets, backward: false)
        XCTAssertEqual(nll, inferenceNLL(model, a), accuracy: 1e-5 * nll, "the engine's forward")
        let exact = float.run(tokens: one.tokens, starts: one.starts, targets: one.targets, backward: false)
        XCTAssertNotEqual(nll, exact, accuracy: 1e-7 * nll, "activations were quantized")
        XCTAssertEqual(nll, exact, accuracy: 2e-2 * nll)

        var rng = TestRandom(41)
        for (p, q) in zip(integer.parameters, float.parameters) where p.name.hasSuffix("lora_b") {
            let b = rng.floats(p.count, 0.2)
            p.set(b)
            q.set(b)
        }
        for (p, q) in zip(both.parameters, float.parameters) { p.set(q.values) }
        let batch = pack([a, b])
        for trainer in [integer, float, both] { _ = trainer.run(tokens: batch.tokens, starts: batch.starts, targets: batch.targets, backward: true) }
        func cosine(_ x: [Float], _ y: [Float]) -> Double {
            let dot = zip(x, y).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            return dot / (x.reduce(0.0) { $0 + Double($1 * $1) } * y.reduce(0.0) { $0 + Double($1 * $1) }).squareRoot()
        }
        for (p, q) in zip(integer.parameters, float.parameters) { XCTAssertGreaterThan(cosine(p.grads, q.grads), 0.99, p.name) }
        // Input gradients against Q8_0 copies of Wᵀ: close to the float ones, and not the same numbers.
        for (p, q) in zip(both.parameters, integer.parameters) {
            XCTAssertGreaterThan(cosine(p.grads, q.grads), 0.99, p.name)
            if p.name.hasPrefix("blk.0.") && p.name.hasSuffix("lora_a") { XCTAssertNotEqual(p.grads, q.grads, p.name) }
        }
    }

    func testLoRAGradients() throws {
        let model = try Self.tinyModel(seed: 31)
        let trainer = Gemma3Training(model: model, mode: .lora(rank: 2, alpha: 4, seed: 3))
        var rng = TestRandom(32)
        for p in trainer.parameters where p.name.hasSuffix("lora_b") { p.set(rng.floats(p.count, 0.2)) }
        let batch = pack([a, b])
        let loss = { trainer.run(tokens: batch.tokens, starts: batch.starts, targets: batch.targets, backward: false) }
        XCTAssertEqual(trainer.parameters.count, 2 * 7 * Self.layers, "A and B on q, k, v, o, gate, up, down")
        _ = trainer.run(tokens: batch.tokens, starts: batch.starts, targets: batch.targets, backward: true)
        for p in trainer.parameters where p.name.hasPrefix("blk.0.") || p.name.hasPrefix("blk.5.") {
            checkSampled(p.name, p, count: 12, loss: loss)
        }
    }

    func testFullGradients() throws {
        let model = try Self.tinyModel(seed: 33)
        let trainer = Gemma3Training(model: model, mode: .full)
        let batch = pack([a, b])
        let loss = { trainer.run(tokens: batch.tokens, starts: batch.starts, targets: batch.targets, backward: false) }
        _ = trainer.run(tokens: batch.tokens, starts: batch.starts, targets: batch.targets, backward: true)
        let names = Set(trainer.parameters.map(\.name))
        XCTAssertTrue(names.contains("token_embd.weight") && names.contains("blk.3.attn_k_norm.weight"))
        for p in trainer.parameters where p.name.hasPrefix("blk.1.") || p.name.hasPrefix("blk.5.") || !p.name.hasPrefix("blk.") {
            checkSampled(p.name, p, count: 10, loss: loss)
        }
    }

    func testAFewStepsLowerTheLoss() throws {
        let model = try Self.tinyModel(seed: 34)
        let trainer = Gemma3Training(model: model, mode: .lora(rank: 4, alpha: 8))
        let batch = pack([a, b]), n = Float(batch.targets.filter { $0 >= 0 }.count)
        let opt = AdamW(parameters: trainer.parameters, weightDecay: 0)
        var losses: [Double] = []
        for _ in 0..<20 {
            for p in trainer.parameters { p.zeroGrad() }
            losses.append(trainer.run(tokens: batch.tokens, starts: batch.starts, targets: batch.targets, gradScale: 1 / n, backward: true) / Double(n))
            opt.step(learningRate: 1e-2)
        }
        XCTAssertLessThan(losses.last!, 0.5 * losses.first!, "\(losses)")
    }
}
