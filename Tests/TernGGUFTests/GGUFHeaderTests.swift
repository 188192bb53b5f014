import Foundation
import TernGGUF
import TernKernels
import XCTest

/// `GGUFHeader` reads only a file's header: it agrees with `GGUFFile` on complete files, still
/// reads files whose data is cut short or missing, grows its read for long headers, lists tensor
/// types Tern cannot compute with, and fails with the same typed errors on bad files.
final class GGUFHeaderTests: XCTestCase {
    /// The committed tiny Llama (converted by llama.cpp) in the model tests' fixtures.
    static let llama = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../TernModelsTests/Fixtures/zoo/llama/model-Q8_0.gguf").standardized.path

    private func write(_ bytes: [UInt8]) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("header-\(UUID().uuidString).gguf")
        try Data(bytes).write(to: url)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url.path
    }

    private func headerError(_ path: String) -> GGUFError? {
        do {
            _ = try GGUFHeader(path: path)
            XCTFail("expected a GGUFError for \(path)")
            return nil
        } catch {
            return error
        }
    }

    func testAgreesWithTheMappedFile() throws {
        let file = try GGUFFile(path: Self.llama)
        let header = try GGUFHeader(path: Self.llama)
        XCTAssertEqual(header.architecture, "llama")
        XCTAssertEqual(header.metadataKeys, file.metadataKeys)
        XCTAssertEqual(header.metadata, file.metadata)
        XCTAssertEqual(header.dataOffset, file.dataOffset)
        XCTAssertEqual(header.alignment, file.alignment)
        XCTAssertEqual(header.tensors.map(\.name), file.tensors.map(\.name))
        XCTAssertEqual(header.tensors.map(\.shape), file.tensors.map(\.shape))
        XCTAssertEqual(header.tensors.map(\.byteCount), file.tensors.map(\.byteCount))
        XCTAssertEqual(header.tensors.map(\.offset), file.tensors.map(\.offset))
        XCTAssertEqual(header.tensors.map(\.type), file.tensors.map(\.type))
        XCTAssertTrue(header.hasAllData)
        let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: Self.llama)[.size] as? Int)
        XCTAssertEqual(header.fileSize, size)
        XCTAssertEqual(header.dataEnd, size)  // the last tensor ends the file
        XCTAssertEqual(header.tensor(named: "token_embd.weight")?.shape, [64, 512])
    }

    /// A file cut anywhere in its data section (or right after its header) still has a header;
    /// GGUFFile, which needs the data, refuses it.
    func testDataCutShortOrMissing() throws {
        let whole = try Array(Data(contentsOf: URL(fileURLWithPath: Self.llama)))
        let full = try GGUFHeader(path: Self.llama)
        for cut in [full.dataOffset, full.dataOffset + 1000, whole.count - 1] {
            let path = try write(Array(whole[..<cut]))
            let header = try GGUFHeader(path: path)
            XCTAssertFalse(header.hasAllData, "cut at \(cut)")
            XCTAssertEqual(header.tensors.map(\.elementCount), full.tensors.map(\.elementCount))
            XCTAssertEqual(header.metadata, full.metadata)
            XCTAssertThrowsError(try GGUFFile(path: path)) { error in
                XCTAssertEqual((error as? GGUFError)?.kind, .truncated)
            }
        }
    }

    /// A header longer than the first read (8 MiB) is read by growing the read.
    func testHeaderLongerThanTheFirstRead() throws {
        let vocabulary = 700_000  // about 13 MB of token strings, scores and types
        let bytes = Samples.modelWriter(vocabulary: vocabulary).serialized()
        let path = try write(bytes)
        let header = try GGUFHeader(path: path)
        XCTAssertGreaterThan(header.dataOffset, 8 << 20)
        XCTAssertEqual(header.metadata["tokenizer.ggml.tokens"]?.strings?.count, vocabulary)
        XCTAssertTrue(header.hasAllData)
        XCTAssertEqual(header.tensors.count, try parse(bytes).tensors.count)
    }

    /// Types Tern does not compute with are listed with their ggml layout; GGUFFile refuses them.
    func testTensorTypesTernCannotRun() throws {
        var w = GGUFWriter()
        w.add("general.architecture", .string("llama"))
        w.addTensor(name: "w", shape: [512, 3], floats: Array(repeating: 1, count: 1536))
        var bytes = w.serialized()
        // Patch the type (u32 after the name, n_dims and two u64 dims) to ggml's Q2_K (10): 512
        // columns are 2 blocks of 84 bytes per row, 504 bytes in all, inside the F32 data.
        let name = Array("w".utf8)
        let at = try XCTUnwrap((8...(bytes.count - name.count)).first { Array(bytes[$0..<$0 + name.count]) == name && bytes[$0 - 8] == 1 })
        let typeOffset = at + name.count + 4 + 16
        XCTAssertEqual(bytes[typeOffset], 0)
        bytes[typeOffset] = 10
        let path = try write(bytes)
        let tensor = try XCTUnwrap(GGUFHeader(path: path).tensor(named: "w"))
        XCTAssertEqual(tensor.traits.name, "Q2_K")
        XCTAssertNil(tensor.type)
        XCTAssertEqual(tensor.byteCount, 3 * 2 * 84)
        XCTAssertEqual(tensor.traits.bitsPerWeight, 2.625)
        XCTAssertEqual(headerErrorOfFile(path)?.kind, .unsupportedTensorType)
    }

    private func headerErrorOfFile(_ path: String) -> GGUFError? {
        do {
            _ = try GGUFFile(path: path)
            return nil
        } catch {
            return error
        }
    }

    /// The traits table and Tern's own types agree on every type Tern computes with.
    func testTraitsAgreeWithTernTypes() throws {
        for type in GGMLType.allCases {
            let traits = try XCTUnwrap(GGMLTypeTraits.of(type.rawValue), "\(type)")
            XCTAssertEqual(traits.name, type.description)
            XCTAssertEqual(traits.blockSize, type.blockSize, "\(type)")
            XCTAssertEqual(traits.blockBytes, type.blockBytes, "\(type)")
            XCTAssertEqual(traits.computable, type)
        }
        XCTAssertEqual(GGMLTypeTraits.of(12)?.bitsPerWeight, 4.5)  // Q4_K: 144 bytes per 256
        XCTAssertNil(GGMLTypeTraits.of(4))  // Q4_2, retired
        XCTAssertNil(GGMLTypeTraits.of(99))
    }

    func testBadFiles() throws {
        XCTAssertEqual(headerError("/nonexistent/model.gguf")?.kind, .fileNotFound)
        XCTAssertEqual(headerError(FileManager.default.temporaryDirectory.path)?.kind, .io)
        XCTAssertEqual(headerError(try write(Array("just some text, not a model\n".utf8)))?.kind, .notGGUF)
        XCTAssertEqual(headerError(try write([]))?.kind, .truncated)
        // Cut inside the metadata: the header itself is incomplete.
        let whole = try Array(Data(contentsOf: URL(fileURLWithPath: Self.llama)))
        let cut = headerError(try write(Array(whole[..<600])))
        XCTAssertEqual(cut?.kind, .truncated)
        XCTAssertTrue(cut?.description.contains("truncated file") ?? false)
    }
}
