/// Faults that come and go (`simulate --faults`), so the demo shows problems appearing and clearing: while a board's
/// fault is on (two minutes in every ten, staggered by board), a Jetson's GPU sensor (the collector's and
/// node-exporter's thermal zone alike) reads 99.5 °C, an A100 server's
/// GPU 0 slows down for heat (its clock reasons say so, its thermal violation counter grows), its GPU 1 is held down for
/// heat a quarter of the time (only the counter tells) and reports XID 79, an L40S slows down for heat. With faults on, the health
/// families are written all the time, clear while the fault is off, so the signals are known either way.
enum Fault {
    static let period = 600.0
    static let lasting = 120.0

    static func isOn(_ board: SimulatedBoard, at time: Double) -> Bool {
        board.faults && (time + Double(board.ordinal) * 97).truncatingRemainder(dividingBy: period) < lasting
    }

    /// Seconds the fault has been on up to `time` (counted from the epoch), for counters that grow only while it is.
    static func secondsOn(_ board: SimulatedBoard, upTo time: Double) -> Double {
        guard board.faults else { return 0 }
        let shifted = time + Double(board.ordinal) * 97
        let periods = (shifted / period).rounded(.down)
        return periods * lasting + min(shifted - periods * period, lasting)
    }
}
