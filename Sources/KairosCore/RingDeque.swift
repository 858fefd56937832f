/// A growable ring buffer: O(1) append, removal at both ends and indexed access. Backs the FIFO
/// of withheld responses and the undo log, which fill at the back and drain from the front
/// (durability) or from the back (rollback).
struct RingDeque<Element> {
    private var storage: [Element?]
    private var head = 0
    private(set) var count = 0

    init() {
        storage = Array(repeating: nil, count: 16)
    }

    var isEmpty: Bool { count == 0 }
    var first: Element? { count == 0 ? nil : storage[head] }
    var last: Element? { count == 0 ? nil : storage[physical(count - 1)] }

    /// The element `offset` places from the front.
    subscript(offset: Int) -> Element {
        get {
            precondition(offset >= 0 && offset < count, "RingDeque index out of range")
            return storage[physical(offset)]!
        }
        set {
            precondition(offset >= 0 && offset < count, "RingDeque index out of range")
            storage[physical(offset)] = newValue
        }
    }

    /// Calls `body` on the element `offset` places from the front, in place. The subscript's
    /// get (and get/set for a change) copies the whole element, retaining and releasing every
    /// array in it, to read or change one field; the profile of issue 13 showed that per
    /// request. An inout access to the optional storage is a projection, not a copy.
    @inline(__always)
    mutating func withElement<R>(at offset: Int, _ body: (inout Element) -> R) -> R {
        precondition(offset >= 0 && offset < count, "RingDeque index out of range")
        return body(&storage[physical(offset)]!)
    }

    mutating func append(_ element: Element) {
        if count == storage.count { grow() }
        storage[physical(count)] = element
        count += 1
    }

    @discardableResult
    mutating func removeFirst() -> Element {
        precondition(count > 0, "removeFirst on an empty RingDeque")
        let element = storage[head].take()!
        head = (head + 1) & (storage.count - 1)
        count -= 1
        return element
    }

    @discardableResult
    mutating func removeLast() -> Element {
        precondition(count > 0, "removeLast on an empty RingDeque")
        let element = storage[physical(count - 1)].take()!
        count -= 1
        return element
    }

    @inline(__always)
    private func physical(_ offset: Int) -> Int { (head + offset) & (storage.count - 1) }

    private mutating func grow() {
        var larger: [Element?] = Array(repeating: nil, count: storage.count * 2)
        for offset in 0..<count { larger[offset] = storage[physical(offset)].take() }
        storage = larger
        head = 0
    }
}
