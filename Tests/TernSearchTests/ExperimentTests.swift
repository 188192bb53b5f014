import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
import TernLM
import TernSearch

/// The experiment's problems, its bookkeeping on scripted models, and its plot.
final class ExperimentTests: XCTestCase {
    func testSlippedSolutionChangesOnlyTheLastStep() {
        let p = ArithmeticProblem(question: "q", solution: "7 + 5 = 12.\n12 - 4 = 8.\nAnswer: 8", answer: 8)
        XCTAssertEqual(ArithmeticProblems.slipped(p, by: 2), "7 + 5 = 12.\n12 - 4 = 10.\nAnswer: 10")
        XCTAssertEqual(ArithmeticProblems.slipped(p, by: -3), "7 + 5 = 12.\n12 - 4 = 5.\nAnswer: 5")
    }

    func testProblemsAreSeededAndTheirSolutionsAreRight() throws {
        let a = ArithmeticProblems.generate(count: 50, seed: 7), b = ArithmeticProblems.generate(count: 50, seed: 7)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, ArithmeticProblems.generate(count: 50, seed: 8))
        XCTAssertEqual(Set(a.map(\.question)).count, 50)
        let three = ArithmeticProblems.generate(count: 50, seed: 7, steps: 3)
        XCTAssertEqual(three, ArithmeticProblems.generate(count: 50, seed: 7, steps: 3))
        XCTAssertTrue(three.allSatisfy { $0.solution.split(separator: "\n").count == 4 })  // three steps and the answer
        for p in a + three {
            // Every step "x op y = z." is true arithmetic, chains from the last, and ends in the answer.
            var last: Int?
            let lines = p.solution.split(separator: "\n")
            for line in lines.dropLast() {
                let parts = line.dropLast().split(separator: " ")  // x op y = z
                let x = Int(parts[0])!, y = Int(parts[2])!, z = Int(parts[4])!
                XCTAssertEqual(parts[1] == "+" ? x + y : parts[1] == "-" ? x - y : x * y, z, p.question)
                if let last { XCTAssertEqual(x, last, p.question) }
                XCTAssertGreaterThanOrEqual(z, 0)
                last = z
            }
            XCTAssertEqual(lines.last, "Answer: \(p.answer)")
            XCTAssertEqual(last, p.answer)
            XCTAssertTrue(ArithmeticProblems.prompt(for: p).hasSuffix("Problem: \(p.question)\n"))
        }
    }

    /// A policy that always solves the problem and one that never does: every strategy at every N
    /// scores 100% and 0%, and the rows add up.
    func testExperimentOnScriptedPolicies() async throws {
        var cfg = TTCExperiment.Configuration()
        cfg.problems = 3
        cfg.budgets = [1, 2, 4]
        cfg.width = 2
        let problems = ArithmeticProblems.generate(count: 3, seed: cfg.seed)
        for right in [true, false] {
            let policy = ScriptedModel { request in
                guard case .text(let prompt) = request.prompt,
                      let p = problems.first(where: { prompt.contains($0.question) }) else { return nil }
                let answer = right ? p.answer : p.answer + 1
                // A whole solution when sampled without a step delimiter, else one line at a time.
                if !request.parameters.stop.contains("\n") { return "\(answer) = \(answer).\nAnswer: \(answer)" }
                return prompt.hasSuffix("\(answer) = \(answer).\n") ? "Answer: \(answer)" : "\(answer) = \(answer).\n"
            }
            let judge = ScriptedModel(name: "judge")
            let rows = try await TTCExperiment(workers: [.init(policy: policy, outcomeJudge: judge, processJudge: judge)], configuration: cfg).run()
            XCTAssertEqual(rows.count, TTCExperiment.strategies.count * 3)
            for r in rows {
                // The pool-mean row counts every sample of the pool (4, the largest N) of 3 problems.
                XCTAssertEqual(r.total, r.strategy == TTCExperiment.singleSample ? 12 : 3, r.strategy)
                XCTAssertEqual(r.accuracy, right ? 1 : 0, "\(r.strategy) at N=\(r.n)")
                // The step-wise searches count the tokens their requests report (scripted: words).
                if r.strategy.contains("PRM") { XCTAssertGreaterThan(r.generatedTokens, 0, r.strategy) }
            }
        }
    }

    func testChartIsWellFormedSVG() throws {
        var chart = LineChart(title: "a < b & c", xLabel: "N", yLabel: "accuracy")
        chart.logX = true
        chart.xTicks = [(1, "1"), (2, "2"), (4, "4")]
        chart.series = [.init(name: "x", points: [(1, 0.1), (2, 0.2), (4, 0.4)]), .init(name: "y", points: [(1, 0), (4, 1)], dashed: true)]
        chart.markers = [2]
        let svg = LineChart.stacked([chart, chart])
        let parser = XMLParser(data: Data(svg.utf8))
        XCTAssertTrue(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        XCTAssertEqual(svg.components(separatedBy: "<polyline").count - 1, 4)
        XCTAssertTrue(svg.contains("a &lt; b &amp; c"))
        // log2 x: N = 2 sits halfway between 1 and 4.
        let xs = chart.body().components(separatedBy: "<circle cx=\"").dropFirst().prefix(3).map { Double($0.prefix { $0 != "\"" })! }
        XCTAssertEqual(xs[1] - xs[0], xs[2] - xs[1], accuracy: 0.2)
    }
}
