import Testing
@testable import VigilTUI

@Suite struct WidgetProgressBarTests {
    func row(_ bar: ProgressBar, width: Int) -> String {
        drawnRows(width: width, height: 1) { bar.render(into: &$0, in: $1) }[0]
    }

    @Test func labelBarPercentAndDetail() {
        // 17 columns of bar, 136 eighths: 45 % is 61.2 → 7 full blocks and ▋.
        #expect(row(ProgressBar(fraction: 0.45, label: "Scanning", detail: "4,500 of 10,000"), width: 50)
                == "Scanning [███████▋         ]  45%  4,500 of 10,000")
        #expect(row(ProgressBar(fraction: 0, label: ""), width: 20) == "[             ]   0%")
        #expect(row(ProgressBar(fraction: 1, label: ""), width: 20) == "[█████████████] 100%")
    }

    @Test func roundsDownSoOnlyDoneLooksDone() {
        let almost = ProgressBar(fraction: 0.999, label: "")
        #expect(almost.percentText == "99%")
        #expect(row(almost, width: 20) == "[████████████▉]  99%")
        #expect(ProgressBar(fraction: 0.5, label: "").percentText == "50%")
    }

    @Test func fractionsAreClampedAndNonFiniteOnesAreZero() {
        #expect(row(ProgressBar(fraction: .nan, label: "x"), width: 20) == "x [           ]   0%")
        #expect(row(ProgressBar(fraction: 7, label: "x"), width: 20) == "x [███████████] 100%")
        #expect(row(ProgressBar(fraction: -1, label: "x"), width: 20) == "x [           ]   0%")
        #expect(ProgressBar(fraction: .infinity, label: "").clampedFraction == 0)
        #expect(ProgressBar(fraction: 1e15, label: "").clampedFraction == 1)
        #expect(ProgressBar(fraction: nil, label: "").clampedFraction == nil)
    }

    @Test func indeterminateIsAnEvenBandAndAnEllipsis() {
        #expect(row(ProgressBar(fraction: nil, label: "Scanning", detail: "4,500"), width: 40)
                == "Scanning [░░░░░░░░░░░░░░░░░]    …  4,500")
    }

    @Test func narrowRowsCutTheLabelThenDropTheBar() {
        #expect(row(ProgressBar(fraction: 0.5, label: "A very long label that will not fit", detail: "detail"), width: 30)
                == "A very long labe… [██▌  ]  50%")
        #expect(row(ProgressBar(fraction: 0.5, label: "Import", detail: "d"), width: 12) == "[██▌  ]  50%")
        #expect(row(ProgressBar(fraction: 0.999, label: "Scanning"), width: 11) == "99% Scanni…")
        #expect(row(ProgressBar(fraction: 0.5, label: "x"), width: 2) == "5…")
        #expect(drawnRows(width: 0, height: 0) { ProgressBar(fraction: 0.5, label: "x").render(into: &$0, in: $1) }.isEmpty)
    }

    @Test func stylesAndSanitising() {
        let styles = ProgressBar.Styles(label: Style(bold: true), bar: Style(foreground: .green), track: Style(dim: true),
                                        percent: .plain, detail: Style(underline: true))
        var buffer = CellBuffer(width: 30, height: 1)
        ProgressBar(fraction: 0.5, label: "\u{1B}x", detail: "\u{07}", styles: styles).render(into: &buffer, in: buffer.bounds)
        #expect(buffer.rowText(0) == "␛x [████████▌        ]  50%  ␇")
        #expect(buffer[0, 0].style == styles.label)
        #expect(buffer[3, 0].style == styles.track)
        #expect(buffer[4, 0].style == styles.bar)
        #expect(buffer[18, 0].style == styles.track)
        #expect(buffer[29, 0].style == styles.detail)
    }

    @Test(arguments: chartTinyRects) func tinyRectsNeverCrashOrSpill(rect: Rect) {
        expectDrawsOnlyInside(rect) { ProgressBar(fraction: 0.3, label: "\u{1B}[31m漢字 label", detail: "d").render(into: &$0, in: rect) }
        expectDrawsOnlyInside(rect) { ProgressBar(fraction: nil, label: "").render(into: &$0, in: rect) }
    }
}
