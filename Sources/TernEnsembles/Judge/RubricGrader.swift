import Foundation
import TernLM

/// LLM-as-judge grading one answer against a rubric: a score on a fixed scale and the reason for
/// it. On a backend that enforces JSON schemas (the local engine) the grade is asked for as
/// `{"reason": …, "score": …}` and always parses; elsewhere the judge writes "Reason: …" and
/// "Score: N" lines, which are parsed.
///
///     let grader = RubricGrader(model: model, rubric: "Is the answer correct and complete?")
///     let g = try await grader.grade(question: "2 + 2?", answer: "4")   // Grade(score: 10, reason: …)
public struct RubricGrader: Sendable {
    public struct Grade: Sendable, Codable, Hashable {
        public var score: Int
        public var reason: String
    }

    public let model: any LanguageModel
    public let rubric: String
    public let scale: ClosedRange<Int>
    public var parameters: GenerationParameters

    public init(model: any LanguageModel, rubric: String, scale: ClosedRange<Int> = 1...10,
                parameters: GenerationParameters = GenerationParameters(temperature: 0, maxTokens: 256)) {
        self.model = model
        self.rubric = rubric
        self.scale = scale
        self.parameters = parameters
    }

    public func grade(question: String, answer: String) async throws -> Grade {
        var p = parameters
        let structured = model.capabilities.contains(.jsonSchema)
        if structured { p.responseFormat = .jsonSchema(name: "grade", schema: schema) }
        let reply = try await model.chat([.user(prompt(question: question, answer: answer, json: structured))], parameters: p).text
        guard let grade = Self.parse(reply, scale: scale) else {
            throw LMError.invalidRequest("the judge's answer has no score in \(scale.lowerBound)–\(scale.upperBound): \(reply.prefix(80).debugDescription)")
        }
        return grade
    }

    var schema: JSONValue {
        .object(["type": .string("object"), "required": .array([.string("reason"), .string("score")]), "additionalProperties": .bool(false),
                 "properties": .object(["reason": .object(["type": .string("string"), "maxLength": .number(400)]),
                                        "score": .object(["type": .string("integer"), "minimum": .number(Double(scale.lowerBound)),
                                                          "maximum": .number(Double(scale.upperBound))])])])
    }

    func prompt(question: String, answer: String, json: Bool) -> String {
        let format = json ? "Reply with a JSON object: {\"reason\": \"…\", \"score\": N}."
            : "Reply with one line \"Reason: …\" and then one line \"Score: N\"."
        return """
            Grade the answer to the question below against the rubric, with a whole-number score from \
            \(scale.lowerBound) (worst) to \(scale.upperBound) (best) and a short reason. \(format)

            [Rubric]
            \(rubric)

            [Question]
            \(question)

            [Answer]
            \(answer)
            """
    }

    /// A JSON grade, or "Score: N" (the last one) with the "Reason:" line if there is one; nil if
    /// there is no score within the scale.
    static func parse(_ reply: String, scale: ClosedRange<Int>) -> Grade? {
        if let data = reply.data(using: .utf8), let json = try? JSONDecoder().decode(Grade.self, from: data) {
            return scale.contains(json.score) ? json : nil
        }
        var score: Int?, reason = ""
        for line in reply.split(whereSeparator: \.isNewline) {
            let t = line.trimmingCharacters(in: .whitespaces)
            if t.lowercased().hasPrefix("score:") {
                let digits = t.dropFirst(6).trimmingCharacters(in: .whitespaces).prefix { $0.isNumber }
                if let n = Int(digits) { score = n }
            } else if t.lowercased().hasPrefix("reason:") {
                reason = t.dropFirst(7).trimmingCharacters(in: .whitespaces)
            }
        }
        guard let score, scale.contains(score) else { return nil }
        return Grade(score: score, reason: reason)
    }
}
