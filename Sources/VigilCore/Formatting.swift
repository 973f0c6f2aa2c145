/// Number formatting for people: `255,215`, `1.2 s`.
public enum Formatting {
    public static func grouped<T: BinaryInteger>(_ value: T) -> String {
        let negative = value < 0
        var digits = String(value.magnitude)
        var out = ""
        while digits.count > 3 {
            out = "," + digits.suffix(3) + out
            digits.removeLast(3)
        }
        return (negative ? "-" : "") + digits + out
    }

    /// A duration as `0.42 s`, `12 s`, `3 min 05 s`, `2 h 04 min`.
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        if seconds < 10 { return "\(Double(Int(seconds * 100)) / 100) s" }
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s) s" }
        if s < 3600 { return "\(s / 60) min \(pad(s % 60)) s" }
        return "\(s / 3600) h \(pad(s % 3600 / 60)) min"
    }

    /// A category's name for a sentence, nil when the transaction has none: an import without a category column stores
    /// an empty name, which must not read as "at : …" or "usual largest  charge".
    public static func categoryWord(_ name: String?) -> String? {
        guard let name, !name.allSatisfy(\.isWhitespace) else { return nil }
        return name
    }

    /// "fraud_Kirlin (grocery_pos)", or the merchant alone when the transaction has no category.
    public static func merchant(_ merchant: String, category: String) -> String {
        categoryWord(category).map { "\(merchant) (\($0))" } ?? merchant
    }

    private static func pad(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
}
