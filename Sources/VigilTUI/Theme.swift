/// Named styles the screens draw with, one per role. Theme files in `themes/` fill them (`ThemeFile`); `.default`
/// is the built-in dark theme, which also fills any role a file leaves out.
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
    /// The row under the cursor.
    public var selection: Style
    /// Rows marked for a decision together.
    public var mark: Style
    /// Frames of dialogs and overlays.
    public var border: Style

    public init(
        name: String, title: Style, header: Style, text: Style, dim: Style, accent: Style,
        statusBar: Style, alert: Style, selection: Style = Style(reverse: true), mark: Style = Style(bold: true),
        border: Style = .plain
    ) {
        self.name = name
        self.title = title
        self.header = header
        self.text = text
        self.dim = dim
        self.accent = accent
        self.statusBar = statusBar
        self.alert = alert
        self.selection = selection
        self.mark = mark
        self.border = border
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
        alert: Style(foreground: .indexed(203), bold: true),
        selection: Style(foreground: .indexed(231), background: .indexed(25)),
        mark: Style(foreground: .indexed(221), bold: true),
        border: Style(foreground: .indexed(117))
    )

    /// Every role a theme file may set, by the key it uses there.
    public static var roles: [(key: String, path: WritableKeyPath<Theme, Style>)] {
        [("title", \.title), ("header", \.header), ("text", \.text), ("dim", \.dim), ("accent", \.accent),
         ("status_bar", \.statusBar), ("alert", \.alert), ("selection", \.selection), ("mark", \.mark), ("border", \.border)]
    }
}
