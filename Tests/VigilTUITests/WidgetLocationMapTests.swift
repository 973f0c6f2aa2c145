import Foundation
import Testing
@testable import VigilTUI

@Suite struct WidgetLocationMapTests {
    typealias Place = (latitude: Double, longitude: Double)

    func rows(_ map: LocationMap, width: Int, height: Int) -> [String] {
        drawnRows(width: width, height: height) { map.render(into: &$0, in: $1) }
    }

    func cell(_ projection: MapProjection, _ latitude: Double, _ longitude: Double) -> [Int]? {
        projection.cell(latitude: latitude, longitude: longitude).map { [$0.column, $0.row] }
    }

    @Test func theProjectionMapsCornersCentreAndEdges() {
        let grid = MapProjection(north: 10, south: 0, west: 0, east: 20, columns: 20, rows: 10)
        #expect(cell(grid, 10, 0) == [0, 0], "north-west corner")
        #expect(cell(grid, 0, 20) == [19, 9], "south-east corner falls in the last cell")
        #expect(cell(grid, 5, 10) == [10, 5], "centre")
        #expect(cell(grid, 9.95, 0.5) == [0, 0])
        #expect(cell(grid, 0.5, 19.5) == [19, 9])
        #expect(cell(grid, 10.01, 5) == nil && cell(grid, -0.01, 5) == nil, "just north and south")
        #expect(cell(grid, 5, -0.01) == nil && cell(grid, 5, 20.01) == nil, "just west and east")
        #expect(cell(grid, .nan, 5) == nil && cell(grid, 5, .infinity) == nil)
        #expect(cell(grid, 5, 370) == [10, 5] && cell(grid, 5, -350) == [10, 5], "longitudes wrap")
        let centre = grid.centre(column: 0, row: 0)
        #expect(centre.latitude == 9.5 && centre.longitude == 0.5)
        #expect(cell(MapProjection(north: 10, south: 0, west: 0, east: 20, columns: 0, rows: 0), 5, 5) == nil)
        #expect(cell(MapProjection(north: 0, south: 0, west: 0, east: 0, columns: 4, rows: 4), 0, 0) == nil)
    }

    @Test func aBoxMayStraddleTheAntimeridian() {
        let box = MapProjection(north: 1, south: -1, west: 179, east: 181, columns: 4, rows: 2)
        #expect(cell(box, 0.5, -179.5) == [3, 0])
        #expect(cell(box, -0.5, 179.2) == [0, 1])
        #expect(cell(box, 0, 178) == nil && cell(box, 0, -178.9) == nil)
        #expect(box.centre(column: 3, row: 0).longitude == -179.25)
        #expect(MapProjection.normalised(180.5) == -179.5 && MapProjection.normalised(-180) == -180)
        #expect(MapProjection.normalised(540) == -180 && MapProjection.normalised(.nan) == 0)

        let fitted = MapProjection.fitting([(-17, 179.5), (-17.2, -179.5)], columns: 35, rows: 6)
        #expect(fitted.west > 170 && fitted.west < 179.5 && fitted.east > 180.5 && fitted.east < 190, "\(fitted)")
        #expect(cell(fitted, -17, 179.5) != nil && cell(fitted, -17.2, -179.5) != nil)
        let pacific = MapProjection.fitting([(0, -170), (0, 170)], columns: 20, rows: 5)
        #expect(pacific.west > 160 && pacific.east < 200, "the short way round: \(pacific)")
        let spread = MapProjection.fitting([(0, 0), (0, 120), (0, -120)], columns: 20, rows: 5)
        #expect(spread.west <= -120 && spread.east >= 120 && spread.east - spread.west <= 360)
    }

    @Test func fittingKeepsAMinimumSpanAndTheCellAspect() {
        let single = MapProjection.fitting([(40, -74)], columns: 30, rows: 10)
        #expect(single.north - single.south >= 0.2 - 1e-12 && single.east - single.west >= 0.2 - 1e-12)
        #expect(cell(single, 40, -74) == [15, 5])
        // A cell covers twice as much ground north–south as east–west at the middle latitude.
        let degreesPerRow = (single.north - single.south) / 10
        let degreesPerColumn = (single.east - single.west) / 30
        #expect(abs(degreesPerRow - 2 * cos(40 * Double.pi / 180) * degreesPerColumn) < 1e-9)
        #expect(MapProjection.fitting([(40, -74), (40, -74), (40, -74)], columns: 30, rows: 10) == single)
        // A tall narrow set is widened east–west, a wide flat one north–south.
        let tall = MapProjection.fitting([(0, 0), (10, 0)], columns: 20, rows: 10)
        #expect(abs(tall.north - tall.south - 11) < 1e-9 && tall.east - tall.west > 5)
        let flat = MapProjection.fitting([(0, 0), (0, 10)], columns: 20, rows: 10)
        #expect(abs(flat.east - flat.west - 11) < 1e-9 && flat.north - flat.south > 5)
        // Longitudes beyond ±180 come in normalised.
        #expect(cell(MapProjection.fitting([(10, 200)], columns: 20, rows: 5), 10, -160) != nil)
    }

    @Test func polesEmptyAndNonFinitePointsStaySane() {
        let polar = MapProjection.fitting([(90, 10), (89.9, -170)], columns: 21, rows: 3)
        #expect(polar.north == 90 && polar.south < 89.9 && polar.south.isFinite && polar.west.isFinite && polar.east.isFinite)
        #expect(cell(polar, 90, 10) != nil && cell(polar, 89.9, -170) != nil)
        let south = MapProjection.fitting([(-95, 0)], columns: 20, rows: 5)
        #expect(south.south == -90 && south.north > -90)
        let world = MapProjection(north: 90, south: -90, west: -180, east: 180, columns: 20, rows: 5)
        #expect(MapProjection.fitting([], columns: 20, rows: 5) == world)
        #expect(MapProjection.fitting([(.nan, 1), (1, .infinity)], columns: 20, rows: 5) == world)
        #expect(MapProjection.fitting([(1, 1)], columns: 0, rows: -3).north.isFinite)
    }

    @Test func haversineDistances() {
        #expect(abs(LocationMap.distance(from: (0, 0), to: (0, 1)) - 111.195) < 0.001)
        #expect(abs(LocationMap.distance(from: (40.7128, -74.0060), to: (51.5074, -0.1278)) - 5570.23) < 0.01)
        #expect(abs(LocationMap.distance(from: (90, 0), to: (-90, 0)) - 20015.114) < 0.001)
        #expect(LocationMap.distance(from: (10, 10), to: (10, 10)) == 0)
        #expect(LocationMap.distanceLabel(4.25) == "4.2 km" || LocationMap.distanceLabel(4.25) == "4.3 km")
        #expect(LocationMap.distanceLabel(1_204.4) == "1,204 km")
    }

    @Test func aCityWithHomeAlertLogShadesLabelsAndLegend() {
        let points: [(latitude: Double, longitude: Double, weight: Double)] = [
            (40.71, -74.0, 120), (40.75, -73.98, 5), (40.65, -73.78, 1), (40.8, -73.95, 30),
        ]
        let map = LocationMap(points: points, home: (40.7, -73.95), alert: (40.65, -73.78))
        // Shades by log weight from 1 to 120: bounds 1, 3.3, 11, 36; 5 is ▒, 30 ▓, 120 █; the 1 lies under the X.
        #expect(rows(map, width: 60, height: 12) == Expected.city)
        var buffer = CellBuffer(width: 60, height: 12)
        map.render(into: &buffer, in: buffer.bounds)
        let styles = LocationMap.Styles(theme: .default)
        #expect(buffer[40, 7].character == "X" && buffer[40, 7].style == styles.alert)
        #expect(buffer[29, 5].character == "H" && buffer[29, 5].style == styles.home)
        #expect(buffer[26, 5].style == styles.cell && buffer[7, 0].style == styles.border)
    }

    @Test func antimeridianSameCellAndSinglePoints() {
        #expect(rows(LocationMap(points: [(-17, 179.5, 1), (-17.2, -179.5, 2)]), width: 44, height: 10) == Expected.antimeridian)
        // Weights count by size (3 + |-2| + NaN as 0 = 5); the alert wins over home in one cell.
        let same = LocationMap(points: [(51.5, -0.12, 3), (51.5, -0.12, -2), (51.5, -0.12, .nan)],
                               home: (51.5, -0.12), alert: (51.5, -0.12))
        #expect(rows(same, width: 40, height: 7) == Expected.sameCell)
        #expect(rows(LocationMap(points: [(0, 0, 1)]), width: 40, height: 7) == Expected.single)
    }

    @Test func emptyPolarAndHugeWeights() {
        #expect(rows(LocationMap(points: []), width: 30, height: 7) == Expected.empty)
        // A point with no weight is a dot; the pole does not make NaN.
        #expect(rows(LocationMap(points: [(90, 10, 1), (89.9, -170, .nan)]), width: 40, height: 7) == Expected.pole)
        // 1e15 beside 1: the light one still shows; a weightless one is a dot.
        #expect(rows(LocationMap(points: [(10, 10, 1e15), (10.5, 10.5, 1), (11, 11, 0)]), width: 40, height: 8) == Expected.huge)
        // Home and alert far from the points are still on the map.
        let far = rows(LocationMap(points: [(0, 0, 1)], home: (60, 60), alert: (-60, -60)), width: 40, height: 9)
        expectScreen(far, [
            "       ┌───────────────────────────────┐",
            "   66N │                    H          │",
            "       │                               │",
            "       │               █               │",
            "       │                               │",
            "   66S │          X                    │",
            "       └───────────────────────────────┘",
            "        180W                       180W",
            "H home  X this alert  40,030 km across",
        ])
    }

    @Test func tooSmallRectsSaySo() {
        let map = LocationMap(points: [(51.5, -0.12, 3)])
        #expect(rows(map, width: 24, height: 7)[0] == "map needs 25×7          ")
        expectScreen(rows(map, width: 40, height: 6), [
            "map needs 25×7",
            "",
            "",
            "",
            "",
            "",
        ])
        #expect(rows(map, width: 25, height: 7)[0] == "       ┌────────────────┐")
        #expect(rows(map, width: 1, height: 1) == ["…"])
    }

    @Test(arguments: chartTinyRects) func tinyRectsNeverCrashOrSpill(rect: Rect) {
        let map = LocationMap(points: [(90, 180, .infinity), (-90, -180, -1), (.nan, 0, 1), (0, 0, 1e15)],
                              home: (.nan, .nan), alert: (45, 400))
        expectDrawsOnlyInside(rect) { map.render(into: &$0, in: rect) }
        expectDrawsOnlyInside(rect) { LocationMap(points: []).render(into: &$0, in: rect) }
    }
}

// Expected drawings, checked by hand.
private enum Expected {
    static let city = [
        "       ┌───────────────────────────────────────────────────┐",
        "40.82N │                     ▓                             │",
        "       │                                                   │",
        "       │                    ▒                              │",
        "       │                                                   │",
        "       │                  █  H                             │",
        "       │                                                   │",
        "       │                                X                  │",
        "40.62N │                                                   │",
        "       └───────────────────────────────────────────────────┘",
        "        74.31W                                       73.47W ",
        "H home  X this alert  71 km across  ░ 1 ▒ 3.3 ▓ 11 █ 36–120 ",
    ]
    static let antimeridian = [
        "       ┌───────────────────────────────────┐",
        "16.92S │                                   │",
        "       │ ░                                 │",
        "       │                                   │",
        "       │                                   │",
        "       │                                 █ │",
        "17.28S │                                   │",
        "       └───────────────────────────────────┘",
        "        179.45E                     179.45W ",
        "117 km across  ░ 1 ▒ 1.2 ▓ 1.4 █ 1.7–2      ",
    ]
    static let sameCell = [
        "       ┌───────────────────────────────┐",
        "51.60N │                               │",
        "       │               X               │",
        "51.40N │                               │",
        "       └───────────────────────────────┘",
        "        0.95W                     0.71E ",
        "H home  X this alert  115 km across  █ 5",
    ]
    static let single = [
        "       ┌───────────────────────────────┐",
        " 0.10N │                               │",
        "       │               █               │",
        " 0.10S │                               │",
        "       └───────────────────────────────┘",
        "        0.52W                     0.52E ",
        "115 km across  █ 1                      ",
    ]
    static let empty = [
        "       ┌─────────────────────┐",
        "   90N │                     │",
        "       │                     │",
        "   90S │                     │",
        "       └─────────────────────┘",
        "        180W             180W ",
        "40,030 km across  no locations",
    ]
    static let pole = [
        "       ┌───────────────────────────────┐",
        " 90.0N │ ·                           █ │",
        "       │                               │",
        " 86.2N │                               │",
        "       └───────────────────────────────┘",
        "        179W                        19E ",
        "648 km across  █ 1                      ",
    ]
    static let huge = [
        "       ┌───────────────────────────────┐",
        "11.05N │                   ·           │",
        "       │                               │",
        "       │               ░               │",
        " 9.95N │           █                   │",
        "       └───────────────────────────────┘",
        "        8.3E                      12.7E ",
        "474 km across  ░ 1 ▒ 5.6k ▓ 32M █ 178B–1",
    ]
}
