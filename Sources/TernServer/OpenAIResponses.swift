import Foundation
import TernLM

// Response bodies of the OpenAI API, built from `Completion`s.

enum OpenAIResponses {
    static func usage(_ u: Usage) -> JSONValue {
        .object(["prompt_tokens": .number(Double(u.promptTokens)), "completion_tokens": .number(Double(u.completionTokens)),
                 "total_tokens": .number(Double(u.totalTokens))])
    }

    private static func bytes(_ s: String) -> JSONValue { .array(s.utf8.map { .number(Double($0)) }) }

    /// Chat logprobs: `{"content": [{token, logprob, bytes, top_logprobs: [...]}]}`.
    static func chatLogprobs(_ lps: [TokenLogprob]?) -> JSONValue {
        guard let lps else { return .null }
        return .object(["content": .array(lps.map { lp in
            .object(["token": .string(lp.token), "logprob": .number(lp.logprob), "bytes": bytes(lp.token),
                     "top_logprobs": .array(lp.top.map {
                         .object(["token": .string($0.token), "logprob": .number($0.logprob), "bytes": bytes($0.token)])
                     })])
        })])
    }

    /// Legacy completions logprobs: parallel lists, and one {token: logprob} map per position.
    static func textLogprobs(_ lps: [TokenLogprob]?) -> JSONValue {
        guard let lps else { return .null }
        var offset = 0
        var offsets: [JSONValue] = []
        for lp in lps { offsets.append(.number(Double(offset))); offset += lp.token.count }
        return .object([
            "tokens": .array(lps.map { .string($0.token) }),
            "token_logprobs": .array(lps.map { .number($0.logprob) }),
            "top_logprobs": .array(lps.map { lp in
                .object(Dictionary(lp.top.map { ($0.token, JSONValue.number($0.logprob)) }, uniquingKeysWith: { a, _ in a }))
            }),
            "text_offset": .array(offsets),
        ])
    }

    static func finish(_ f: FinishReason) -> JSONValue {
        .string(f == .length ? "length" : f == .toolCalls ? "tool_calls" : "stop")
    }

    /// OpenAI's `tool_calls` entry; `index` for a streamed delta.
    static func toolCall(_ c: ToolCall, index: Int? = nil) -> JSONValue {
        var call: [String: JSONValue] = ["id": .string(c.id), "type": "function",
                                         "function": ["name": .string(c.name), "arguments": .string(c.arguments)]]
        if let index { call["index"] = .number(Double(index)) }
        return .object(call)
    }

    /// The assistant's message: its text, and its calls (the text is null when it only called).
    static func message(_ ch: Choice) -> JSONValue {
        guard let calls = ch.toolCalls, !calls.isEmpty else { return ["role": "assistant", "content": .string(ch.text)] }
        return ["role": "assistant", "content": ch.text.isEmpty ? .null : .string(ch.text),
                "tool_calls": .array(calls.map { toolCall($0) })]
    }

    static func chat(_ c: Completion, id: String, created: Int) -> JSONValue {
        .object([
            "id": .string(id), "object": .string("chat.completion"), "created": .number(Double(created)), "model": .string(c.model),
            "choices": .array(c.choices.enumerated().map { i, ch in
                .object(["index": .number(Double(i)),
                         "message": message(ch),
                         "logprobs": chatLogprobs(ch.logprobs), "finish_reason": finish(ch.finishReason)])
            }),
            "usage": usage(c.usage),
        ])
    }

    static func text(_ c: Completion, id: String, created: Int) -> JSONValue {
        .object([
            "id": .string(id), "object": .string("text_completion"), "created": .number(Double(created)), "model": .string(c.model),
            "choices": .array(c.choices.enumerated().map { i, ch in
                .object(["index": .number(Double(i)), "text": .string(ch.text),
                         "logprobs": textLogprobs(ch.logprobs), "finish_reason": finish(ch.finishReason)])
            }),
            "usage": usage(c.usage),
        ])
    }

    /// One streamed chunk: a delta of choice `index` (chat) or its text (completions), with the
    /// logprobs of the tokens in it when the request asked for them.
    static func chunk(chat: Bool, id: String, created: Int, model: String, index: Int, text: String?,
                      role: Bool = false, finish: FinishReason? = nil, logprobs: [TokenLogprob]? = nil,
                      toolCall: (index: Int, call: ToolCall)? = nil) -> JSONValue {
        var choice: [String: JSONValue] = ["index": .number(Double(index)),
                                           "logprobs": chat ? chatLogprobs(logprobs) : textLogprobs(logprobs),
                                           "finish_reason": finish.map(Self.finish) ?? .null]
        if chat {
            var delta: [String: JSONValue] = [:]
            if role { delta["role"] = .string("assistant") }
            if let text { delta["content"] = .string(text) }
            if let toolCall { delta["tool_calls"] = .array([Self.toolCall(toolCall.call, index: toolCall.index)]) }
            choice["delta"] = .object(delta)
        } else {
            choice["text"] = .string(text ?? "")
        }
        return .object(["id": .string(id), "object": .string(chat ? "chat.completion.chunk" : "text_completion"),
                        "created": .number(Double(created)), "model": .string(model), "choices": .array([.object(choice)])])
    }

    static func usageChunk(chat: Bool, id: String, created: Int, model: String, usage u: Usage) -> JSONValue {
        .object(["id": .string(id), "object": .string(chat ? "chat.completion.chunk" : "text_completion"),
                 "created": .number(Double(created)), "model": .string(model), "choices": .array([]), "usage": usage(u)])
    }
}
