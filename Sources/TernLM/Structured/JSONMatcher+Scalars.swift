import Foundation

/// Strings and numbers: the byte-level lexing half of `JSONMatcher`.
extension JSONMatcher {
    /// UTF-8 continuation constraints: the low 2 bits of the string frame's `b` count pending
    /// continuation bytes, the rest selects the range of the next one (tight ranges rule out
    /// overlong forms, surrogates and code points above U+10FFFF).
    private static let continuationRanges: [ClosedRange<UInt8>] = [0x80...0xBF, 0xA0...0xBF, 0x80...0x9F, 0x90...0xBF, 0x80...0x8F]

    mutating func string(_ f: Frame, _ byte: UInt8) -> Bool {
        guard case .string(let minLength, let maxLength) = grammar.nodes[Int(f.node)] else { return false }
        // Without a maxLength the count saturates at minLength, so the state inside a free string
        // stays the same and its mask is computed once.
        let count = Int(f.a)
        let mayAddScalar = maxLength.map { count < $0 } ?? true
        let nextCount = Int32(maxLength == nil ? min(count + 1, minLength) : count + 1)
        switch f.phase {
        case .string:
            if f.b != 0 {
                guard Self.continuationRanges[Int(f.b >> 2)].contains(byte) else { return false }
                state.top.b = (f.b & 3) - 1  // later continuation bytes use the full range
                return true
            }
            switch byte {
            case UInt8(ascii: "\""):
                guard count >= minLength else { return false }
                pop()
                return true
            case UInt8(ascii: "\\"):
                guard mayAddScalar else { return false }
                state.top.a = nextCount
                state.top.phase = .escape
                return true
            case 0..<0x20: return false
            case 0x20..<0x80: break
            case 0xC2...0xDF: state.top.b = 1
            case 0xE0: state.top.b = 2 | (1 << 2)
            case 0xE1...0xEC, 0xEE, 0xEF: state.top.b = 2
            case 0xED: state.top.b = 2 | (2 << 2)
            case 0xF0: state.top.b = 3 | (3 << 2)
            case 0xF1...0xF3: state.top.b = 3
            case 0xF4: state.top.b = 3 | (4 << 2)
            default: return false
            }
            guard mayAddScalar else { return false }
            state.top.a = nextCount
            return true
        case .escape:
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                 UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                state.top.phase = .string
            case UInt8(ascii: "u"):
                state.top.phase = .hex
                state.top.c = 0
                state.top.d = 0
            default: return false
            }
            return true
        case .hex, .lowHex:
            guard let h = Self.hexValue(byte) else { return false }
            let value = f.c * 16 + h
            let digits = f.d + 1
            // The code units still reachable from this prefix; refuse a prefix that can only end
            // as a lone low surrogate (or, after a high surrogate, as anything but a low one).
            let shift = 4 * (4 - digits)
            let lowest = value << shift, highest = ((value + 1) << shift) - 1
            if f.phase == .hex {
                guard !(lowest >= 0xDC00 && highest <= 0xDFFF) else { return false }
            } else {
                guard highest >= 0xDC00 && lowest <= 0xDFFF else { return false }
            }
            if digits < 4 {
                state.top.c = value
                state.top.d = digits
            } else {
                state.top.phase = f.phase == .hex && (0xD800...0xDBFF).contains(value) ? .pairBackslash : .string
                state.top.c = 0
                state.top.d = 0
            }
            return true
        case .pairBackslash:
            guard byte == UInt8(ascii: "\\") else { return false }
            state.top.phase = .pairU
            return true
        default:  // .pairU
            guard byte == UInt8(ascii: "u") else { return false }
            state.top.phase = .lowHex
            return true
        }
    }

    private static func hexValue(_ b: UInt8) -> Int32? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int32(b - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return Int32(b - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return Int32(b - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    /// One byte of a number: true/false if consumed/refused, nil if the number ended before it.
    mutating func number(_ f: Frame, _ byte: UInt8) -> Bool? {
        guard case .number(let integerOnly, _) = grammar.nodes[Int(f.node)] else { return false }
        let digit = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
        let exponentMark = !integerOnly && (byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E"))
        // A fraction needs at least one more digit, so `.` is only offered while one still fits.
        let dot = !integerOnly && byte == UInt8(ascii: ".") && f.a < Self.maxMantissaDigits
        switch f.phase {
        case .minus:
            guard digit else { return false }
            state.top.phase = byte == UInt8(ascii: "0") ? .zero : .integer
            state.top.a = 1
        case .zero:
            if digit { return false }
            if dot { state.top.phase = .dot } else if exponentMark { state.top.phase = .exponentMark } else { return nil }
        case .integer, .fraction:
            if digit {
                guard f.a < Self.maxMantissaDigits else { return nil }
                state.top.a += 1
            } else if dot && f.phase == .integer {
                state.top.phase = .dot
            } else if exponentMark {
                state.top.phase = .exponentMark
            } else {
                return nil
            }
        case .dot:
            guard digit else { return false }
            state.top.phase = .fraction
            state.top.a += 1
        case .exponentMark:
            if byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") {
                state.top.phase = .exponentSign
            } else if digit {
                state.top.phase = .exponent
                state.top.b = 1
            } else {
                return false
            }
        case .exponentSign:
            guard digit else { return false }
            state.top.phase = .exponent
            state.top.b = 1
        default:  // .exponent
            guard digit, f.b < Self.maxExponentDigits else { return nil }
            state.top.b += 1
        }
        return true
    }
}
