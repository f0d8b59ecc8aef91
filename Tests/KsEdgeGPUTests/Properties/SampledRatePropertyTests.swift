import Foundation
import PropertyBased
import Testing
@testable import KsEdgeGPU

/// Counters' rates from raw samples, against the rate they were made to grow at: scraped at uneven times with gaps,
/// reset, and read by a Pushgateway that serves each push at every scrape, however the scrapes fall between pushes.
@Suite struct SampledRatePropertyTests {
    /// A counter growing at `rate` per second from `start`, reset to zero at each of `resets`. Worked out in whole
    /// milliseconds, as Prometheus keeps sample times, so the truth carries no rounding of its own.
    struct Counter: CustomStringConvertible {
        var rate: Double
        var start: Double
        var resets: [Double]
        func value(at time: Double) -> Double {
            let since = resets.last { $0 <= time } ?? start
            let elapsed = Double(SampledRate.millisecondKey(time) - SampledRate.millisecondKey(since)) / 1000
            return rate * elapsed + (since == start ? 1_000 : 0)
        }
        var description: String { "rate \(rate) from \(start), resets \(resets)" }
    }

    /// Increasing times from `start`: gaps of 0.1 to 60 s, some long (a missed scrape).
    static func times(from start: Double, count: Int, using rng: inout some RandomNumberGenerator) -> [Double] {
        var times: [Double] = []
        var time = start
        for _ in 0..<count {
            time += Bool.random(using: &rng) ? Double.random(in: 0.1...15, using: &rng) : Double.random(in: 15...60, using: &rng)
            times.append((time * 1000).rounded() / 1000)
        }
        return times
    }

    struct Scraped: CustomStringConvertible {
        var counter: Counter
        var points: [Series.Point]
        var description: String { "\(counter); \(points.map { "\($0.timestamp)=\($0.value)" })" }
    }

    static let scraped = Generator<Scraped, Shrink.None<Scraped>>(run: { rng in
        let start = 1_795_000_000.0
        let times = times(from: start, count: Int.random(in: 0...8, using: &rng), using: &rng)
        let resets = times.count > 1 && Int.random(in: 0..<3, using: &rng) == 0
            ? [Double.random(in: times.first!...times.last!, using: &rng)] : []
        let counter = Counter(rate: Double.random(in: 0...1e9, using: &rng), start: start, resets: resets)
        return Scraped(counter: counter, points: times.map { .init(timestamp: $0, value: counter.value(at: $0)) })
    })

    @Test func aScrapedCounterReadsItsRateBetweenItsLastTwoSamples() async {
        await propertyCheck(count: 2000, input: Self.scraped, perform: failingOnThrow { sample in
            let rate = SampledRate.scraped(sample.points)
            guard sample.points.count >= 2 else {
                #expect(rate == nil, "a rate from \(sample.points.count) sample(s): \(sample)")
                return
            }
            let (older, newer) = (sample.points[sample.points.count - 2].timestamp, sample.points.last!.timestamp)
            let measured = try #require(rate, "\(sample)")
            if let reset = sample.counter.resets.first, reset > older, reset <= newer {
                // A reset between them: counted from zero, never negative, never more than the truth.
                #expect(measured >= 0 && measured <= sample.counter.rate * (1 + 1e-9), "\(measured): \(sample)")
            } else {
                #expect(abs(measured - sample.counter.rate) <= 1e-6 * max(1, sample.counter.rate), "\(measured): \(sample)")
            }
        })
    }

    @Test func staleMarkersAreNoCount() async {
        await propertyCheck(count: 1000, input: Self.scraped, perform: failingOnThrow { sample in
            // Markers between and after the samples (VictoriaMetrics returns them among raw samples) change nothing.
            var marked: [Series.Point] = []
            for point in sample.points {
                marked.append(point)
                if Bool.random() { marked.append(.init(timestamp: point.timestamp + 0.05, value: .nan)) }
            }
            #expect(SampledRate.scraped(marked) == SampledRate.scraped(sample.points), "\(marked)")
        })
    }

    struct Pushed: CustomStringConvertible {
        var counter: Counter
        var pushes: [Double]
        var points: [Series.Point]
        var pushTimes: [Int64: Double]
        var description: String { "\(counter); pushes \(pushes); scrapes \(points.map { "\($0.timestamp)=\($0.value)" })" }
    }

    /// Pushes at uneven times; the Pushgateway scraped at uneven times too, each scrape holding the last push before
    /// it (often the same push several scrapes running, or none new for a while).
    static let pushed = Generator<Pushed, Shrink.None<Pushed>>(run: { rng in
        let start = 1_795_000_000.0
        let pushes = times(from: start, count: Int.random(in: 0...5, using: &rng), using: &rng)
        let resets = pushes.count > 2 && Int.random(in: 0..<3, using: &rng) == 0
            ? [Double.random(in: pushes[pushes.count - 2]...pushes.last!, using: &rng)] : []
        let counter = Counter(rate: Double.random(in: 0...1e6, using: &rng), start: start, resets: resets)
        let scrapes = times(from: start, count: Int.random(in: 0...16, using: &rng), using: &rng)
        var points: [Series.Point] = []
        var pushTimes: [Int64: Double] = [:]
        for scrape in scrapes {
            guard let push = pushes.last(where: { $0 <= scrape }) else { continue }
            points.append(.init(timestamp: scrape, value: counter.value(at: push)))
            pushTimes[SampledRate.millisecondKey(scrape)] = push
        }
        return Pushed(counter: counter, pushes: pushes, points: points, pushTimes: pushTimes)
    })

    @Test func aPushedCounterReadsItsRateBetweenItsLastTwoPushes() async {
        await propertyCheck(count: 2000, input: Self.pushed, perform: failingOnThrow { sample in
            let rate = SampledRate.pushed(sample.points, pushTimes: sample.pushTimes)
            let seen = Set(sample.pushTimes.values).sorted()
            guard seen.count >= 2 else {
                #expect(rate == nil, "a rate from \(seen.count) push(es): \(sample)")
                return
            }
            let measured = try #require(rate, "\(sample)")
            // Push times are seconds since the epoch as floats (as Prometheus holds them): their difference carries
            // 1e-7 s, a part in 10⁶ of the shortest gap.
            if let reset = sample.counter.resets.first, reset > seen[seen.count - 2] {
                #expect(measured >= 0 && measured <= sample.counter.rate * (1 + 1e-5), "\(measured): \(sample)")
            } else {
                #expect(abs(measured - sample.counter.rate) <= 1e-5 * max(1, sample.counter.rate), "\(measured): \(sample)")
            }
        })
    }
}
