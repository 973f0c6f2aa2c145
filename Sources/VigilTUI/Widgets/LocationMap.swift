import Foundation

/// An equirectangular projection of a latitude/longitude box onto a grid of `columns` × `rows` cells: row 0 is the
/// north edge, column 0 the west edge, each cell an equal slice of latitude and of longitude.
///
/// `east` may exceed 180 (and `west` fall below -180) so a box can straddle the antimeridian: a box from 179 to 181
/// holds longitude -179.5 (as 180.5).
public struct MapProjection: Hashable, Sendable {
    public var north: Double
    public var south: Double
    public var west: Double
    public var east: Double
    public var columns: Int
    public var rows: Int

    /// Smallest span `fitting` gives either axis, in degrees (about 22 km of latitude).
    public static let minimumSpan = 0.2
    /// Terminal cells are about twice as tall as they are wide.
    public static let cellAspect = 2.0

    public init(north: Double, south: Double, west: Double, east: Double, columns: Int, rows: Int) {
        self.north = north
        self.south = south
        self.west = west
        self.east = east
        self.columns = columns
        self.rows = rows
    }

    /// The cell holding a point, nil outside the box (or for NaN). Points on the east or south edge fall in the last
    /// column or row.
    public func cell(latitude: Double, longitude: Double) -> (column: Int, row: Int)? {
        guard columns > 0, rows > 0, latitude.isFinite, longitude.isFinite, north > south, east > west,
              latitude <= north, latitude >= south else { return nil }
        let wrapped = (longitude.truncatingRemainder(dividingBy: 360))
        guard let lon = [wrapped, wrapped + 360, wrapped - 360, wrapped + 720, wrapped - 720]
            .first(where: { $0 >= west && $0 <= east }) else { return nil }
        let column = Chart.clampedInt(((lon - west) / (east - west) * Double(columns)).rounded(.down), 0...columns - 1)
        let row = Chart.clampedInt(((north - latitude) / (north - south) * Double(rows)).rounded(.down), 0...rows - 1)
        return (column, row)
    }

    /// The centre of a cell (longitude normalised to -180…180).
    public func centre(column: Int, row: Int) -> (latitude: Double, longitude: Double) {
        let latitude = north - (Double(row) + 0.5) / Double(max(1, rows)) * (north - south)
        let longitude = west + (Double(column) + 0.5) / Double(max(1, columns)) * (east - west)
        return (latitude, Self.normalised(longitude))
    }

    /// A longitude brought into -180 ..< 180.
    public static func normalised(_ longitude: Double) -> Double {
        guard longitude.isFinite else { return 0 }
        let shifted = (longitude + 180).truncatingRemainder(dividingBy: 360)
        return (shifted < 0 ? shifted + 360 : shifted) - 180
    }

    /// A box holding every point with a margin of 5 % of the span on each side, at least `minimumSpan` degrees each
    /// way, then widened (never narrowed) so a cell covers about twice as much ground north–south as east–west at the
    /// box's middle latitude (cos latitude, floored at 0.1 near the poles). Latitudes are clamped to ±90 and the box
    /// kept within them; longitudes go the short way round, so points at 179.5 and -179.5 give a box about 179…181,
    /// not one 359° wide. Non-finite points are ignored; with none the box is the whole world.
    public static func fitting(_ points: [(latitude: Double, longitude: Double)], columns: Int, rows: Int) -> MapProjection {
        let valid = points.filter { $0.latitude.isFinite && $0.longitude.isFinite }
        guard !valid.isEmpty else {
            return MapProjection(north: 90, south: -90, west: -180, east: 180, columns: columns, rows: rows)
        }
        let latitudes = valid.map { min(max($0.latitude, -90), 90) }
        let longitudes = valid.map { normalised($0.longitude) }.sorted()
        let minimumLatitude = latitudes.min() ?? 0
        let maximumLatitude = latitudes.max() ?? 0
        // The box is the circle minus its largest empty gap between neighbouring longitudes.
        var west = longitudes[0]
        var east = longitudes[longitudes.count - 1]
        var largestGap = longitudes[0] + 360 - east
        for index in 1..<longitudes.count {
            let gap = longitudes[index] - longitudes[index - 1]
            if gap > largestGap {
                largestGap = gap
                west = longitudes[index]
                east = longitudes[index - 1] + 360
            }
        }
        let centreLatitude = (minimumLatitude + maximumLatitude) / 2
        let centreLongitude = (west + east) / 2
        let latitudeSpan = max((maximumLatitude - minimumLatitude) * 1.1, minimumSpan)
        let longitudeSpan = max((east - west) * 1.1, minimumSpan)

        let cosine = max(cos(centreLatitude * .pi / 180), 0.1)
        let columnCount = Double(max(1, columns))
        let rowCount = Double(max(1, rows))
        let degreesPerRow = max(latitudeSpan / rowCount, cellAspect * cosine * longitudeSpan / columnCount)
        let degreesPerColumn = degreesPerRow / (cellAspect * cosine)
        let height = min(degreesPerRow * rowCount, 180)
        let width = min(degreesPerColumn * columnCount, 360)

        var north = centreLatitude + height / 2
        var south = centreLatitude - height / 2
        if north > 90 {
            south -= north - 90
            north = 90
        }
        if south < -90 {
            north = min(90, north + (-90 - south))
            south = -90
        }
        return MapProjection(north: north, south: south, west: centreLongitude - width / 2,
                             east: centreLongitude + width / 2, columns: columns, rows: rows)
    }
}

/// A text map of where a client transacts: each cell of a `MapProjection` fitted to the points (and the home and alert
/// places) shaded by the total weight of the points in it, inside a frame with latitude labels at the left of the top
/// and bottom rows, longitude labels under the west and east edges and a legend.
///
/// Shades ░ ▒ ▓ █ split the range from the lightest to the heaviest non-empty cell into four equal steps of the
/// logarithm, so one busy place does not wash out the rest; the legend gives each shade's lower bound and the top
/// ("░ 1 ▒ 3.2 ▓ 10 █ 32–100"). When every cell weighs the same they are all █. Weights count by size (a refund's
/// negative weight is still activity there); NaN and infinite weights count as zero, and a cell whose points weigh
/// nothing shows "·". Points with a NaN or infinite coordinate are left out. Home is "H", the alert's place "X" (which
/// wins when they share a cell); the fitted box always holds both. The legend reads "H home  X this alert  42 km across
/// ░ 1 ▒ 3.2 ▓ 10 █ 32–100", the distance being the map's width at its middle latitude by the haversine formula.
///
/// Needs 25 × 7 (a 16 × 3 map); smaller rects get "map needs 25×7".
public struct LocationMap: Sendable {
    public struct Styles: Hashable, Sendable {
        public var label: Style
        public var border: Style
        public var cell: Style
        public var home: Style
        public var alert: Style
    }

    public struct Point: Hashable, Sendable {
        public var latitude: Double
        public var longitude: Double
        public var weight: Double

        public init(latitude: Double, longitude: Double, weight: Double = 1) {
            self.latitude = latitude
            self.longitude = longitude
            self.weight = weight
        }
    }

    public var points: [Point]
    public var home: (latitude: Double, longitude: Double)?
    public var alert: (latitude: Double, longitude: Double)?
    public var styles: Styles

    /// Mean Earth radius, km.
    public static let earthRadius = 6371.0088
    /// Lightest to full.
    public static let shades: [Character] = ["░", "▒", "▓", "█"]
    /// Columns for the latitude labels and their gap.
    static let labelWidth = 7
    static let minimumColumns = 16
    static let minimumRows = 3
    /// Frame top and bottom, longitude labels, legend.
    static let extraRows = 4
    public static let minimumSize = (width: labelWidth + 2 + minimumColumns, height: minimumRows + extraRows)

    public init(points: [(latitude: Double, longitude: Double, weight: Double)],
                home: (latitude: Double, longitude: Double)? = nil,
                alert: (latitude: Double, longitude: Double)? = nil,
                styles: Styles = Styles(theme: .default)) {
        self.points = points.map { Point(latitude: $0.latitude, longitude: $0.longitude, weight: $0.weight) }
        self.home = home
        self.alert = alert
        self.styles = styles
    }

    /// Great-circle distance in km between two points (haversine, mean Earth radius).
    public static func distance(from a: (latitude: Double, longitude: Double),
                                to b: (latitude: Double, longitude: Double)) -> Double {
        let radians = Double.pi / 180
        let dLatitude = (b.latitude - a.latitude) * radians
        let dLongitude = (b.longitude - a.longitude) * radians
        let h = sin(dLatitude / 2) * sin(dLatitude / 2)
            + cos(a.latitude * radians) * cos(b.latitude * radians) * sin(dLongitude / 2) * sin(dLongitude / 2)
        return 2 * earthRadius * asin(min(1, sqrt(max(0, h))))
    }

    /// The projection used for a map `columns` × `rows` cells large: fitted to the points, home and alert.
    public func projection(columns: Int, rows: Int) -> MapProjection {
        var places = points.filter { $0.latitude.isFinite && $0.longitude.isFinite }
            .map { (latitude: $0.latitude, longitude: $0.longitude) }
        if let home { places.append(home) }
        if let alert { places.append(alert) }
        return MapProjection.fitting(places, columns: columns, rows: rows)
    }

    /// The map's width at its middle latitude, in km: twice the distance from the west edge to the middle, so
    /// boxes wider than half the globe still measure the way round they show.
    public static func across(_ projection: MapProjection) -> Double {
        let latitude = (projection.north + projection.south) / 2
        let middle = (projection.west + projection.east) / 2
        return 2 * distance(from: (latitude, projection.west), to: (latitude, middle))
    }

    /// "41.20N", "0.5S", "74W": two decimals for a span under 2°, one under 20°, none beyond.
    static func coordinateLabel(_ value: Double, span: Double, positive: String, negative: String) -> String {
        let decimals = span < 2 ? 2 : (span < 20 ? 1 : 0)
        let text = String(format: "%.\(decimals)f", abs(value))
        let isZero = Double(text) == 0
        return text + (value < 0 && !isZero ? negative : positive)
    }

    /// "0.8 km", "42 km", "1,204 km".
    static func distanceLabel(_ kilometres: Double) -> String {
        kilometres < 10 ? String(format: "%.1f km", kilometres) : Chart.grouped(kilometres.rounded()) + " km"
    }

    /// Draws the framed map filling `rect`, or a one-line note when `rect` is too small.
    public func render(into buffer: inout CellBuffer, in rect: Rect) {
        guard !rect.isEmpty else { return }
        let columns = rect.width - Self.labelWidth - 2
        let rows = rect.height - Self.extraRows
        guard columns >= Self.minimumColumns, rows >= Self.minimumRows else {
            Chart.tooSmall("map needs \(Self.minimumSize.width)×\(Self.minimumSize.height)", into: &buffer, in: rect,
                           style: styles.label)
            return
        }
        let projection = projection(columns: columns, rows: rows)

        // Weights and visits per cell.
        var weights = Array(repeating: 0.0, count: columns * rows)
        var visited = Array(repeating: false, count: columns * rows)
        for point in points {
            guard let cell = projection.cell(latitude: min(max(point.latitude, -90), 90), longitude: point.longitude) else {
                continue
            }
            let index = cell.row * columns + cell.column
            weights[index] = Chart.clampedSum(weights[index] + abs(Chart.finite(point.weight)))
            visited[index] = true
        }
        let positive = weights.filter { $0 > 0 }
        let lightest = positive.min() ?? 0
        let heaviest = positive.max() ?? 0
        let logRange = heaviest > lightest ? log(heaviest) - log(lightest) : 0
        func shade(_ weight: Double) -> Character {
            guard logRange > 0 else { return Self.shades[3] }
            let step = Chart.clampedInt(((log(weight) - log(lightest)) / logRange * 4).rounded(.down), 0...3)
            return Self.shades[step]
        }

        // Frame and latitude labels.
        let frameX = rect.x + Self.labelWidth
        let mapX = frameX + 1
        buffer.put("┌" + String(repeating: "─", count: columns) + "┐", at: frameX, y: rect.y, style: styles.border)
        buffer.put("└" + String(repeating: "─", count: columns) + "┘", at: frameX, y: rect.y + rows + 1,
                   style: styles.border)
        let latitudeSpan = projection.north - projection.south
        for row in 0..<rows {
            let y = rect.y + 1 + row
            buffer.put("│", at: frameX, y: y, style: styles.border)
            buffer.put("│", at: mapX + columns, y: y, style: styles.border)
            var line = ""
            for column in 0..<columns {
                let index = row * columns + column
                line.append(weights[index] > 0 ? shade(weights[index]) : (visited[index] ? "·" : " "))
            }
            buffer.put(line, at: mapX, y: y, style: styles.cell)
        }
        let top = Self.coordinateLabel(projection.north, span: latitudeSpan, positive: "N", negative: "S")
        let bottom = Self.coordinateLabel(projection.south, span: latitudeSpan, positive: "N", negative: "S")
        buffer.put(pad(top, toWidth: Self.labelWidth - 1, alignment: .right), at: rect.x, y: rect.y + 1,
                   style: styles.label)
        buffer.put(pad(bottom, toWidth: Self.labelWidth - 1, alignment: .right), at: rect.x, y: rect.y + rows,
                   style: styles.label)

        // Home, then the alert on top.
        for (place, symbol, style) in [(home, "H", styles.home), (alert, "X", styles.alert)] {
            guard let place, let cell = projection.cell(latitude: min(max(place.latitude, -90), 90),
                                                       longitude: place.longitude) else { continue }
            buffer.put(symbol, at: mapX + cell.column, y: rect.y + 1 + cell.row, style: style)
        }

        // Longitude labels under the west and east edges.
        let longitudeSpan = projection.east - projection.west
        let westLabel = Self.coordinateLabel(MapProjection.normalised(projection.west), span: longitudeSpan,
                                             positive: "E", negative: "W")
        let eastLabel = Self.coordinateLabel(MapProjection.normalised(projection.east), span: longitudeSpan,
                                             positive: "E", negative: "W")
        let labelY = rect.y + rows + 2
        buffer.put(westLabel, at: mapX, y: labelY, style: styles.label, maxWidth: columns / 2)
        let eastWidth = min(displayWidth(of: eastLabel), columns / 2)
        buffer.put(eastLabel, at: mapX + columns - eastWidth, y: labelY, style: styles.label, maxWidth: eastWidth)

        // Legend.
        var parts: [String] = []
        if home != nil { parts.append("H home") }
        if alert != nil { parts.append("X this alert") }
        parts.append(Self.distanceLabel(Self.across(projection)) + " across")
        if heaviest > 0 {
            if logRange > 0 {
                parts.append((0..<4).map { step in
                    let bound = exp(log(lightest) + logRange * Double(step) / 4)
                    return String(Self.shades[step]) + " " + Chart.compact(bound)
                        + (step == 3 ? "–" + Chart.compact(heaviest) : "")
                }.joined(separator: " "))
            } else {
                parts.append("█ " + Chart.compact(heaviest))
            }
        } else if !visited.contains(true) {
            parts.append("no locations")
        }
        buffer.put(parts.joined(separator: "  "), at: rect.x, y: rect.y + rows + 3, style: styles.label,
                   maxWidth: rect.width)
    }
}

// In an extension so that the compiler still synthesises the (internal) memberwise initialiser; other modules start
// from a theme and set the fields they want to change.
extension LocationMap.Styles {
    public init(theme: Theme) {
        self.init(label: theme.dim, border: theme.border, cell: theme.accent, home: theme.header, alert: theme.alert)
    }
}
