/// Why a whole file could not be imported. Each names the file (and the column where one is at fault);
/// the store is left as it was. Header names come from the file, so they are shown escaped
/// (`Rejection.shown`): a message never carries the data's control characters to the terminal.
public enum ImportError: Error, Sendable, Equatable, CustomStringConvertible {
    case cannotRead(file: String, reason: String)
    case empty(file: String)
    case notCSV(file: String, reason: String)
    case missingColumn(file: String, field: String, header: [String])
    case unknownColumn(file: String, field: String, column: String, header: [String])
    case unknownField(field: String)
    case badMapping(String)
    case duplicateHeader(file: String, column: String)

    public var description: String {
        switch self {
        case .cannotRead(let file, let reason):
            return "\(file): cannot read: \(reason)"
        case .empty(let file):
            return "\(file): the file is empty (no header row)"
        case .notCSV(let file, let reason):
            return "\(file): not a CSV file: \(reason)"
        case .missingColumn(let file, let field, let header):
            return "\(file): no column for required field '\(field)' (header: \(Self.list(header))); map one with --map \(field)=COLUMN"
        case .unknownColumn(let file, let field, let column, let header):
            return "\(file): column '\(column)' given for '\(field)' is not in the header (\(Self.list(header)))"
        case .unknownField(let field):
            return "unknown field '\(field)' in --map; fields are: \(ImportField.allCases.map(\.rawValue).joined(separator: ", "))"
        case .badMapping(let text):
            return "--map expects FIELD=COLUMN, got '\(text)'"
        case .duplicateHeader(let file, let column):
            return "\(file): column '\(Rejection.shown(column))' appears twice in the header; map the one to use with --map"
        }
    }

    private static func list(_ header: [String]) -> String {
        let shown = header.prefix(30).map { $0.isEmpty ? "(unnamed)" : Rejection.shown($0) }.joined(separator: ", ")
        return header.count > 30 ? shown + ", …" : shown
    }
}
