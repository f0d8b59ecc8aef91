import Foundation
import Testing
@testable import KsEdgeGPU

/// What one refresh compared with the ledger confirms: a change must hold for two refreshes, a flap records nothing,
/// a new board is one `first_seen`, problems open and close, a silent board goes and comes back.
@Suite struct LedgerComparisonTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    let day: TimeInterval = 86_400

    func board(jetpack: String = "5.1.2", serial: String = "1422020000000") -> [LedgerFact: String] {
        LedgerFact.describing(exporter: .jetson, board: NodeGPU.Board(jetpack: jetpack, l4t: "35.4.1", module: "p3701-0005", serialNumber: serial),
                              gpus: [])
    }

    /// One refresh at `seconds` after start: its sightings against the stored facts; the facts after applying what it
    /// confirmed.
    func refresh(_ stored: inout [String: [LedgerFact: String]], _ hold: inout LedgerHold, at seconds: TimeInterval,
                 _ sightings: [LedgerSighting], lastSeen: [String: Date] = [:]) -> [LedgerChange] {
        let update = LedgerComparison.compare(stored: stored, sightings: sightings, lastSeen: lastSeen, hold: &hold,
                                              now: start.addingTimeInterval(seconds), goneAfter: day)
        for change in update.changes {
            stored[change.node, default: [:]][change.fact] = change.new
            for (fact, value) in update.initialFacts[change.node] ?? [:] { stored[change.node, default: [:]][fact] = value }
        }
        return update.changes
    }

    func seen(_ node: String, _ facts: [LedgerFact: String]?, problems: [Problem]? = nil, at seconds: TimeInterval) -> LedgerSighting {
        LedgerSighting(node: node, description: facts, problems: problems.map(LedgerFact.open), seen: facts == nil ? nil : start.addingTimeInterval(seconds))
    }

    @Test func aNewBoardIsOneFirstSeenAfterTwoRefreshesWithItsDescriptionAsItStarts() {
        var stored: [String: [LedgerFact: String]] = [:]
        var hold = LedgerHold()
        #expect(refresh(&stored, &hold, at: 0, [seen("n", board(), at: 0)]).isEmpty)
        let changes = refresh(&stored, &hold, at: 30, [seen("n", board(), at: 30)])
        #expect(changes.map(\.fact) == [.presence])
        #expect(changes.first?.sighted == start, "the first sighting's sample time")
        #expect(stored["n"]?[.description(.jetpack)] == "5.1.2" && stored["n"]?[.description(.serial)] == "1422020000000")
        #expect(refresh(&stored, &hold, at: 60, [seen("n", board(), at: 60)]).isEmpty)
        #expect(hold.isEmpty)
    }

    @Test func aChangeIsRecordedOnceItHeldTwoRefreshesAndAFlapIsNot() {
        var stored = ["n": board().merging([.presence: "present"]) { a, _ in a }]
        var hold = LedgerHold()
        // Upgraded for one refresh, then back: nothing.
        #expect(refresh(&stored, &hold, at: 0, [seen("n", board(jetpack: "6.0"), at: 0)]).isEmpty)
        #expect(refresh(&stored, &hold, at: 30, [seen("n", board(), at: 30)]).isEmpty)
        #expect(hold.isEmpty)
        // Upgraded for good: recorded at the second refresh, dated by the first sighting.
        #expect(refresh(&stored, &hold, at: 60, [seen("n", board(jetpack: "6.0"), at: 60)]).isEmpty)
        let changes = refresh(&stored, &hold, at: 90, [seen("n", board(jetpack: "6.0"), at: 90)])
        #expect(changes == [LedgerChange(node: "n", fact: .description(.jetpack), old: "5.1.2", new: "6.0", sighted: start.addingTimeInterval(60))])
        // And never again.
        #expect(refresh(&stored, &hold, at: 120, [seen("n", board(jetpack: "6.0"), at: 120)]).isEmpty)
        // A board not seen keeps what is pending: a change counts refreshes that saw it.
        #expect(refresh(&stored, &hold, at: 150, [seen("n", board(jetpack: "6.2"), at: 150)]).isEmpty)
        #expect(refresh(&stored, &hold, at: 180, [seen("n", nil, at: 180)]).isEmpty)
        #expect(refresh(&stored, &hold, at: 210, [seen("n", board(jetpack: "6.2"), at: 210)]).map(\.new) == ["6.2"])
    }

    @Test func agreementIsTheSampleTimeOfABoardWithNothingPending() {
        var hold = LedgerHold()
        let stored = ["n": board().merging([.presence: "present"]) { a, _ in a }]
        let agreeing = LedgerComparison.compare(stored: stored, sightings: [seen("n", board(), at: 5)], lastSeen: [:], hold: &hold, now: start, goneAfter: day)
        #expect(agreeing.agreed == ["n": start.addingTimeInterval(5)])
        let pending = LedgerComparison.compare(stored: stored, sightings: [seen("n", board(serial: "9"), at: 6)], lastSeen: [:], hold: &hold, now: start, goneAfter: day)
        #expect(pending.agreed.isEmpty, "a change seen once leaves where the search for its first sample starts")
    }

    @Test func problemsOpenAndCloseAndASeverityChangeIsBoth() {
        var stored = ["n": board().merging([.presence: "present"]) { a, _ in a }]
        var hold = LedgerHold()
        let warm = Problem(code: .boardHot, severity: .warning, sensor: "gpu", value: 91, message: "")
        let hot = Problem(code: .boardHot, severity: .critical, sensor: "gpu", value: 99.5, message: "")
        for seconds in [0.0, 30] { _ = refresh(&stored, &hold, at: seconds, [seen("n", board(), problems: [warm], at: seconds)]) }
        #expect(stored["n"]?[.problem(.boardHot, .warning, gpu: nil, sensor: "gpu")] == "open")
        _ = refresh(&stored, &hold, at: 60, [seen("n", board(), problems: [hot], at: 60)])
        let changes = refresh(&stored, &hold, at: 90, [seen("n", board(), problems: [hot], at: 90)])
        #expect(Set(changes.map { "\($0.fact.key) \($0.old ?? "-")>\($0.new ?? "-")" }) == [
            "problem/board_hot/critical//gpu ->open", "problem/board_hot/warning//gpu open>-",
        ])
        // A refresh without a new reading of problems changes none.
        #expect(refresh(&stored, &hold, at: 120, [seen("n", board(), problems: nil, at: 120)]).isEmpty)
        for seconds in [150.0, 180] { _ = refresh(&stored, &hold, at: seconds, [seen("n", board(), problems: [], at: seconds)]) }
        #expect(stored["n"]?.keys.contains(where: \.isProblem) == false)
    }

    @Test func aSilentBoardIsGoneAtItsLastSampleAndComesBack() {
        var stored = ["n": board().merging([.presence: "present"]) { a, _ in a }]
        var hold = LedgerHold()
        let last = start.addingTimeInterval(-10)
        #expect(refresh(&stored, &hold, at: day - 60, [], lastSeen: ["n": last]).isEmpty, "not yet a day")
        let gone = refresh(&stored, &hold, at: day + 60, [], lastSeen: ["n": last])
        #expect(gone == [LedgerChange(node: "n", fact: .presence, old: "present", new: "gone", sighted: last)])
        #expect(refresh(&stored, &hold, at: day + 90, [], lastSeen: ["n": last]).isEmpty, "gone once")
        _ = refresh(&stored, &hold, at: day + 120, [seen("n", board(), at: day + 120)], lastSeen: ["n": last])
        let back = refresh(&stored, &hold, at: day + 150, [seen("n", board(), at: day + 150)], lastSeen: ["n": last])
        #expect(back.map { "\($0.old ?? "-")>\($0.new ?? "-")" } == ["gone>present"])
    }

    @Test func factsKeepTheirKeys() {
        let facts: [LedgerFact] = [.presence, .description(.jetpack), .description(.powerMode), .gpu(.gpuUUID, index: 3),
                                   .problem(.xidError, .critical, gpu: 1, sensor: nil), .problem(.sensorOffline, .info, gpu: nil, sensor: "aux")]
        for fact in facts { #expect(LedgerFact(key: fact.key) == fact, "\(fact.key)") }
        for key in ["", "gone", "problem/on_fire/critical//", "gpu_uuid/x", "jetpack/1", "first_seen"] { #expect(LedgerFact(key: key) == nil, "\(key)") }
    }
}
