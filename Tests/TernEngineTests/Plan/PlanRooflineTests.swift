import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import TernEngine
import TernGGUF
import XCTest

/// The devices' balance points, each layer kind's arithmetic intensity worked by hand, and the
/// SVG plot.
final class PlanRooflineTests: XCTestCase {
    /// A100: 312 TFLOP/s bf16 over 1.555 TB/s ≈ 200.6 FLOPs per byte.
    func testA100BalancePoint() throws {
        let a100 = try XCTUnwrap(Device.named("a100"))
        XCTAssertEqual(a100.balance, 200.643, accuracy: 0.001)
        XCTAssertEqual(try XCTUnwrap(Device.named("H100")).balance, 989 / 3.35, accuracy: 0.01)
        XCTAssertNil(Device.named("abacus"))
        for device in Device.known {
            XCTAssertFalse(device.source.isEmpty, device.name)
            XCTAssertGreaterThan(device.balance, 10, device.name)
        }
    }

    /// One bf16 4096 × 4096 matrix: 2·B·4096² FLOPs over 2·4096² weight bytes and B·(4096 + 4096)·2
    /// activation bytes. At B = 1 about 1 FLOP per byte; compute-bound on an A100 from
    /// B = 200.64·2·4096² / (2·4096² − 200.64·16384) ≈ 222.4 (200.6 if activations were free).
    func testMatrixIntensityAndCrossing() throws {
        let bf16 = GGMLTypeTraits.of(30)!
        let model = ModelDescription(architecture: "llama", layers: 1, dim: 4096, vocabulary: 1, contextLength: nil,
                                     attention: AttentionShape(heads: 32, kvHeads: 8, keyDim: 128, valueDim: 128),
                                     tensors: [PlannedTensor(name: "blk.0.ffn_up.weight", shape: [4096, 4096], storage: bf16)])
        let a100 = try XCTUnwrap(Device.named("a100"))
        let one = try XCTUnwrap(Roofline(model, device: a100, batch: 1, context: 1).points.first { $0.kind == "mlp" })
        XCTAssertEqual(one.flops, 2 * 4096 * 4096)
        XCTAssertEqual(one.bytes, 2 * 4096 * 4096 + 16384)
        XCTAssertEqual(one.intensity, 0.99951, accuracy: 1e-5)
        XCTAssertEqual(one.bound, "memory")
        XCTAssertEqual(try XCTUnwrap(one.computeBoundFromBatch), 222.435, accuracy: 0.001)
        XCTAssertEqual(one.attainable, one.intensity * 1.555e12, accuracy: 1)

        let big = try XCTUnwrap(Roofline(model, device: a100, batch: 256, context: 1).points.first { $0.kind == "mlp" })
        let n: Double = 4096 * 4096
        XCTAssertEqual(big.intensity, 512 * n / (2 * n + 256 * 16384), accuracy: 1e-9)  // 227.6
        XCTAssertEqual(big.bound, "compute")
        XCTAssertEqual(big.attainable, 312e12)
    }

    /// Attention over the cache does 2·H·(Dk + Dv) FLOPs per position and reads Hkv·(Dk + Dv)·2
    /// bytes: H / Hkv FLOPs per byte at any batch; memory-bound on every GPU.
    func testAttentionIntensityIsTheGroupSize() throws {
        let model = PlanFixtures.decoder(layers: 2, dim: 4096, heads: 32, kvHeads: 8, headDim: 128, ffn: 14336, vocabulary: 128_256)
        let a100 = try XCTUnwrap(Device.named("a100"))
        for batch in [1, 64] {
            let roof = Roofline(model, device: a100, batch: batch, context: 4096)
            let attention = try XCTUnwrap(roof.points.first { $0.kind == "attention over KV" })
            XCTAssertEqual(attention.intensity, 4, accuracy: 1e-12)
            XCTAssertEqual(attention.bytes, Double(batch) * 4096 * 2 * 8 * 256 * 2)
            XCTAssertNil(attention.computeBoundFromBatch)
            XCTAssertEqual(attention.bound, "memory")
        }
        let kinds = Roofline(model, device: a100, batch: 1, context: 16).points.map(\.kind)
        XCTAssertEqual(kinds, ["attention projections", "mlp", "output head", "attention over KV"])
    }

    /// Routed experts: each sees B·k/E tokens; the bytes are the experts a batch touches.
    func testExpertsIntensity() throws {
        let model = try PlanFixtures.model(gguf: "qwen3moe")  // 8 experts, top 2, F32
        let a100 = try XCTUnwrap(Device.named("a100"))
        let one = try XCTUnwrap(Roofline(model, device: a100, batch: 1, context: 8).points.first { $0.kind == "experts" })
        let routed: Double = 2 * 3 * 64 * 32 * 8, router: Double = 2 * 64 * 8  // two layers
        let active: Double = routed / 4 + router
        XCTAssertEqual(one.flops, 2 * active)
        // Touched: a quarter of the routed experts' bf16 bytes and the router, plus bf16
        // activations in and out: per layer the router's (64 + 8), and a quarter of 8 experts'
        // gate, up (64 + 32 each) and down (32 + 64).
        let perLayer: Double = 2 * (64 + 8) + 2 * 8 * 288 / 4
        XCTAssertEqual(one.bytes, 2 * active + 2 * perLayer, accuracy: 1e-6)
    }

    func testSVGIsSelfContainedAndLabelled() throws {
        let model = try PlanFixtures.model(gguf: "deepseek2")
        let roof = Roofline(model, device: try XCTUnwrap(Device.named("h100")), batch: 8, context: 256)
        let svg = RooflineSVG(roof, title: "deepseek2 <tiny> & h100").render()
        XCTAssertTrue(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        XCTAssertTrue(svg.contains("<polyline"))  // the roof
        XCTAssertTrue(svg.contains("balance 295"))
        for point in roof.points { XCTAssertTrue(svg.contains(point.kind), point.kind) }
        XCTAssertEqual(svg.components(separatedBy: "<circle").count - 1, roof.points.count)
        XCTAssertFalse(svg.contains("href"))  // nothing outside the file
        XCTAssertTrue(svg.contains("deepseek2 &lt;tiny&gt; &amp; h100"))
        let parser = XMLParser(data: Data(svg.utf8))
        XCTAssertTrue(parser.parse(), "well-formed XML: \(String(describing: parser.parserError))")
    }
}
