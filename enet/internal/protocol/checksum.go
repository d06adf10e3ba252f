package protocol

import "hash/crc32"

// Checksum computes ENet's datagram checksum: enet_crc32 (packet.c), the
// reflected CRC-32 with the IEEE polynomial (Go's crc32.ChecksumIEEE), over
// the encoded header, then the 4-byte checksum slot pre-filled with seed,
// then the uncompressed body. libenet stores the result big-endian in the
// slot (enet_crc32 returns ENET_HOST_TO_NET_32 of the CRC).
//
// The seed is the peer's [ConnectID] bytes, or zeros when the header's peer
// ID is 0xFFF (CONNECT datagrams). The header bytes are the final ones,
// including the COMPRESSED flag and session bits: libenet computes the
// checksum after setting them but before swapping in the compressed body,
// and the receiver verifies after decompressing. The checksum is not
// negotiated; both hosts must enable it.
func Checksum(header []byte, seed ConnectID, body []byte) [ChecksumSize]byte {
	crc := crc32.Update(0, crc32.IEEETable, header)
	// The 4 seed bytes go through the table directly: passing seed[:] to
	// crc32.Update would move it to the heap on every call.
	crc = ^crc
	for _, b := range seed {
		crc = crc32.IEEETable[byte(crc)^b] ^ crc>>8
	}
	crc = ^crc
	crc = crc32.Update(crc, crc32.IEEETable, body)
	return [ChecksumSize]byte{byte(crc >> 24), byte(crc >> 16), byte(crc >> 8), byte(crc)}
}
