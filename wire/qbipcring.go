package wire

// Layout of libqb's shared ring buffer (ringbuffer_int.h, struct
// qb_ringbuffer_shared_s) as built for x86_64/arm64 with glibc 2.36. Offsets are
// bytes into the "-header" file; the data file is an array of u32 words.
const (
	RingOffWritePt  = 0
	RingOffReadPt   = 4
	RingOffWordSize = 8
	RingOffHdrPath  = 12
	RingOffDataPath = 12 + QBPathMax
	RingOffRefCount = 12 + 2*QBPathMax // 8204
	RingOffSem      = 8208             // glibc struct new_sem: u64 value|nwaiters<<32
	RingOffSemPriv  = 8216             // i32 "private": 128 (FUTEX_SHARED) for pshared
	RingOffUserData = 8240             // request ring: flow-control word
	RingHeaderSize  = 8248             // sizeof(struct qb_ringbuffer_shared_s)

	// The server creates every header with 4 bytes of user data; the client
	// reopens the request header with 4 and the others with 0.
	RingHeaderFileSize = RingHeaderSize + 4

	// SemPrivShared is what sem_init(pshared=1) stores in "private".
	SemPrivShared = 128

	// Chunk magics (word after the length word).
	ChunkMagicCommitted = 0xA1A1A1A1
	ChunkMagicAlloc     = 0xA110CED0
	ChunkMagicConsumed  = 0xD0D0D0D0

	// ChunkMargin is the per-chunk overhead checked by writers (two words plus
	// the word kept free so that read_pt != write_pt when full).
	ChunkMargin = 12

	// SocketControlSize is the SOCKET transport's control file: three
	// {sent i32, flow_control i32} slots for request, response, event.
	SocketControlSize = 24
)

// RingRealSize is the data file size both sides compute from max_msg_size:
// roundup(max_msg_size + margin + 1, pagesize). Both must agree, because the
// client truncates the file to its own value.
func RingRealSize(maxMsgSize uint32, pageSize int) int {
	n := int(maxMsgSize) + ChunkMargin + 1
	return (n + pageSize - 1) / pageSize * pageSize
}
