import VigilCore

/// What the row converter asks of a store's cards: the client id and the source-id part a card number becomes. A
/// protocol so that the converter, and the import fuzz target built from the importer's sources alone, need neither
/// the store nor its key (`CardRegistry` is the store's).
protocol CardIdentities: AnyObject, Sendable {
    /// The card's client id as UTF-8: its masked number, `~2` and on when other cards mask alike.
    func clientID(_ number: CardNumber.Packed) -> [UInt8]
    /// What stands for the card in a source id, as UTF-8 (`tok_` and 16 hex digits).
    func idPart(_ number: CardNumber.Packed) -> [UInt8]
    /// The cards first met since the last call (token and client id), to be stored with the batch that met them.
    func takeNew() -> [(token: [UInt8], clientID: String)]
}
