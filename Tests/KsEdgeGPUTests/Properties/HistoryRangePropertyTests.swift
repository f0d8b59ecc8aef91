import Foundation
import PropertyBased
import Testing
@testable import KsEdgeGPU

/// History ranges are moved onto whole steps, never forward, and by less than a step: whatever a client asks, the
/// points are at stable times and none lies after the time asked for.
@Suite struct HistoryRangePropertyTests {
    @Test func alignedRangesStartAndEndOnWholeStepsNeverLater() async {
        let (starts, lengths, steps) = (Gen.int(in: 0...2_000_000_000), Gen.int(in: 0...200_000), Gen.int(in: 1...86_400))
        await propertyCheck(count: 2000, input: starts, lengths, steps, perform: failingOnThrow { start, length, step in
            let asked = HistoryQuery.Range(start: Double(start), end: Double(start + length), step: Double(step))
            let range = asked.aligned
            #expect(range.step == asked.step)
            #expect(range.start.truncatingRemainder(dividingBy: range.step) == 0, "\(asked) → \(range)")
            #expect(range.end.truncatingRemainder(dividingBy: range.step) == 0, "\(asked) → \(range)")
            #expect(range.start <= asked.start && asked.start - range.start < asked.step, "\(asked) → \(range)")
            #expect(range.end <= asked.end && asked.end - range.end < asked.step, "\(asked) → \(range)")
            #expect(range.start <= range.end)
            #expect(range.aligned == range, "aligning twice moved \(range)")
        })
    }
}
