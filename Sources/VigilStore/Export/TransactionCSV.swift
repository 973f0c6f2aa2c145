import Foundation
import VigilCore

/// Vigil's own CSV layout: what `vigil demo --export-csv` writes and `vigil import` reads back with no flags.
public enum TransactionCSV {
    public static let header = "source_key,client,time,amount,currency,merchant,category,city,state,country,"
        + "home_lat,home_lon,merch_lat,merch_lon,channel,label,label_kind"

    /// One row; amounts in major units with two decimals, time as ISO 8601 UTC. Text columns go through `CSVCell.text`
    /// (a merchant starting with `=` is written `'=`); the numeric ones, a negative amount included, stay numbers.
    public static func row(_ t: Transaction) -> String {
        var fields: [String] = []
        fields.reserveCapacity(17)
        fields.append(CSVCell.text(t.sourceKey))
        fields.append(CSVCell.text(t.clientID))
        fields.append(iso(t.instant))
        fields.append(decimal(t.amount.minorUnits))
        fields.append(CSVCell.text(t.amount.currency))
        fields.append(CSVCell.text(t.merchant))
        fields.append(CSVCell.text(t.category))
        fields.append(CSVCell.text(t.city ?? ""))
        fields.append(CSVCell.text(t.state ?? ""))
        fields.append(CSVCell.text(t.country ?? ""))
        fields.append(t.home.map { coordinate($0.latitude) } ?? "")
        fields.append(t.home.map { coordinate($0.longitude) } ?? "")
        fields.append(t.merchantLocation.map { coordinate($0.latitude) } ?? "")
        fields.append(t.merchantLocation.map { coordinate($0.longitude) } ?? "")
        fields.append(t.channel?.rawValue ?? "")
        fields.append(t.label.map(String.init) ?? "")
        fields.append(CSVCell.text(t.labelKind ?? ""))
        return fields.joined(separator: ",")
    }

    /// `2025-01-05T13:45:12Z`.
    public static func iso(_ epoch: Int64) -> String {
        var s = CivilTime.format(epoch)
        s.replaceSubrange(s.index(s.startIndex, offsetBy: 10)...s.index(s.startIndex, offsetBy: 10), with: "T")
        return s + "Z"
    }

    /// Minor units as a plain decimal, `-3.10`, `1234.56`: no symbol, no grouping.
    public static func decimal(_ minor: Int64) -> String {
        let sign = minor < 0 ? "-" : ""
        let m = minor.magnitude
        let cents = m % 100
        return "\(sign)\(m / 100).\(cents < 10 ? "0" : "")\(cents)"
    }

    /// Six decimals (about 10 cm), enough for any place and round-trip stable.
    static func coordinate(_ v: Double) -> String {
        let scaled = (v * 1_000_000).rounded()
        let negative = scaled < 0
        let m = Int64(abs(scaled))
        let frac = String(m % 1_000_000)
        return (negative ? "-" : "") + "\(m / 1_000_000)." + String(repeating: "0", count: 6 - frac.count) + frac
    }
}
