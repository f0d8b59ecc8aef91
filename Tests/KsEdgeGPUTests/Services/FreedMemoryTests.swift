import Testing
@testable import KsEdgeGPU

@Suite struct FreedMemoryTests {
    /// On glibc (every Linux image ks-edge-gpu ships on) the refreshes really give freed memory back, rather than
    /// the lookup quietly finding nothing.
    @Test(.enabled(if: LiveServices.isGlibc)) func glibcsTrimIsFound() {
        #expect(FreedMemory.canGiveBack)
        FreedMemory.giveBack()
    }
}

extension LiveServices {
    static var isGlibc: Bool {
        #if canImport(Glibc)
        true
        #else
        false
        #endif
    }
}
