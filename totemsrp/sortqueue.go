package totemsrp

import "github.com/gorosync/gorosync/wire"

// queueRtrItemsSizeMax is QUEUE_RTR_ITEMS_SIZE_MAX: the sort queue window.
const queueRtrItemsSizeMax = 16384

// storedMcast is one MCAST as received (or sent) on the ring: the exact frame
// bytes, so a retransmission is byte-identical, plus the decoded header.
type storedMcast struct {
	frame []byte
	hdr   wire.Mcast // Payload aliases frame
}

// sortQueue is C's struct sq (include/corosync/sq.h): messages indexed by
// ring seq inside a window [head, head+size) that moves on release, with a
// per-seq miss counter used to delay retransmit requests.
type sortQueue struct {
	head   uint32 // head_seqid: lowest seq not yet released
	items  map[uint32]*storedMcast
	misses map[uint32]uint32
}

func newSortQueue(head uint32) *sortQueue {
	return &sortQueue{head: head, items: map[uint32]*storedMcast{}, misses: map[uint32]uint32{}}
}

func (q *sortQueue) reinit(head uint32) {
	q.head = head
	clear(q.items)
	clear(q.misses)
}

// copyFrom is sq_copy: q becomes an exact copy of src.
func (q *sortQueue) copyFrom(src *sortQueue) {
	q.head = src.head
	clear(q.items)
	clear(q.misses)
	for k, v := range src.items {
		q.items[k] = v
	}
	for k, v := range src.misses {
		q.misses[k] = v
	}
}

// inRange is sq_in_range.
func (q *sortQueue) inRange(seq uint32) bool {
	if q.head > 0x80000000 {
		a, h := seq-0x10000, q.head-0x10000
		return !(a < h) && !(a >= h+queueRtrItemsSizeMax)
	}
	return !(seq < q.head) && !(seq >= q.head+queueRtrItemsSizeMax)
}

func (q *sortQueue) inUse(seq uint32) bool { _, ok := q.items[seq]; return ok }

func (q *sortQueue) get(seq uint32) *storedMcast { return q.items[seq] }

func (q *sortQueue) add(seq uint32, m *storedMcast) {
	q.items[seq] = m
	delete(q.misses, seq)
}

// missCount is sq_item_miss_count: bump and return the miss counter.
func (q *sortQueue) missCount(seq uint32) uint32 {
	q.misses[seq]++
	return q.misses[seq]
}

// release is sq_items_release: forget everything up to and including seq.
func (q *sortQueue) release(seq uint32) {
	if wire.SqLte(q.head, seq) && seq-q.head < queueRtrItemsSizeMax {
		for s := q.head; s != seq+1; s++ {
			delete(q.items, s)
			delete(q.misses, s)
		}
	}
	q.head = seq + 1
}
