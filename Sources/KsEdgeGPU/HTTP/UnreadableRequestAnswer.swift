import Foundation
import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// A request the HTTP parser cannot read (a request line or headers over the limits, broken syntax) never reaches a
/// route or middleware: Hummingbird answers it itself with an empty 400 and closes the connection. This gives that one
/// answer, and only it, the JSON error body and the headers of every other answer.
final class UnreadableRequestAnswer: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    static let body: ByteBuffer = {
        let error = ErrorBody(code: "bad_request",
                              message: "the request could not be read: its line or headers are malformed, or larger than 16 KiB or 100 fields")
        return ByteBuffer(bytes: (try? JSONCoding.encoder.encode(error)) ?? Data())
    }()

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // Every answer of ours to a request that was read has a body; the parser's has none.
        guard case .head(var head) = unwrapOutboundIn(data), head.status == .badRequest, head.headerFields[.contentLength] == "0" else {
            context.write(data, promise: promise)
            return
        }
        head.headerFields[.contentLength] = "\(Self.body.readableBytes)"
        head.headerFields[.contentType] = "application/json; charset=utf-8"
        head.headerFields[.xContentTypeOptions] = "nosniff"
        head.headerFields[.referrerPolicy] = "no-referrer"
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(Self.body)), promise: promise)
    }
}
