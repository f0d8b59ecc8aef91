import Foundation
import Metrics
import Synchronization

/// Keeps a dead Prometheus from being hammered: after `threshold` failures in a row the circuit opens and calls fail
/// at once (so requests fall back to SQLite without waiting); after a cool-down one call is let through as a probe. A
/// probe that succeeds closes the circuit; one that fails opens it again for twice as long, up to `maxCoolDown`.
public final class CircuitBreaker: Sendable {
    public enum State: Equatable, Sendable {
        case closed(failures: Int)
        case open(until: Date, coolDown: Duration)
        /// One probe is in flight; everyone else still fails fast.
        case halfOpen(coolDown: Duration)

        /// For `/metrics`: 0 closed, 1 open, 2 half-open.
        var gaugeValue: Int {
            switch self {
            case .closed: 0
            case .open: 1
            case .halfOpen: 2
            }
        }
    }

    /// What a caller may do now.
    public enum Permit: Equatable, Sendable {
        case call
        /// The call is the probe: its outcome decides whether the circuit closes.
        case probe
        case rejected(retryIn: Duration)
    }

    let threshold: Int
    let coolDown: Duration
    let maxCoolDown: Duration
    let now: @Sendable () -> Date
    private let state = Mutex<State>(.closed(failures: 0))
    private let gauge = Gauge(label: "ks_edge_gpu_prometheus_circuit_state")

    public init(threshold: Int = 5, coolDown: Duration = .seconds(2), maxCoolDown: Duration = .seconds(30),
                now: @escaping @Sendable () -> Date = Date.init) {
        self.threshold = max(1, threshold)
        self.coolDown = coolDown
        self.maxCoolDown = max(coolDown, maxCoolDown)
        self.now = now
        gauge.record(0)
    }

    public var current: State { state.withLock { $0 } }

    public func permit() -> Permit {
        let time = now()
        return update { state in
            switch state {
            case .closed:
                return .call
            case .open(let until, let coolDown):
                guard time >= until else { return .rejected(retryIn: .milliseconds(Int64(until.timeIntervalSince(time) * 1000))) }
                state = .halfOpen(coolDown: coolDown)
                return .probe
            case .halfOpen:
                return .rejected(retryIn: .zero)
            }
        }
    }

    /// The outcome of a call made under `permit`. Prometheus answering at all (even refusing a query) is a success.
    public func record(_ permit: Permit, succeeded: Bool) {
        let time = now()
        update { state in
            switch (state, succeeded) {
            case (_, true):
                state = .closed(failures: 0)
            case (.closed(let failures), false):
                state = failures + 1 >= threshold ? .open(until: time + coolDown.secondsValue, coolDown: coolDown) : .closed(failures: failures + 1)
            case (.halfOpen(let previous), false) where permit == .probe:
                let longer = min(previous * 2, maxCoolDown)
                state = .open(until: time + longer.secondsValue, coolDown: longer)
            case (.open, false), (.halfOpen, false):
                break // a call from before the circuit opened; the circuit already knows
            }
        }
    }

    /// A call given up by its caller (cancelled) tells nothing about Prometheus; a probe given up lets the next
    /// caller probe at once.
    public func abandon(_ permit: Permit) {
        guard permit == .probe else { return }
        let time = now()
        update { state in
            if case .halfOpen(let coolDown) = state { state = .open(until: time, coolDown: coolDown) }
        }
    }

    @discardableResult
    private func update<T>(_ body: (inout State) -> T) -> T {
        let (result, value) = state.withLock { state in
            let result = body(&state)
            return (result, state.gaugeValue)
        }
        gauge.record(value)
        return result
    }
}
