import Foundation

/// The fields a transaction is built from; `--map FIELD=COLUMN` names them.
public enum ImportField: String, CaseIterable, Sendable, Hashable {
    case id, client, time, amount, currency, merchant, category, city, state, country
    case homeLat = "home_lat", homeLon = "home_lon", merchLat = "merch_lat", merchLon = "merch_lon"
    case channel, label
    case labelKind = "label_kind"
    /// `--map pan=COLUMN`: the client is the card whose number the column holds (never found by its header alone).
    case pan

    public static let required: [ImportField] = [.client, .time, .amount]

    /// The field's position in `allCases`, without a search.
    var ordinal: Int {
        switch self {
        case .id: 0
        case .client: 1
        case .time: 2
        case .amount: 3
        case .currency: 4
        case .merchant: 5
        case .category: 6
        case .city: 7
        case .state: 8
        case .country: 9
        case .homeLat: 10
        case .homeLon: 11
        case .merchLat: 12
        case .merchLon: 13
        case .channel: 14
        case .label: 15
        case .labelKind: 16
        case .pan: 17
        }
    }

    /// Header names recognised for a field without `--map` (compared case-insensitively, `-`/space as `_`).
    var synonyms: [String] {
        switch self {
        case .id: return ["id", "transaction_id", "txn_id", "trans_num", "transaction_number", "source_key"]
        case .client: return ["client", "client_id", "customer", "customer_id", "account", "account_id", "card_id", "cc_num"]
        case .time: return ["time", "timestamp", "datetime", "date_time", "transaction_time", "trans_date_trans_time", "instant"]
        case .amount: return ["amount", "amt", "transaction_amount"]
        case .currency: return ["currency", "currency_code"]
        case .merchant: return ["merchant", "merchant_name"]
        case .category: return ["category", "merchant_category", "mcc_description"]
        case .city: return ["city", "merchant_city"]
        case .state: return ["state", "merchant_state", "region"]
        case .country: return ["country", "merchant_country", "country_code"]
        case .homeLat: return ["home_lat", "client_lat", "lat"]
        case .homeLon: return ["home_lon", "client_lon", "long", "lon"]
        case .merchLat: return ["merch_lat", "merchant_lat"]
        case .merchLon: return ["merch_lon", "merch_long", "merchant_lon"]
        case .channel: return ["channel"]
        case .label: return ["label", "is_fraud", "fraud"]
        case .labelKind: return ["label_kind", "fraud_kind"]
        case .pan: return []
        }
    }
}

/// Which column of a file feeds each field, and how the file was recognised.
public struct ColumnMapping: Sendable, Equatable {
    /// `cards` (the Kaggle/Sparkov card-transaction export), `vigil` (our own export) or `mapped`.
    public var layout: String
    public var columns: [ImportField: Int]
    /// The columns that together identify a row in its source (the `id` field), joined with `|`.
    /// Usually one; the card export needs three because its `trans_num` repeats across cardholders.
    public var idColumns: [Int]
    public var header: [String]
    /// The client column holds card numbers (the card export's `cc_num`, or `--map pan=COLUMN`): every value must be
    /// one, and each is stored as its card's token and masked id.
    public var clientIsCardNumber = false

    public func column(_ field: ImportField) -> Int? { columns[field] }

    /// A stable text form stored with the import, e.g. `client=cc_num,time=trans_date_trans_time`. Column names come
    /// from the file, so they are escaped (`Rejection.shown`): the summary is printed as it is.
    public var summary: String {
        ImportField.allCases.compactMap { field in
            if field == .id { return idColumns.isEmpty ? nil : "id=" + idColumns.map { Rejection.shown(header[$0]) }.joined(separator: "+") }
            return columns[field].map { "\(field.rawValue)=\(Rejection.shown(header[$0]))" }
        }.joined(separator: ",")
    }

    /// Parses `FIELD=COLUMN` options.
    public static func parseOverrides(_ options: [String]) throws(ImportError) -> [ImportField: String] {
        var result: [ImportField: String] = [:]
        for option in options {
            guard let eq = option.firstIndex(of: "="), eq != option.startIndex, option.index(after: eq) != option.endIndex
            else { throw .badMapping(option) }
            let name = option[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            guard let field = ImportField(rawValue: name) else { throw .unknownField(field: name) }
            result[field] = String(option[option.index(after: eq)...])
        }
        if let pan = result[.pan], let client = result[.client] {
            throw .badMapping("client=\(client) and pan=\(pan): a card is its own client, so name one of them")
        }
        return result
    }

    /// Recognises a file's layout from its header, then applies `overrides`.
    static func resolve(header: [String], file: String, overrides: [ImportField: String]) throws(ImportError) -> ColumnMapping {
        let normalised = header.map(normalise)
        var firstIndex: [String: Int] = [:]
        for (i, name) in normalised.enumerated() where firstIndex[name] == nil { firstIndex[name] = i }

        let isCards = ["trans_date_trans_time", "cc_num", "amt", "trans_num", "merch_lat"].allSatisfy { firstIndex[$0] != nil }
        var columns: [ImportField: Int] = [:]
        var idColumns: [Int] = []
        if isCards {
            let cards: [ImportField: String] = [
                .id: "trans_num", .client: "cc_num", .time: "trans_date_trans_time", .amount: "amt",
                .merchant: "merchant", .category: "category", .city: "city", .state: "state",
                .homeLat: "lat", .homeLon: "long", .merchLat: "merch_lat", .merchLon: "merch_long", .label: "is_fraud",
            ]
            for (field, name) in cards { if let i = firstIndex[name] { columns[field] = i } }
            // trans_num alone is not unique in this export (the generator reuses it across cardholders),
            // so a row is identified by transaction number, card and instant together.
            columns[.id] = nil
            idColumns = Self.cardExportIDColumns.compactMap { firstIndex[$0] }
        } else {
            for field in ImportField.allCases {
                if let i = field.synonyms.lazy.compactMap({ firstIndex[$0] }).first { columns[field] = i }
            }
        }
        func locate(_ name: String, for field: ImportField) throws(ImportError) -> Int {
            let wanted = normalise(name)
            let matches = normalised.indices.filter { normalised[$0] == wanted }
            if matches.isEmpty {
                throw .unknownColumn(file: file, field: field.rawValue, column: name, header: header)
            }
            // An exact (case-sensitive) match wins over a normalised one when a header repeats a name.
            return header.indices.first { header[$0] == name } ?? matches[0]
        }
        if let idOverride = overrides[.id] {
            idColumns = []
            for part in idOverride.split(separator: "+", omittingEmptySubsequences: false) {
                idColumns.append(try locate(String(part), for: .id))
            }
        } else if let single = columns[.id] {
            idColumns = [single]
        }
        columns[.id] = nil
        for (field, name) in overrides where field != .id && field != .pan {
            columns[field] = try locate(name, for: field)
        }
        if let pan = overrides[.pan] { columns[.client] = try locate(pan, for: .pan) }
        for field in ImportField.required where columns[field] == nil {
            throw .missingColumn(file: file, field: field.rawValue, header: header)
        }
        for (field, i) in columns where overrides[field] == nil {
            let name = normalised[i]
            if !name.isEmpty, normalised.filter({ $0 == name }).count > 1 {
                throw .duplicateHeader(file: file, column: header[i])
            }
        }
        let ownExport = ["client", "time", "amount", "source_key"].allSatisfy { firstIndex[$0] != nil }
        let layout = isCards ? "cards" : (ownExport ? "vigil" : "mapped")
        var mapping = ColumnMapping(layout: layout, columns: columns, idColumns: idColumns, header: header)
        mapping.clientIsCardNumber = overrides[.pan] != nil || (isCards && overrides[.client] == nil)
        return mapping
    }

    /// The columns that together identify a row of the card export (its `trans_num` repeats across cardholders).
    static let cardExportIDColumns = ["trans_num", "cc_num", "unix_time"]

    static func normalise(_ name: String) -> String {
        var s = name.trimmingCharacters(in: .whitespaces).lowercased()
        s = s.replacingOccurrences(of: " ", with: "_").replacingOccurrences(of: "-", with: "_")
        return s
    }
}
