import Foundation
import Testing
import VigilDetect
@testable import VigilEngine

@Suite struct ConfigTests {
    @Test func theDefaultsFileReadsBackAsTheDefaults() throws {
        let text = VigilConfig().tomlText()
        #expect(try VigilConfig.parse(text, path: "defaults.toml") == VigilConfig())
        // Every key is written once, under a comment.
        for key in VigilConfig.keys {
            #expect(text.contains("\n\(key.name) = "), "\(key.path) is missing")
        }
        #expect(text.contains("[rules.over_daily_spend]\n# "))
    }

    @Test func keysLeftOutKeepTheirDefaultsAndGivenOnesApply() throws {
        let config = try VigilConfig.parse("""
            [alerts]
            threshold = 0.7
            daily_budget = 5
            [weights]
            lof = 0
            [rules.over_daily_spend]
            floor = 350.5
            [rules.burst]
            window_minutes = 30
            """, path: "mine.toml")
        var expected = VigilConfig()
        expected.alertThreshold = 0.7
        expected.dailyBudget = 5
        expected.weights[.localOutlierFactor] = 0
        expected.rules.overDailySpend.floorMinor = 35_050
        expected.rules.burst.windowSeconds = 1_800
        #expect(config == expected)
    }

    @Test func anOutOfRangeValueNamesTheKeyAndTheRange() {
        #expect(throws: ConfigError.invalidValue(path: "c.toml", key: "alerts.threshold", value: "1.5",
                                                 requirement: "must be a number from 0.01 to 0.99")) {
            try VigilConfig.parse("[alerts]\nthreshold = 1.5\n", path: "c.toml")
        }
        do {
            _ = try VigilConfig.parse("[weights]\nburst = -1\n", path: "c.toml")
            Issue.record("a negative weight was accepted")
        } catch {
            #expect(error.description == "c.toml: weights.burst = -1: must be a number from 0.0 to 10.0")
        }
    }

    @Test func aWrongTypeAnUnknownKeyAndBadSyntaxAreEachNamed() {
        #expect(throws: ConfigError.invalidValue(path: "c.toml", key: "alerts.daily_budget", value: "2.5",
                                                 requirement: "must be an integer from 0 to 1000000")) {
            try VigilConfig.parse("[alerts]\ndaily_budget = 2.5\n", path: "c.toml")
        }
        do {
            _ = try VigilConfig.parse("[alerts]\nthreshhold = 0.4\n", path: "c.toml")
            Issue.record("a misspelt key was accepted")
        } catch {
            #expect(error.description == "c.toml: unknown key 'alerts.threshhold' (known here: daily_budget, threshold)")
        }
        #expect(throws: ConfigError.unknownKey(path: "c.toml", key: "rules.made_up", known: [
            "amount_run", "burst", "category_amount", "impossible_travel", "over_daily_spend", "over_monthly_spend", "unusual_amount", "unusual_hour",
            "unusual_place",
        ])) {
            try VigilConfig.parse("[rules.made_up]\nx = 1\n", path: "c.toml")
        }
        do {
            _ = try VigilConfig.parse("[alerts]\nthreshold = = 2\n", path: "c.toml")
            Issue.record("bad TOML was accepted")
        } catch {
            #expect(error.description.hasPrefix("c.toml:2:"), "\(error)")
        }
        #expect(throws: ConfigError.self) { try VigilConfig.parse("alerts = 3\n", path: "c.toml") }
    }

    @Test func settingsThatContradictEachOtherAreRefused() {
        #expect(throws: ConfigError.inconsistent(
            path: "c.toml",
            problem: "rules.over_daily_spend.minimum_days (90) must not exceed rules.over_daily_spend.window_days (60)")) {
            try VigilConfig.parse("[rules.over_daily_spend]\nminimum_days = 90\n", path: "c.toml")
        }
        #expect(throws: ConfigError.inconsistent(
            path: "c.toml", problem: "rules.amount_run.full_probability must be below rules.amount_run.start_probability")) {
            try VigilConfig.parse("[rules.amount_run]\nfull_probability = 0.2\n", path: "c.toml")
        }
        let allZero = Detector.allCases.map { "\($0.rawValue) = 0" }.joined(separator: "\n")
        #expect(throws: ConfigError.self) { try VigilConfig.parse("[weights]\n" + allZero + "\n", path: "c.toml") }
    }

    @Test func aMissingFileIsAnErrorNamingIt() {
        do {
            _ = try VigilConfig.load(path: "/nonexistent/vigil.toml")
            Issue.record("a missing file loaded")
        } catch {
            #expect(error.description.hasPrefix("/nonexistent/vigil.toml: cannot read the config"))
        }
    }
}
