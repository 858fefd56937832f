import KairosProtocol

/// A QUERY or LISTRULES answer too long to build in one go (D-limits): where its listing stands, so
/// that it can be written a part at a time between other work.
///
/// Each part walks the ordered index from just after the last id it listed, so a job or rule
/// shows up at most once and in id order even if the set changes between parts; an id added or
/// removed meanwhile is listed iff it sorts after the resume point when the next part is made.
struct AnswerStream {
    enum Source {
        /// QUERY: job ids starting with `range` (the prefix narrowed by the namespace; nil when
        /// the two exclude each other), each shown if the namespace allows it.
        case jobs(range: Bytes?, namespace: Namespace)
        /// LISTRULES (`prefix` empty) or HTTP `GET /rules?prefix=`: rules whose id starts with
        /// `prefix`, if the namespace allows them.
        case rules(namespace: Namespace, prefix: Bytes)
    }

    let source: Source
    let format: AnswerFormat
    /// JSON: a record was written, so the next one is preceded by a comma.
    var wroteRecord = false
    /// The id of the last record examined; the next part starts strictly after it.
    var resumeAfter: Bytes?
    /// The part written when the request was handled, not emitted yet.
    var firstPart: [UInt8] = []

    init(_ source: Source, format: AnswerFormat) {
        self.source = source
        self.format = format
    }
}
