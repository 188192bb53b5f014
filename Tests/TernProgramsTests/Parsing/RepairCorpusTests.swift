import XCTest
import TernPrograms
import TernLM

final class RepairCorpusTests: XCTestCase {
    static let categories = ["code-fence", "prose-around", "trailing-comma", "single-quotes", "unquoted-keys",
                             "smart-quotes", "python-literals", "comments", "missing-closer", "yaml-colon-in-value",
                             "yaml-tabs", "yaml-indentation", "strict"]

    func testCorpusShape() throws {
        let corpus = try Fixtures.corpus()
        XCTAssertGreaterThanOrEqual(corpus.count, 100)
        XCTAssertEqual(Set(corpus.map(\.id)).count, corpus.count, "duplicate ids")
        for category in Self.categories {
            let count = corpus.filter { $0.category == category }.count
            XCTAssertGreaterThanOrEqual(count, category == "strict" ? 4 : 8, "category \(category) has \(count) cases")
        }
    }

    /// Every case must recover its hand-written value; failures are listed together by id.
    func testEveryCaseRecovers() throws {
        var failures: [String] = []
        for c in try Fixtures.corpus() {
            do {
                let got = try Fixtures.parse(c.input, format: c.format)
                if got != c.expected { failures.append("\(c.id): got \(got.canonicalJSON), expected \(c.expected.canonicalJSON)") }
            } catch {
                failures.append("\(c.id): threw \(error)")
            }
        }
        XCTAssert(failures.isEmpty, "\(failures.count) corpus failures:\n" + failures.joined(separator: "\n"))
    }

    func testHopelessInputsThrowOneLine() throws {
        var failures: [String] = []
        let cases = try Fixtures.hopeless()
        XCTAssertGreaterThanOrEqual(cases.count, 15)
        for c in cases {
            do {
                let value = try Fixtures.parse(c.input, format: c.format)
                failures.append("\(c.input.debugDescription): parsed as \(value.canonicalJSON)")
            } catch let error as ParseError {
                let text = error.description
                if !text.contains(c.message) || text.contains("\n") {
                    failures.append("\(c.input.debugDescription): message \(text.debugDescription) lacks \(c.message.debugDescription)")
                }
            } catch {
                failures.append("\(c.input.debugDescription): threw non-ParseError \(error)")
            }
        }
        XCTAssert(failures.isEmpty, failures.joined(separator: "\n"))
    }
}
