/// Named styles the screens draw with. Theme files (a later step) will fill
/// one of these; until then `.default` is a dark theme.
public struct Theme: Hashable, Sendable {
    public var name: String
    /// The title bar across the top.
    public var title: Style
    /// Section headings.
    public var header: Style
    public var text: Style
    /// Secondary text: labels, units, hints.
    public var dim: Style
    /// Numbers and other values that should stand out.
    public var accent: Style
    /// The key-hint bar across the bottom.
    public var statusBar: Style
    /// Something needs attention: fraud, open alerts, rejected rows.
    public var alert: Style

    public init(
        name: String, title: Style, header: Style, text: Style, dim: Style, accent: Style,
        statusBar: Style, alert: Style
    ) {
        self.name = name
        self.title = title
        self.header = header
        self.text = text
        self.dim = dim
        self.accent = accent
        self.statusBar = statusBar
        self.alert = alert
    }

    /// Dark background, light text; colours chosen from the 256-colour palette
    /// (backends fall back to the nearest of the basic eight, or to attributes alone).
    public static let `default` = Theme(
        name: "dark",
        title: Style(foreground: .indexed(231), background: .indexed(24), bold: true),
        header: Style(foreground: .indexed(117), bold: true),
        text: Style(foreground: .indexed(252)),
        dim: Style(foreground: .indexed(245)),
        accent: Style(foreground: .indexed(221), bold: true),
        statusBar: Style(foreground: .indexed(16), background: .indexed(250)),
        alert: Style(foreground: .indexed(203), bold: true)
    )
}
