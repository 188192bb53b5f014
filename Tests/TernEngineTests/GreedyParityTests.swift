import Foundation
import XCTest
@testable import TernEngine

/// Acceptance against llama.cpp (Fixtures/greedy.jsonl, recorded from llama.cpp on the same file):
/// 32 greedy tokens for each of 10 prompts, and llama.cpp's top-5 logprobs at every step.
/// Where llama.cpp's top two logprobs differ by less than 0.05, either choice is legitimate and
/// comparison of that prompt ends at that step.
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
        var worstLogprob = 0.0, comparedSteps = 0, nearTies = 0
        for r in records {
            let result = try Generator(session: session).generate(r.prompt, options: GenerationOptions(
                maxTokens: 32, ignoreEOS: true, logprobs: 5, sampling: .greedy))
            XCTAssertEqual(result.promptTokens, r.prompt_ids, "prompt tokens for \(r.prompt.debugDescription)")
            for step in 0..<r.ids.count {
                let theirs = r.top[step], ours = result.topLogprobs[step]
                // llama.cpp's top-5 logprobs must be within 0.05 of ours for the same tokens.
                let ourByID = Dictionary(uniqueKeysWithValues: topLogprobsForIDs(ours))
                for pair in theirs {
                    let id = Int(pair[0])
                    guard let mine = ourByID[id] else {
                        XCTFail("\(r.prompt.debugDescription) step \(step): llama.cpp's top token \(id) is not in Tern's top 5 \(ours)")
                        continue
                    }
                    worstLogprob = max(worstLogprob, abs(mine - pair[1]))
                    XCTAssertEqual(mine, pair[1], accuracy: 0.05, "\(r.prompt.debugDescription) step \(step) token \(id)")
                }
                comparedSteps += 1
                if result.ids[step] != r.ids[step] {
                    let gap = theirs[0][1] - theirs[1][1]
                    XCTAssertLessThan(gap, 0.05, "\(r.prompt.debugDescription) step \(step): chose \(result.ids[step]), llama.cpp \(r.ids[step]) (gap \(gap))")
                    nearTies += 1
                    break
                }
            }
        }
        print("greedy parity: \(comparedSteps) steps compared, \(nearTies) near-tie divergences, max |Δlogprob| = \(worstLogprob)")
    }

    private func topLogprobsForIDs(_ pairs: [(id: Int, logprob: Double)]) -> [(Int, Double)] {
        pairs.map { ($0.id, $0.logprob) }
    }
}
