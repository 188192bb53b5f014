import Foundation
import XCTest
import TernEngine

/// Acceptance against llama.cpp (Fixtures/greedy.jsonl, recorded from llama.cpp build 0c1e570 on
/// the same file): 32 greedy tokens for each of 10 prompts, and llama.cpp's top-5 logprobs at
/// every step. Where llama.cpp's top two logprobs differ by less than 0.05, either choice is
/// legitimate and comparison of that prompt ends at that step.
///
/// The bar is set by how reproducible these numbers are at all (docs/PARITY.md). The same
/// llama.cpp build, on the same file, differs from the recording by a median of 0.068 and up to
/// 0.22 at the first step alone, and its greedy text leaves the recording on 3 of 10 prompts at
/// steps that are not near-ties: Gemma's residual stream amplifies 1e-7 float differences through
/// the 8-bit activation quantization. Tern's three kernel variants, which compute identical
/// integer sums and differ only in float summation order, give median |Δlogprob| 0.078–0.081, 90th
/// percentile 0.27–0.29, and 3–5 such divergences. So: at most 5 prompts may leave llama.cpp's
/// path at a step that is not a near-tie; over all compared steps the median |Δlogprob| of
/// llama.cpp's top 5 stays ≤ 0.1 and the 90th percentile ≤ 0.35; llama.cpp's top token is always
/// among Tern's top 5. A real defect (a wrong RoPE base, a missing norm, a bad kernel) moves these
/// far past their bounds.
final class GreedyParityTests: XCTestCase {
    struct Record: Decodable {
        let prompt: String
        let prompt_ids: [Int]
        let ids: [Int]
        let top: [[[Double]]]  // per step: [[id, logprob] × 5]
    }

    func testGreedyTokensAndLogprobsMatchLlamaCpp() throws {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "greedy", withExtension: "jsonl", subdirectory: "Fixtures"))
        let records = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
            .map { try JSONDecoder().decode(Record.self, from: Data($0.utf8)) }
        XCTAssertEqual(records.count, 10)
        let loaded = try DefaultModel.load()
        let session = Session(loaded, contextSize: 256)
        var deltas: [Double] = [], comparedSteps = 0, fullMatches = 0, nearTies = 0, divergences: [String] = []
        for r in records {
            let result = try Generator(session: session).generate(r.prompt, options: GenerationOptions(
                maxTokens: 32, ignoreEOS: true, logprobs: 5, sampling: .greedy))
            XCTAssertEqual(result.promptTokens, r.prompt_ids, "prompt tokens for \(r.prompt.debugDescription)")
            XCTAssertEqual(result.ids.count, 32)
            var matched = true
            for step in 0..<min(r.ids.count, result.ids.count) {
                let theirs = r.top[step], ours = result.topLogprobs[step]
                let ourByID = Dictionary(uniqueKeysWithValues: ours.map { ($0.id, $0.logprob) })
                XCTAssertNotNil(ourByID[Int(theirs[0][0])],
                                "\(r.prompt.debugDescription) step \(step): llama.cpp's top token is not in Tern's top 5 \(ours)")
                for pair in theirs {
                    // A token outside Tern's top 5 is at most Tern's 5th logprob: count that distance.
                    let mine = ourByID[Int(pair[0])] ?? min(ours.last!.logprob, pair[1])
                    deltas.append(abs(mine - pair[1]))
                }
                comparedSteps += 1
                if result.ids[step] != r.ids[step] {
                    let gap = theirs[0][1] - theirs[1][1]
                    if gap < 0.05 { nearTies += 1 } else { divergences.append("\(r.prompt.debugDescription) at step \(step) (gap \(gap))") }
                    matched = false
                    break
                }
            }
            if matched { fullMatches += 1 }
        }
        deltas.sort()
        let median = deltas[deltas.count / 2], p90 = deltas[deltas.count * 9 / 10]
        print("greedy parity: \(fullMatches) prompts match all 32 tokens, \(nearTies) part at near-ties, "
              + "\(divergences.count) diverge \(divergences); \(comparedSteps) steps compared; |Δlogprob| "
              + "median \(median), p90 \(p90), max \(deltas.last!)")
        XCTAssertLessThanOrEqual(divergences.count, 5, "prompts leaving llama.cpp's path away from near-ties: \(divergences)")
        XCTAssertLessThanOrEqual(median, 0.1)
        XCTAssertLessThanOrEqual(p90, 0.35)
    }
}
