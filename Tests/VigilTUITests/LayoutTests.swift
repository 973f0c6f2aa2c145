import Testing
import VigilTUI

@Suite struct LayoutTests {
    @Test func fixedPercentAndFillRowsTileTheRectangle() {
        let area = Rect(x: 2, y: 1, width: 80, height: 24)
        let rows = area.splitRows([.fixed(1), .percent(50), .fill, .fixed(1)])
        #expect(rows.map(\.height) == [1, 12, 10, 1])
        #expect(rows.map(\.y) == [1, 2, 14, 24])
        #expect(rows.allSatisfy { $0.x == 2 && $0.width == 80 })
        #expect(rows.last?.maxY == area.maxY)
    }

    @Test func fillsShareTheRemainderByWeightAndTheFirstTakeTheSlack() {
        let columns = Rect(width: 10, height: 3).splitColumns([.fill(1), .fill(1), .fill(1)])
        #expect(columns.map(\.width) == [4, 3, 3])
        #expect(columns.map(\.x) == [0, 4, 7])
        let weighted = Rect(width: 12, height: 1).splitColumns([.fill(1), .fill(2)])
        #expect(weighted.map(\.width) == [4, 8])
    }

    @Test func oversizedFixedPartsAreCutAndFillsGetNothing() {
        let rows = Rect(width: 5, height: 5).splitRows([.fixed(3), .fixed(4), .fill])
        #expect(rows.map(\.height) == [3, 2, 0])
        #expect(rows.reduce(0) { $0 + $1.height } == 5)
    }

    @Test func insetsNeverGoNegative() {
        let rect = Rect(x: 0, y: 0, width: 10, height: 4)
        #expect(rect.inset(by: 1) == Rect(x: 1, y: 1, width: 8, height: 2))
        #expect(rect.inset(top: 1, left: 2) == Rect(x: 2, y: 1, width: 8, height: 3))
        let tooMuch = rect.inset(by: 6)
        #expect(tooMuch.isEmpty)
        #expect(tooMuch.width == 0 && tooMuch.height == 0)
    }

    @Test func edgeSplitsAndIntersection() {
        let rect = Rect(width: 20, height: 10)
        let (top, rest) = rect.splitTop(1)
        #expect(top == Rect(x: 0, y: 0, width: 20, height: 1))
        #expect(rest == Rect(x: 0, y: 1, width: 20, height: 9))
        let (above, bottom) = rect.splitBottom(2)
        #expect(above.height == 8 && bottom.y == 8)
        let (left, right) = rect.splitLeft(25)
        #expect(left.width == 20 && right.width == 0)
        #expect(rect.intersection(Rect(x: 15, y: 5, width: 10, height: 10)) == Rect(x: 15, y: 5, width: 5, height: 5))
        #expect(rect.intersection(Rect(x: 30, y: 0, width: 5, height: 5)).isEmpty)
    }
}
