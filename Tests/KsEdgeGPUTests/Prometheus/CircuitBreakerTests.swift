import Foundation
import NIOCore
import Synchronization
import Testing
@testable import KsEdgeGPU

/// A clock the test moves by hand.
final class ManualClock: Sendable {
    private let time = Mutex(Date(timeIntervalSince1970: 1_795_000_000))
    var now: Date { time.withLock { $0 } }
    func advance(_ seconds: Double) { time.withLock { $0 += seconds } }
}

@Suite struct CircuitBreakerTests {
    let clock = ManualClock()

    func breaker() -> CircuitBreaker {
        let clock = clock
        return CircuitBreaker(threshold: 3, coolDown: .seconds(2), maxCoolDown: .seconds(5), now: { clock.now })
    }

    func fail(_ breaker: CircuitBreaker, times: Int) {
        for _ in 0..<times {
            let permit = breaker.permit()
            breaker.record(permit, succeeded: false)
        }
    }

    @Test func opensAfterThresholdFailuresInARowOnly() {
        let breaker = breaker()
        fail(breaker, times: 2)
        breaker.record(breaker.permit(), succeeded: true)
        fail(breaker, times: 2)
        #expect(breaker.permit() == .call, "a success in between starts the count again")
        fail(breaker, times: 1)
        #expect(breaker.permit() == .rejected(retryIn: .seconds(2)))
    }

    @Test func probesAfterTheCoolDownAndClosesOnSuccess() {
        let breaker = breaker()
        fail(breaker, times: 3)
        clock.advance(1.5)
        #expect(breaker.permit() == .rejected(retryIn: .milliseconds(500)))
        clock.advance(0.5)
        let probe = breaker.permit()
        #expect(probe == .probe)
        #expect(breaker.permit() == .rejected(retryIn: .zero), "one probe at a time")
        breaker.record(probe, succeeded: true)
        #expect(breaker.current == .closed(failures: 0))
        #expect(breaker.permit() == .call)
    }

    @Test func aFailedProbeOpensForLongerUpToTheMaximum() {
        let breaker = breaker()
        fail(breaker, times: 3)
        var expected: [Double] = []
        for _ in 0..<3 {
            let coolDown: Duration = if case .open(_, let coolDown) = breaker.current { coolDown } else { .zero }
            expected.append(coolDown.secondsValue)
            clock.advance(coolDown.secondsValue)
            let probe = breaker.permit()
            #expect(probe == .probe)
            breaker.record(probe, succeeded: false)
        }
        #expect(expected == [2, 4, 5])
    }

    @Test func anAbandonedProbeLetsTheNextCallerProbe() {
        let breaker = breaker()
        fail(breaker, times: 3)
        clock.advance(2)
        let probe = breaker.permit()
        breaker.abandon(probe)
        #expect(breaker.permit() == .probe)
    }

    @Test func lateFailuresOfCallsFromBeforeTheOpeningChangeNothing() {
        let breaker = breaker()
        let early = (0..<4).map { _ in breaker.permit() }
        for permit in early { breaker.record(permit, succeeded: false) }
        guard case .open(let until, _) = breaker.current else { Issue.record("not open: \(breaker.current)"); return }
        #expect(until == clock.now + 2)
    }
}

/// A source that answers from a script, one step per call, and counts calls.
final class ScriptedSource: MetricsSource, PrometheusForwarder {
    enum Step: Sendable {
        case answer
        case fail(UpstreamError)
        case hang
    }

    private let steps: Mutex<[Step]>
    private let calls = Mutex(0)
    var callCount: Int { calls.withLock { $0 } }

    init(_ steps: [Step]) { self.steps = Mutex(steps) }

    private func next() async throws(UpstreamError) -> [Series] {
        calls.withLock { $0 += 1 }
        let step = steps.withLock { $0.count > 1 ? $0.removeFirst() : $0[0] }
        switch step {
        case .answer: return [Series(labels: ["__name__": "up"], points: [Series.Point(timestamp: 1, value: 1)])]
        case .fail(let error): throw error
        case .hang:
            do { try await Task.sleep(for: .seconds(3600)) } catch { throw .cancelled }
            return []
        }
    }

    func query(_ query: PromQL) async throws(UpstreamError) -> [Series] { try await next() }
    func queryRange(_ query: PromQL, start: Double, end: Double, step: Double) async throws(UpstreamError) -> [Series] { try await next() }
    func forward(path: String, form: [(String, String)]) async throws(UpstreamError) -> ForwardedAnswer {
        _ = try await next()
        return ForwardedAnswer(status: 200, contentType: nil, body: ByteBuffer())
    }
}

@Suite struct ResilientSourceTests {
    let query = PromQL(trusted: "up")

    // A deadline far beyond any wait here: these tests count tries, and a loaded CI machine once took 7 s for one.
    func resilient(_ base: ScriptedSource, threshold: Int = 5, deadline: Duration = .seconds(120)) -> ResilientSource<ScriptedSource> {
        ResilientSource(base: base, breaker: CircuitBreaker(threshold: threshold, coolDown: .seconds(60)), deadline: deadline,
                        attempts: 3, backoff: .milliseconds(1))
    }

    @Test(arguments: [UpstreamError.unreachable("connection reset"), .badResponse("HTTP 503: unavailable")])
    func aTransientFailureIsTriedAgain(error: UpstreamError) async throws {
        let base = ScriptedSource([.fail(error), .answer])
        let series = try await resilient(base).query(query)
        #expect(series.count == 1)
        #expect(base.callCount == 2)
    }

    @Test(arguments: [UpstreamError.rejected("HTTP 400: bad_data"), .timeout(seconds: 2), .tooLarge(limitBytes: 1024)])
    func aLastingFailureIsNot(error: UpstreamError) async {
        let base = ScriptedSource([.fail(error), .answer])
        await #expect(throws: error) { try await resilient(base).query(query) }
        #expect(base.callCount == 1)
    }

    @Test func triesAreBounded() async {
        let base = ScriptedSource([.fail(.unreachable("refused"))])
        await #expect(throws: UpstreamError.unreachable("refused")) { try await resilient(base).query(query) }
        #expect(base.callCount == 3)
    }

    @Test func theWholeCallStaysWithinTheDeadline() async {
        let base = ScriptedSource([.hang])
        await #expect(throws: UpstreamError.timeout(seconds: 0.2)) { try await resilient(base, deadline: .milliseconds(200)).query(query) }
    }

    @Test func anOpenCircuitFailsAtOnceWithoutAskingPrometheus() async {
        let base = ScriptedSource([.fail(.unreachable("refused"))])
        let source = resilient(base, threshold: 3)
        await #expect(throws: UpstreamError.unreachable("refused")) { try await source.query(query) }
        #expect(base.callCount == 3)
        for _ in 0..<10 {
            await #expect { try await source.query(query) } throws: { error in
                if case .circuitOpen = error as? UpstreamError { true } else { false }
            }
        }
        #expect(base.callCount == 3, "no call reached Prometheus while the circuit was open")
    }

    @Test func triesThatRunOutOfTimeCountTowardsOpeningTheCircuit() async {
        let base = ScriptedSource([.hang])
        let source = resilient(base, threshold: 2, deadline: .milliseconds(50))
        for _ in 0..<2 { await #expect(throws: UpstreamError.timeout(seconds: 0.05)) { try await source.query(query) } }
        await #expect { try await source.query(query) } throws: { error in
            if case .circuitOpen = error as? UpstreamError { true } else { false }
        }
        #expect(base.callCount == 2, "a slow Prometheus is not waited on again while the circuit is open")
    }

    @Test func aRefusedQueryKeepsTheCircuitClosed() async {
        let base = ScriptedSource([.fail(.rejected("bad_data"))])
        let source = resilient(base, threshold: 2)
        for _ in 0..<5 { _ = try? await source.query(query) }
        #expect(base.callCount == 5)
        #expect(source.breaker.current == .closed(failures: 0))
    }
}
