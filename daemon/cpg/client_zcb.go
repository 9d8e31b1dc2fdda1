package cpg

import (
	"encoding/binary"
	"os"

	"golang.org/x/sys/unix"

	"github.com/gorosync/gorosync/wire"
)

// ZcBuffer is a cpg_zcb_alloc buffer: a file mapped by both sides, laid
// out as coroipcs_zc_header (16), req_lib_cpg_mcast (40), message.
type ZcBuffer struct {
	mem []byte
}

// Data is the message area the application fills.
func (z *ZcBuffer) Data() []byte { return z.mem[wire.CpgZcHeaderSize+wire.CpgReqMcastSize:] }

// ZcbAlloc is cpg_zcb_alloc: libcpg creates the file in /dev/shm (dir
// here), maps it, and has the daemon map it too; the daemon writes its
// address for the buffer at offset 8.
func (c *Client) ZcbAlloc(dir string, size int) (*ZcBuffer, error) {
	mapSize := size + wire.CpgReqMcastSize + wire.CpgZcHeaderSize
	f, err := os.CreateTemp(dir, "corosync_zerocopy-")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if err := f.Truncate(int64(mapSize)); err != nil {
		os.Remove(f.Name())
		return nil, err
	}
	mem, err := unix.Mmap(int(f.Fd()), 0, mapSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		os.Remove(f.Name())
		return nil, err
	}
	req := wire.CpgReqZcAlloc{MapSize: uint64(mapSize)}
	if len(f.Name()) >= wire.CpgZcPathLen {
		os.Remove(f.Name())
		unix.Munmap(mem)
		return nil, ErrCS(wire.CsErrNameTooLong)
	}
	copy(req.Path[:], f.Name())
	if _, _, err := c.request(req.Append(nil)); err != nil {
		unix.Munmap(mem)
		return nil, err
	}
	binary.LittleEndian.PutUint32(mem, uint32(mapSize))
	return &ZcBuffer{mem: mem}, nil
}

// ZcbMcastJoined is cpg_zcb_mcast_joined: the request is written into the
// buffer and only its server address travels.
func (c *Client) ZcbMcastJoined(z *ZcBuffer, n int) error {
	hdr := (&wire.CpgReqMcast{Guarantee: 2}).Append(nil)
	binary.LittleEndian.PutUint32(hdr[8:], uint32(wire.CpgReqMcastSize+n))
	binary.LittleEndian.PutUint32(hdr[32:], uint32(n))
	copy(z.mem[wire.CpgZcHeaderSize:], hdr)
	server := binary.LittleEndian.Uint64(z.mem[8:])
	_, e, err := c.request(wire.AppendCpgReqU64(nil, wire.MessageReqCpgZcExecute, server))
	if err != nil {
		return err
	}
	return csErr(e)
}

// ZcbFree is cpg_zcb_free.
func (c *Client) ZcbFree(z *ZcBuffer) error {
	req := wire.CpgReqZcFree{MapSize: uint64(len(z.mem)), ServerAddress: binary.LittleEndian.Uint64(z.mem[8:])}
	_, _, err := c.request(req.Append(nil))
	unix.Munmap(z.mem)
	return err
}
