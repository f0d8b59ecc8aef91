import Testing
@testable import KsEdgeGPU

#if canImport(Glibc)
@Suite struct FreedMemoryTests {
    /// On glibc (every Linux image ks-edge-gpu ships on) the refreshes really give freed memory back, rather than
    /// the lookup quietly finding nothing.
    @Test func glibcsTrimIsFound() {
        #expect(FreedMemory.canGiveBack)
        FreedMemory.giveBack()
    }
}
#endif
