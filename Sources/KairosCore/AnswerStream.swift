import KairosProtocol

/// A QUERY or LISTRULES answer too long to build in one go (K23): where its listing stands, so
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
        /// LISTRULES: rules the namespace allows.
        case rules(namespace: Namespace)
    }

    let source: Source
    /// The id of the last record examined; the next part starts strictly after it.
    var resumeAfter: Bytes?
    /// The part written when the request was handled, not emitted yet.
    var firstPart: [UInt8] = []

    init(_ source: Source) {
        self.source = source
    }
}
