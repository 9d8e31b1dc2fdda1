package wire

// knet compression model ids (libknet compress.c, compress_modules_cmds),
// carried in KnetData.Compress. Only the id mapping is implemented; no codec
// is (zlib would be compress/zlib; lz4, lz4hc, lzo2, lzma, bzip2 and zstd have
// no stdlib codec). A receiver must drop a packet whose model it cannot
// decompress, as C does when the model is not loaded.
const (
	KnetCompressNone  uint8 = 0
	KnetCompressZlib  uint8 = 1
	KnetCompressLZ4   uint8 = 2
	KnetCompressLZ4HC uint8 = 3
	KnetCompressLZO2  uint8 = 4
	KnetCompressLZMA  uint8 = 5
	KnetCompressBzip2 uint8 = 6
	KnetCompressZstd  uint8 = 7
)

var knetCompressNames = [...]string{"none", "zlib", "lz4", "lz4hc", "lzo2", "lzma", "bzip2", "zstd"}

// KnetCompressModel maps totem.knet_compression_model to the on-wire id.
func KnetCompressModel(name string) (uint8, bool) {
	for i, n := range knetCompressNames {
		if n == name {
			return uint8(i), true
		}
	}
	return 0, false
}

// KnetCompressName is the inverse of KnetCompressModel.
func KnetCompressName(id uint8) (string, bool) {
	if int(id) < len(knetCompressNames) {
		return knetCompressNames[id], true
	}
	return "", false
}
