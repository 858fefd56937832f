/// A first-in first-out queue with O(1) amortized append and removal at the front
/// (`Array.removeFirst` is O(n), and the waiting line can hold thousands of executions).
struct FIFOQueue<Element> {
    // Popped cells become nil so their elements are released at once; the dead prefix is
    // compacted away once it is at least half of the storage.
    private var cells: [Element?] = []
    private var head = 0

    var count: Int { cells.count - head }
    var isEmpty: Bool { head == cells.count }
    var first: Element? { isEmpty ? nil : cells[head] }

    mutating func append(_ element: Element) { cells.append(element) }

    /// Puts `element` back at the front (a run whose start must be retried keeps its turn).
    mutating func prepend(_ element: Element) {
        if head > 0 {
            head -= 1
            cells[head] = element
        } else {
            cells.insert(element, at: 0)
        }
    }

    mutating func popFirst() -> Element? {
        guard head < cells.count else { return nil }
        let element = cells[head]
        cells[head] = nil
        head += 1
        if head == cells.count {
            cells.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 32 && head * 2 >= cells.count {
            cells.removeFirst(head)
            head = 0
        }
        return element
    }

    mutating func removeAll() {
        cells.removeAll()
        head = 0
    }
}
