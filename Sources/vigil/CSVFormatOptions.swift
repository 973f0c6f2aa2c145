import ArgumentParser
import VigilCore
import VigilStore

/// How CSV is read, for `import` and `ingest` alike: column mapping, default currency and zone.
struct CSVFormatOptions: ParsableArguments {
    @Option(name: .customLong("map"), help: ArgumentHelp("Map a field to a column, e.g. --map client=account_no.", valueName: "FIELD=COLUMN"))
    var mappings: [String] = []

    @Option(name: .long, help: "The file's currency (default USD for amounts that name none); amounts written in another are rejected.")
    var currency: String?

    @Option(name: .customLong("utc-offset"), help: ArgumentHelp("Zone of timestamps that carry none, e.g. +02:00 or -0500.", valueName: "±HH:MM"))
    var utcOffset: String = "+00:00"

    func validate() throws {
        if let currency, currency.count != 3 || !currency.allSatisfy({ $0.isASCII && $0.isLetter }) {
            throw ValidationError("--currency must be a three-letter code such as USD")
        }
        _ = try Self.parseOffset(utcOffset)
        do { _ = try ColumnMapping.parseOverrides(mappings) } catch { throw ValidationError(error.description) }
    }

    func importOptions(batchSize: Int) throws -> ImportOptions {
        var options = ImportOptions(overrides: try ColumnMapping.parseOverrides(mappings),
                                    defaultCurrency: currency?.uppercased() ?? "USD",
                                    defaultOffsetSeconds: try Self.parseOffset(utcOffset), batchSize: batchSize)
        options.currencyIsDeclared = currency != nil
        return options
    }

    static func parseOffset(_ text: String) throws -> Int {
        let result = TimestampParser().parse("2000-01-01 00:00:00" + text)
        guard case .success(let epoch) = result else {
            throw ValidationError("--utc-offset must look like +02:00 or -0500, got '\(text)'")
        }
        return Int(946_684_800 - epoch)
    }
}

/// The rows or lines a command commits per write transaction: at least one, and few enough that a batch's memory
/// and its hold on the store's write lock stay bounded (a batch's buffers are sized for it before it is read).
enum BatchSize {
    static let allowed = 1 ... 100_000

    static func validate(_ value: Int) throws {
        guard allowed.contains(value) else {
            throw ValidationError("--batch-size must be between \(allowed.lowerBound) and \(Formatting.grouped(allowed.upperBound)), got \(value)")
        }
    }
}
